"""Portal pages of maintenance: calendar, change detail, reschedule form, SSO checklist,
patch requests, outages, change requests, scans, the iCalendar feed; outsiders get 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from maintenance import services
from maintenance.choices import ChangeKind, PatchStatus
from maintenance.models import CalendarFeed, RescheduleRequest
from maintenance.windows import region_zone
from tests.factories import CustomerFactory

from .factories import ChangeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def change_a(partner_a, customer_a):
    return ChangeFactory(partner=partner_a, customers=[customer_a], title="Patch the publisher")


def month_of(change) -> dict:
    local = change.start.astimezone(region_zone("EMEA"))
    return {"year": local.year, "month": local.month}


def test_the_calendar_shows_windows_and_the_customer_s_changes(
    client_for, alice, customer_a, change_a
) -> None:
    response = client_for(alice).get(
        "/maintenance/", {"customer": customer_a.pk, **month_of(change_a)}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Patch the publisher" in html
    assert "21:00–06:00 CE" in html  # CET or CEST, by the month
    assert "infrastructure only" in html


def test_the_calendar_marks_the_short_dst_night(client_for, alice, customer_a) -> None:
    response = client_for(alice).get(
        "/maintenance/", {"customer": customer_a.pk, "year": 2027, "month": 3}
    )

    assert "8 h (clock change)" in response.content.decode()


def test_an_outsider_cannot_open_another_partner_s_calendar(
    client_for, charlie, customer_a
) -> None:
    assert client_for(charlie).get("/maintenance/", {"customer": customer_a.pk}).status_code == 404


def test_an_outsider_s_own_calendar_shows_nothing_of_a(
    client_for, charlie, customer_b, change_a
) -> None:
    response = client_for(charlie).get("/maintenance/", month_of(change_a))

    assert response.status_code == 200
    assert "Patch the publisher" not in response.content.decode()


def test_calendar_queries_do_not_grow_with_changes(
    client_for, alice, partner_a, customer_a, change_a, django_assert_max_num_queries
) -> None:
    client = client_for(alice)
    params = {"customer": customer_a.pk, **month_of(change_a)}
    client.get("/maintenance/", params)
    with django_assert_max_num_queries(30) as before:
        client.get("/maintenance/", params)
    for i in range(1, 10):
        start = change_a.start + timedelta(days=i)
        ChangeFactory(
            partner=partner_a, customers=[customer_a], start=start, end=start + timedelta(hours=1)
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get("/maintenance/", params)


def test_change_detail_lists_notices(client_for, staff, alice, charlie, change_a, noc_a) -> None:
    services.change_send_notice(actor=staff, change=change_a)

    response = client_for(alice).get(f"/maintenance/changes/{change_a.pk}/")

    assert response.status_code == 200
    assert "Maintenance notice" in response.content.decode()
    assert "Request a reschedule" in response.content.decode()
    assert client_for(charlie).get(f"/maintenance/changes/{change_a.pk}/").status_code == 404


def test_the_reschedule_form_creates_a_request_and_shows_rule_errors(
    client_for, staff, alice, charlie, change_a
) -> None:
    services.change_send_notice(actor=staff, change=change_a)
    url = f"/maintenance/changes/{change_a.pk}/reschedule/"

    assert client_for(charlie).get(url).status_code == 404
    assert client_for(charlie).post(url, {"reason": "x"}).status_code == 404
    assert client_for(alice).get(url).status_code == 200
    blank = client_for(alice).post(url, {"reason": " "})
    assert blank.status_code == 400
    response = client_for(alice).post(url, {"reason": "Payroll run that night."})

    assert response.status_code == 302
    assert RescheduleRequest.objects.get().reason == "Payroll run that night."
    again = client_for(alice).post(url, {"reason": "Another one"})
    assert again.status_code == 400
    assert "already has an open reschedule request" in again.content.decode()


def test_the_partner_chooses_an_alternative_in_the_portal(
    client_for, staff, alice, charlie, change_a
) -> None:
    services.change_send_notice(actor=staff, change=change_a)
    rr = services.reschedule_request_create(actor=alice, change=change_a, reason="Busy")
    # The operator's own suggestions: windows that satisfy the change's rules on any date
    # (a hand-picked "50 days later" can fall on a holiday of the customer's calendar).
    services.reschedule_offer_alternatives(actor=staff, request=rr)
    alternative = rr.alternatives.order_by("start").first()
    later = alternative
    url = f"/maintenance/reschedule-requests/{rr.pk}/choose/"

    assert client_for(charlie).post(url, {"alternative": alternative.pk}).status_code == 404
    detail = client_for(alice).get(f"/maintenance/changes/{change_a.pk}/").content.decode()
    assert "Choose" in detail
    assert client_for(alice).post(url, {"alternative": alternative.pk}).status_code == 302
    change_a.refresh_from_db()
    assert change_a.start == later.start


def test_the_sso_checklist_is_ticked_off_in_the_portal(
    client_for, staff, alice, charlie, partner_a
) -> None:
    sso = CustomerFactory(partner=partner_a, sso_enabled=True)
    change = ChangeFactory(partner=partner_a, kind=ChangeKind.CERTIFICATE_RENEWAL, customers=[sso])
    services.change_complete(actor=staff, change=change, now=change.end)
    checklist = sso.sso_checklists.get()
    step = checklist.steps.first()
    url = f"/maintenance/sso/{checklist.pk}/"

    assert client_for(charlie).get(url).status_code == 404
    assert client_for(charlie).post(url, {"step": step.pk, "done": "1"}).status_code == 404
    page = client_for(alice).get(url)
    assert "Re-import the IdP metadata file" in page.content.decode()
    assert client_for(alice).post(url, {"step": step.pk, "done": "1"}).status_code == 302
    step.refresh_from_db()
    assert step.done_at is not None
    dashboard = client_for(alice).get("/").content.decode()
    assert "SSO checklists to finish" in dashboard


def test_patch_requests_in_the_portal(
    client_for, staff, alice, charlie, customer_a, customer_b
) -> None:
    client = client_for(alice)
    assert (
        client.post(
            "/maintenance/patches/",
            {"customer": customer_b.pk, "kind": "other", "file_name": "x.cop"},
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/maintenance/patches/",
            {"customer": customer_a.pk, "kind": "locale_pack", "file_name": "pt_BR.cop"},
        ).status_code
        == 302
    )
    patch = customer_a.patch_requests.get()
    services.patch_mark_uploaded(actor=staff, patch=patch)

    assert "pt_BR.cop" not in client_for(charlie).get("/maintenance/patches/").content.decode()
    assert (
        client_for(charlie).post(f"/maintenance/patches/{patch.pk}/installed/").status_code == 404
    )
    assert client.post(f"/maintenance/patches/{patch.pk}/installed/").status_code == 302
    patch.refresh_from_db()
    assert patch.status == PatchStatus.INSTALLED


def test_outage_bulletins_show_only_the_partner_s_outages(
    client_for, staff, alice, charlie, customer_a
) -> None:
    outage = services.outage_declare(actor=staff, title="SBC cluster down", customers=[customer_a])

    assert "SBC cluster down" in client_for(alice).get("/maintenance/outages/").content.decode()
    assert client_for(alice).get(f"/maintenance/outages/{outage.pk}/").status_code == 200
    assert (
        "SBC cluster down" not in client_for(charlie).get("/maintenance/outages/").content.decode()
    )
    assert client_for(charlie).get(f"/maintenance/outages/{outage.pk}/").status_code == 404
    assert "Ongoing outages" in client_for(alice).get("/").content.decode()


def test_a_change_request_is_submitted_for_joint_review(
    client_for, alice, customer_a, customer_b
) -> None:
    form = {
        "customers": [customer_a.pk],
        "partner_request_kind": "service_deactivation",
        "title": "Deactivate IM",
        "description": "We no longer use presence.",
    }
    assert (
        client_for(alice)
        .post("/maintenance/changes/request/", {**form, "customers": [customer_b.pk]})
        .status_code
        == 400
    )
    response = client_for(alice).post("/maintenance/changes/request/", form)

    assert response.status_code == 302
    assert "Under joint review" not in client_for(alice).get(response.url).content.decode()
    assert "Submitted" in client_for(alice).get(response.url).content.decode()


def test_the_vulnerability_scan_form_explains_the_refusal(client_for, alice, customer_a) -> None:
    response = client_for(alice).post(
        "/maintenance/vulnerability-scan/", {"customer": customer_a.pk, "details": "Nessus scan"}
    )

    assert response.status_code == 400
    assert "independent penetration tests" in response.content.decode()


def test_dashboard_card_and_nav_show_maintenance(client_for, alice, change_a) -> None:
    html = client_for(alice).get("/").content.decode()

    assert "Patch the publisher" in html
    assert 'href="/maintenance/"' in html


# --- the iCalendar feed ---------------------------------------------------------------------


def test_the_feed_parses_and_holds_only_the_partner_s_changes(
    client_for, alice, partner_a, change_a
) -> None:
    ChangeFactory(title="Borealis change")
    feed = services.calendar_feed_get_or_create(partner=partner_a)

    response = client_for(alice).get(f"/maintenance/feed/{feed.token}.ics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert [str(e["summary"]) for e in events] == ["[Routine] Patch the publisher"]
    assert events[0].decoded("dtstart") == change_a.start
    assert events[0].decoded("dtend") == change_a.end
    assert str(events[0]["uid"]) == f"change-{change_a.pk}@partner-operations-portal"
    # The description gives the window in the customer's zone (EMEA: CET or CEST).
    local = change_a.start.astimezone(region_zone("EMEA"))
    assert f"{local:%H:%M} CE" in str(events[0]["description"])


def test_the_feed_needs_no_login_but_the_right_token(client, partner_a, change_a) -> None:
    feed = services.calendar_feed_get_or_create(partner=partner_a)

    assert client.get(f"/maintenance/feed/{feed.token}.ics").status_code == 200
    assert client.get("/maintenance/feed/not-a-token.ics").status_code == 404


def test_rotating_the_token_kills_the_old_address(client_for, alice, partner_a, customer_a) -> None:
    old = services.calendar_feed_get_or_create(partner=partner_a).token

    assert client_for(alice).post("/maintenance/feed/", {"include_windows": "1"}).status_code == 302

    feed = CalendarFeed.objects.get(partner=partner_a)
    assert feed.token != old
    assert client_for(alice).get(f"/maintenance/feed/{old}.ics").status_code == 404
    calendar = Calendar.from_ical(
        client_for(alice).get(f"/maintenance/feed/{feed.token}.ics").content
    )
    assert any("maintenance window" in str(e["summary"]) for e in calendar.walk("VEVENT"))


def test_the_feed_settings_page_shows_the_address(client_for, alice, charlie, partner_a) -> None:
    page = client_for(alice).get("/maintenance/feed/").content.decode()
    token = CalendarFeed.objects.get(partner=partner_a).token

    assert token in page
    assert token not in client_for(charlie).get("/maintenance/feed/").content.decode()


def test_staff_are_sent_to_the_admin(client_for, staff) -> None:
    assert client_for(staff).get("/maintenance/").status_code == 302


def test_a_past_cancelled_change_is_marked_cancelled_in_the_feed(
    client_for, staff, alice, partner_a, change_a
) -> None:
    services.change_cancel(actor=staff, change=change_a, now=timezone.now())
    feed = services.calendar_feed_get_or_create(partner=partner_a)

    calendar = Calendar.from_ical(
        client_for(alice).get(f"/maintenance/feed/{feed.token}.ics").content
    )

    assert [str(e["status"]) for e in calendar.walk("VEVENT")] == ["CANCELLED"]


@pytest.mark.parametrize(
    "query",
    ["year=9999&month=12", "year=1&month=1", "year=12345678901234567890&month=1", "month=13",
     "year=abc"],
)
def test_a_calendar_month_out_of_range_is_a_400_with_a_message(client_for, alice, query):
    """Security review: these used to be 500s."""
    response = client_for(alice).get(f"/maintenance/?{query}")
    assert response.status_code == 400
    assert 'id="bad-request-message"' in response.content.decode()


def test_an_engineer_sees_the_feed_but_cannot_rotate_it(client_for, bob, alice) -> None:
    page = client_for(bob).get("/maintenance/feed/").content.decode()
    assert 'id="feed-rotate-admins-only"' in page and "Issue a new address" not in page
    assert client_for(bob).post("/maintenance/feed/", {}).status_code == 403
    assert "Issue a new address" in client_for(alice).get("/maintenance/feed/").content.decode()
