"""Freeze periods (R-MNT-14) on the portal (list, declare, edit, remove, calendar, feed) and in
the admin (saves and deletes through the services); planned changes refused in a freeze on the
admin and the portal, emergencies not; outsiders get 404 (or 400 for a foreign filter)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.utils import timezone
from icalendar import Calendar

from maintenance import services
from maintenance.choices import ChangeKind
from maintenance.models import Change, FreezePeriod
from maintenance.windows import region_zone, window_for_night
from tests.factories import CustomerFactory

from .factories import ChangeFactory, FreezePeriodFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)  # a Monday
WED = window_for_night("EMEA", date(2027, 3, 24))
THU = window_for_night("EMEA", date(2027, 3, 25))
PARIS = region_zone("EMEA")
LIST = "/maintenance/freezes/"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def freeze_a(customer_a):
    return FreezePeriodFactory(
        customer=customer_a,
        start=datetime(2027, 3, 10, tzinfo=PARIS),
        end=datetime(2027, 3, 13, tzinfo=PARIS),
        reason="Spring sales event",
    )


# --- the portal pages ----------------------------------------------------------------------


def test_the_list_shows_each_freeze_with_its_zone_and_length(
    client_for, alice, freeze_a
) -> None:
    html = client_for(alice).get(LIST).content.decode()
    assert "Spring sales event" in html
    assert "10 Mar 2027, 00:00 CET" in html
    assert "3 days" in html
    assert f"/maintenance/freezes/{freeze_a.pk}/" in html


def test_the_list_narrows_to_one_customer_and_refuses_a_foreign_one(
    client_for, alice, charlie, partner_a, freeze_a
) -> None:
    other = FreezePeriodFactory(customer=CustomerFactory(partner=partner_a), reason="Other move")
    html = client_for(alice).get(LIST, {"customer": freeze_a.customer_id}).content.decode()
    assert "Spring sales event" in html and "Other move" not in html
    assert client_for(charlie).get(LIST, {"customer": freeze_a.customer_id}).status_code == 400
    charlie_html = client_for(charlie).get(LIST).content.decode()
    assert "Spring sales event" not in charlie_html and other.reason not in charlie_html


def test_the_list_queries_do_not_grow_with_rows(
    client_for, alice, partner_a, freeze_a, django_assert_max_num_queries
) -> None:
    client = client_for(alice)
    with django_assert_max_num_queries(30) as one:
        client.get(LIST)
    for _ in range(8):
        FreezePeriodFactory(customer=CustomerFactory(partner=partner_a))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(LIST).status_code == 200


def test_a_partner_declares_a_freeze_in_the_customer_s_local_time(
    client_for, bob, customer_a
) -> None:
    response = client_for(bob).post(
        LIST,
        {
            "customer": customer_a.pk,
            "start": "2027-03-10T00:00",
            "end": "2027-03-12T18:00",
            "reason": "Office move",
        },
    )
    assert response.status_code == 302
    freeze = FreezePeriod.objects.get()
    assert freeze.start == datetime(2027, 3, 10, tzinfo=PARIS)
    assert freeze.end == datetime(2027, 3, 12, 18, tzinfo=PARIS)
    assert freeze.created_by == bob


def test_a_freeze_in_the_past_shows_on_the_field(client_for, alice, customer_a) -> None:
    response = client_for(alice).post(
        LIST,
        {
            "customer": customer_a.pk,
            "start": "2027-02-20T00:00",
            "end": "2027-03-12T00:00",
            "reason": "Late",
        },
    )
    assert response.status_code == 400
    assert "cannot start in the past" in response.content.decode()
    assert "R-MNT" not in response.content.decode()
    assert not FreezePeriod.objects.exists()


def test_an_outsider_cannot_declare_a_freeze_for_another_partners_customer(
    client_for, charlie, customer_a
) -> None:
    response = client_for(charlie).post(
        LIST,
        {
            "customer": customer_a.pk,
            "start": "2027-03-10T00:00",
            "end": "2027-03-12T00:00",
            "reason": "x",
        },
    )
    assert response.status_code == 400
    assert not FreezePeriod.objects.exists()


def test_a_partner_edits_and_removes_a_freeze(client_for, alice, freeze_a) -> None:
    client = client_for(alice)
    edit = f"/maintenance/freezes/{freeze_a.pk}/"
    form = client.get(edit).content.decode()
    assert 'value="2027-03-10T00:00"' in form
    response = client.post(
        edit,
        {
            "customer": freeze_a.customer_id,
            "start": "2027-03-10T00:00",
            "end": "2027-03-11T00:00",
            "reason": "Shorter sale",
        },
    )
    assert response.status_code == 302
    freeze_a.refresh_from_db()
    assert (freeze_a.end, freeze_a.reason) == (datetime(2027, 3, 11, tzinfo=PARIS), "Shorter sale")

    delete = f"/maintenance/freezes/{freeze_a.pk}/delete/"
    assert "Shorter sale" in client.get(delete).content.decode()
    assert client.post(delete).status_code == 302
    assert not FreezePeriod.objects.exists()


def test_an_outsider_gets_404_on_the_edit_and_remove_pages(client_for, charlie, freeze_a) -> None:
    client = client_for(charlie)
    for url in (f"/maintenance/freezes/{freeze_a.pk}/", f"/maintenance/freezes/{freeze_a.pk}/delete/"):
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "x"}).status_code == 404
    assert FreezePeriod.objects.get().reason == "Spring sales event"


def test_the_subnav_and_the_customer_page_link_to_freeze_periods(
    client_for, alice, customer_a
) -> None:
    client = client_for(alice)
    assert 'href="/maintenance/freezes/"' in client.get("/maintenance/").content.decode()
    page = client.get(f"/customers/{customer_a.pk}/").content.decode()
    assert f'href="/maintenance/freezes/?customer={customer_a.pk}"' in page


def test_the_calendar_shows_the_freeze_on_each_day_it_touches(
    client_for, alice, customer_a, freeze_a
) -> None:
    html = client_for(alice).get(
        "/maintenance/", {"customer": customer_a.pk, "year": 2027, "month": 3}
    ).content.decode()
    assert html.count(f'data-freeze="{freeze_a.pk}"') == 3  # 10, 11 and 12 March


def test_the_feed_holds_the_partner_s_freezes_only(
    client, partner_a, freeze_a, customer_b
) -> None:
    FreezePeriodFactory(customer=customer_b, reason="Borealis secret")
    feed = services.calendar_feed_get_or_create(partner=partner_a)
    body = client.get(f"/maintenance/feed/{feed.token}.ics").content
    events = [e for e in Calendar.from_ical(body).walk("VEVENT")]
    freezes = [e for e in events if str(e["uid"]).startswith("freeze-")]
    assert [str(e["uid"]) for e in freezes] == [f"freeze-{freeze_a.pk}@partner-operations-portal"]
    assert b"Borealis secret" not in body


# --- enforcement on the portal: the partner's choice of an alternative -----------------------


def test_a_frozen_alternative_is_refused_on_the_portal_r_mnt_14(
    client_for, staff, alice, partner_a, customer_a
) -> None:
    change = ChangeFactory(
        partner=partner_a, customers=[customer_a], start=THU.start, end=THU.start + timedelta(hours=2)
    )
    services.change_send_notice(actor=staff, change=change, now=NOW)
    rr = services.reschedule_request_create(actor=alice, change=change, reason="Busy", now=NOW)
    services.reschedule_offer_alternatives(
        actor=staff, request=rr, alternatives=[(WED.start, WED.start + timedelta(hours=2))], now=NOW
    )
    FreezePeriodFactory(customer=customer_a, start=WED.start, end=WED.end)
    client = client_for(alice)
    detail = client.get(f"/maintenance/changes/{change.pk}/").content.decode()
    assert "in a freeze period" in detail
    assert f'name="alternative" value="{rr.alternatives.get().pk}"' not in detail
    response = client.post(
        f"/maintenance/reschedule-requests/{rr.pk}/choose/",
        {"alternative": rr.alternatives.get().pk},
        follow=True,
    )
    assert "freeze period" in response.content.decode()
    change.refresh_from_db()
    assert change.start == THU.start


# --- the admin ---------------------------------------------------------------------------------

ADMIN = "/admin/maintenance/freezeperiod/"


def split(name: str, moment: datetime) -> dict:
    local = moment.astimezone(timezone.get_default_timezone())
    return {f"{name}_0": local.strftime("%Y-%m-%d"), f"{name}_1": local.strftime("%H:%M:%S")}


def test_the_admin_adds_a_freeze_through_the_service(client_for, staff, customer_a) -> None:
    data = {
        "customer": customer_a.pk,
        **split("start", NOW + timedelta(days=2)),
        **split("end", NOW + timedelta(days=4)),
        "reason": "Board meeting",
    }
    with mock.patch.object(
        services, "freeze_period_create", wraps=services.freeze_period_create
    ) as spy:
        response = client_for(staff).post(f"{ADMIN}add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert spy.call_count == 1
    assert FreezePeriod.objects.get().created_by == staff


def test_the_admin_shows_a_refusal_on_the_form(client_for, staff, customer_a) -> None:
    data = {
        "customer": customer_a.pk,
        **split("start", NOW + timedelta(days=2)),
        **split("end", NOW + timedelta(days=60)),
        "reason": "Too long",
    }
    response = client_for(staff).post(f"{ADMIN}add/", data)
    assert response.status_code == 200
    assert "at most 31 days" in response.content.decode()
    assert not FreezePeriod.objects.exists()


def test_the_admin_edits_and_deletes_through_the_services(client_for, staff, freeze_a) -> None:
    client = client_for(staff)
    with mock.patch.object(
        services, "freeze_period_update", wraps=services.freeze_period_update
    ) as spy:
        response = client.post(
            f"{ADMIN}{freeze_a.pk}/change/",
            {
                "customer": freeze_a.customer_id,
                **split("start", freeze_a.start),
                **split("end", freeze_a.end),
                "reason": "Edited by staff",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert spy.call_count == 1
    assert client.get(ADMIN).status_code == 200
    with mock.patch.object(
        services, "freeze_period_delete", wraps=services.freeze_period_delete
    ) as spy:
        response = client.post(f"{ADMIN}{freeze_a.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert spy.call_count == 1
    assert not FreezePeriod.objects.exists()


def _change_add(partner, customer, window, **extra) -> dict:
    return {
        "partner": partner.pk,
        "kind": "routine",
        "title": "Admin change",
        "description": "",
        "customers": [customer.pk],
        **split("start", window.start),
        **split("end", window.start + timedelta(hours=2)),
        "reason": "",
        "sme_publisher_region": "",
        "case": "",
        "certificate": "",
        **extra,
    }


def test_a_planned_change_into_a_freeze_is_refused_in_the_admin_r_mnt_14(
    client_for, staff, partner_a, customer_a
) -> None:
    FreezePeriodFactory(customer=customer_a, start=WED.start, end=WED.end)
    response = client_for(staff).post(
        "/admin/maintenance/change/add/", _change_add(partner_a, customer_a, WED)
    )
    assert response.status_code == 200
    assert "freeze period" in response.content.decode()
    assert not Change.objects.exists()


def test_an_emergency_change_in_a_freeze_is_accepted_in_the_admin_r_mnt_14(
    client_for, staff, partner_a, customer_a, noc_a
) -> None:
    FreezePeriodFactory(customer=customer_a, start=NOW, end=NOW + timedelta(days=2))
    data = _change_add(partner_a, customer_a, WED, kind="emergency", reason="restore_service")
    data.update({"start_0": "", "start_1": "", **split("end", NOW + timedelta(hours=2))})
    response = client_for(staff).post("/admin/maintenance/change/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Change.objects.get().kind == ChangeKind.EMERGENCY


def test_partners_do_not_reach_the_admin(client_for, alice, freeze_a) -> None:
    assert client_for(alice).get(ADMIN).status_code in (302, 403)


def test_the_freeze_pages_speak_brazilian_portuguese(client_for, alice, customer_a) -> None:
    client = client_for(alice)
    client.post("/i18n/setlang/", {"language": "pt-br", "next": "/"})
    html = client.get(LIST).content.decode()
    assert "Declarar um período de congelamento" in html
    refused = client.post(
        LIST,
        {
            "customer": customer_a.pk,
            "start": "2027-02-20T00:00",
            "end": "2027-03-12T00:00",
            "reason": "Tarde",
        },
    ).content.decode()
    assert "não pode começar no passado" in refused


def test_the_change_admin_shows_a_freeze_declared_after_it_was_planned_r_mnt_14(
    client_for, staff, partner_a, customer_a
) -> None:
    change = ChangeFactory(
        partner=partner_a, customers=[customer_a], start=WED.start, end=WED.start + timedelta(hours=2)
    )
    FreezePeriodFactory(customer=customer_a, start=WED.start, end=WED.end, reason="Late sale")
    html = client_for(staff).get(f"/admin/maintenance/change/{change.pk}/change/").content.decode()
    assert "Late sale" in html
