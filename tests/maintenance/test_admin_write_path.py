"""The admin's one write path: every staff write in the maintenance admin (add, edit, action)
is a call of the service the API uses, driven here through the admin's own forms.

The clock is pinned to Monday 1 March 2027, 09:00 UTC, so windows and notice periods are the
same on every day the suite runs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.utils import timezone

from maintenance import services
from maintenance.choices import ChangeKind, ChangeStatus, NoticeKind, PatchStatus, RescheduleStatus
from maintenance.models import Change, ChangeNotice, Outage, PatchRequest
from maintenance.windows import window_containing, window_for_night
from portal.choices import Region
from tests.factories import CustomerFactory
from tests.outbox import deliveries

from .factories import CertificateFactory, ChangeFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)  # a Monday
WED = window_for_night("EMEA", date(2027, 3, 24))  # three weeks ahead
THU = window_for_night("EMEA", date(2027, 3, 25))
SAT = window_for_night("EMEA", date(2027, 3, 27))
PAST_WED = window_for_night("EMEA", date(2027, 2, 24))
ADD = "/admin/maintenance/change/add/"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def utc(moment: datetime) -> datetime:
    """Admin forms read naive times in the site zone (UTC)."""
    return moment.astimezone(timezone.get_default_timezone())


def split(name: str, moment: datetime | None) -> dict:
    if moment is None:
        return {f"{name}_0": "", f"{name}_1": ""}
    moment = utc(moment)
    return {f"{name}_0": moment.strftime("%Y-%m-%d"), f"{name}_1": moment.strftime("%H:%M:%S")}


def add_data(partner, customers, start, end, **extra) -> dict:
    data = {
        "partner": partner.pk,
        "kind": "routine",
        "title": "Admin change",
        "description": "",
        "customers": [c.pk for c in customers],
        **split("start", start),
        **split("end", end),
        "reason": "",
        "sme_publisher_region": "",
        "case": "",
        "certificate": "",
    }
    data.update(extra)
    return data


def edit_data(change: Change, start, end, kind: str | None = None) -> dict:
    notices = change.notices.count()
    requests = change.reschedule_requests.count()
    return {
        "kind": kind or change.kind,
        **split("start", start),
        **split("end", end),
        "notices-TOTAL_FORMS": str(notices),
        "notices-INITIAL_FORMS": str(notices),
        "reschedule_requests-TOTAL_FORMS": str(requests),
        "reschedule_requests-INITIAL_FORMS": str(requests),
    }


def change_url(change: Change) -> str:
    return f"/admin/maintenance/change/{change.pk}/change/"


def action_url(change: Change, name: str) -> str:
    return f"/admin/maintenance/change/{change.pk}/do/{name}/"


# --- adding changes: change_create ------------------------------------------------------------


def test_adding_a_planned_change_calls_change_create(
    client_for, staff, partner_a, customer_a
) -> None:
    with mock.patch.object(services, "change_create", wraps=services.change_create) as spy:
        response = client_for(staff).post(
            ADD, add_data(partner_a, [customer_a], WED.start, WED.start + timedelta(hours=2))
        )

    assert response.status_code == 302, response.content.decode()[:3000]
    change = Change.objects.get()
    assert spy.call_count == 1
    assert change.status == ChangeStatus.SCHEDULED
    assert change.created_by == staff
    assert list(change.customers.all()) == [customer_a]


def test_adding_an_emergency_sends_its_notice_through_the_outbox_r_mnt_8(
    client_for, staff, partner_a, customer_a, noc_a
) -> None:
    response = client_for(staff).post(
        ADD,
        add_data(
            partner_a,
            [customer_a],
            None,
            NOW + timedelta(hours=2),
            kind="emergency",
            reason="restore_service",
            title="Restore the voicemail cluster",
        ),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    change = Change.objects.get()
    assert change.status == ChangeStatus.IN_PROGRESS  # may start at once (R-MNT-8)
    assert change.started_at == NOW
    notice = ChangeNotice.objects.get(change=change)
    assert notice.kind == NoticeKind.EMERGENCY
    assert deliveries(
        dedupe_key=f"change:{change.pk}:emergency", recipient="noc@acme.example"
    ).exists()


def test_an_emergency_without_its_reason_is_refused_on_the_form_r_mnt_8(
    client_for, staff, partner_a, customer_a, noc_a
) -> None:
    response = client_for(staff).post(
        ADD, add_data(partner_a, [customer_a], None, NOW + timedelta(hours=2), kind="emergency")
    )

    assert response.status_code == 200
    assert "An emergency change needs one of the reasons" in response.content.decode()
    assert not Change.objects.exists()
    assert not deliveries().exists()


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (SAT.start, "reserved for infrastructure"),  # R-MNT-1
        (PAST_WED.start, "must start in the future"),  # R-MNT-2
        (WED.start.replace(hour=12), "inside one maintenance window"),  # R-MNT-2
    ],
)
def test_refused_input_shows_the_message_and_writes_nothing_r_mnt_1_r_mnt_2(
    client_for, staff, partner_a, customer_a, start, message
) -> None:
    response = client_for(staff).post(
        ADD, add_data(partner_a, [customer_a], start, start + timedelta(hours=1))
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Change.objects.exists()


def test_a_service_impacting_change_needs_its_notice_period_in_the_admin_r_mnt_4(
    client_for, staff, partner_a, customer_a
) -> None:
    soon = window_for_night("EMEA", date(2027, 3, 3))
    response = client_for(staff).post(
        ADD,
        add_data(
            partner_a,
            [customer_a],
            soon.start,
            soon.start + timedelta(hours=1),
            kind="service_impacting",
        ),
    )

    assert response.status_code == 200
    assert "10 business days" in response.content.decode()
    assert not Change.objects.exists()


def test_a_certificate_renewal_added_in_the_admin_names_its_customers_certificate_r_mnt_6(
    client_for, staff, partner_a, customer_a, customer_b
) -> None:
    foreign = CertificateFactory(customer=customer_b, expires_at=WED.start + timedelta(days=5))
    own = CertificateFactory(customer=customer_a, expires_at=WED.start + timedelta(days=5))
    data = add_data(
        partner_a,
        [customer_a],
        WED.start,
        WED.start + timedelta(hours=1),
        kind="certificate_renewal",
    )

    refused = client_for(staff).post(ADD, {**data, "certificate": foreign.pk})
    assert refused.status_code == 200
    assert "one of the change&#x27;s customers" in refused.content.decode()
    assert not Change.objects.exists()

    done = client_for(staff).post(ADD, {**data, "certificate": own.pk})
    assert done.status_code == 302, done.content.decode()[:3000]
    own.refresh_from_db()
    assert own.renewal_change == Change.objects.get()


# --- editing a change: change_plan ------------------------------------------------------------


@pytest.fixture
def notified(staff, partner_a, customer_a, noc_a) -> Change:
    change = ChangeFactory(
        partner=partner_a,
        customers=[customer_a],
        start=WED.start,
        end=WED.start + timedelta(hours=2),
    )
    return services.change_send_notice(actor=staff, change=change)


def test_moving_a_notified_change_sends_the_rescheduled_notice(client_for, staff, notified) -> None:
    with mock.patch.object(services, "change_plan", wraps=services.change_plan) as spy:
        response = client_for(staff).post(
            change_url(notified),
            edit_data(notified, THU.start, THU.start + timedelta(hours=2)),
        )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert spy.call_count == 1
    notified.refresh_from_db()
    assert notified.start == THU.start
    assert notified.status == ChangeStatus.NOTIFIED
    assert notified.notices.filter(kind=NoticeKind.RESCHEDULED).count() == 1
    assert (
        deliveries(
            dedupe_key__startswith=f"change:{notified.pk}:rescheduled"
        ).count()
        == 1
    )


def test_a_notified_routine_change_cannot_move_into_a_weekend_window_r_mnt_1(
    client_for, staff, notified
) -> None:
    response = client_for(staff).post(
        change_url(notified), edit_data(notified, SAT.start, SAT.start + timedelta(hours=2))
    )

    assert response.status_code == 200
    assert "reserved for infrastructure" in response.content.decode()
    notified.refresh_from_db()
    assert notified.start == WED.start
    assert not notified.notices.filter(kind=NoticeKind.RESCHEDULED).exists()


def test_saving_a_notified_change_unchanged_sends_nothing(client_for, staff, notified) -> None:
    response = client_for(staff).post(
        change_url(notified), edit_data(notified, notified.start, notified.end)
    )

    assert response.status_code == 302
    assert not notified.notices.filter(kind=NoticeKind.RESCHEDULED).exists()


def test_a_change_that_started_is_read_only_with_its_actions_as_buttons(
    client_for, staff, partner_a, customer_a
) -> None:
    running = ChangeFactory(
        partner=partner_a, customers=[customer_a], status=ChangeStatus.IN_PROGRESS
    )

    html = client_for(staff).get(change_url(running)).content.decode()

    assert 'name="_save"' not in html
    assert action_url(running, "complete") in html
    assert action_url(running, "cancel") in html
    assert action_url(running, "send-notice") not in html
    refused = client_for(staff).post(
        change_url(running), edit_data(running, THU.start, THU.start + timedelta(hours=1))
    )
    assert refused.status_code == 403
    running.refresh_from_db()
    assert running.start != THU.start


def test_a_scheduled_change_is_editable_and_offers_the_notice(
    client_for, staff, partner_a, customer_a
) -> None:
    change = ChangeFactory(partner=partner_a, customers=[customer_a])

    html = client_for(staff).get(change_url(change)).content.decode()

    assert 'name="_save"' in html
    assert action_url(change, "send-notice") in html
    assert 'name="title"' not in html  # only the schedule is edited here


def test_a_partner_request_under_review_is_read_only_with_review_buttons_r_mnt_9(
    client_for, staff, alice, customer_a
) -> None:
    change = services.change_request_by_partner(
        actor=alice,
        customers=[customer_a],
        title="New SBC",
        description="Replace the session border controller.",
        partner_request_kind="boundary_device_configuration",
    )
    html = client_for(staff).get(change_url(change)).content.decode()
    assert 'name="_save"' not in html
    assert action_url(change, "review-start") in html

    assert (
        client_for(staff).post(action_url(change, "review-start"), {"note": ""}).status_code == 302
    )
    change.refresh_from_db()
    assert change.status == ChangeStatus.UNDER_REVIEW
    response = client_for(staff).post(
        action_url(change, "approve"), {"note": "Agreed", "kind": "service_impacting"}
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert (change.status, change.kind) == (ChangeStatus.APPROVED, ChangeKind.SERVICE_IMPACTING)


# --- actions: the same services ---------------------------------------------------------------


def test_the_send_notice_button_sends_the_notice(
    client_for, staff, partner_a, customer_a, noc_a
) -> None:
    change = ChangeFactory(partner=partner_a, customers=[customer_a])
    page = client_for(staff).get(action_url(change, "send-notice"))
    assert "Please confirm" in page.content.decode()

    response = client_for(staff).post(action_url(change, "send-notice"), {})

    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.NOTIFIED
    assert deliveries(dedupe_key=f"change:{change.pk}:notice").count() == 1


def test_completing_before_the_start_is_refused_on_the_action_page_r_mnt_2(
    client_for, staff, notified
) -> None:
    response = client_for(staff).post(action_url(notified, "complete"), {})

    assert response.status_code == 400
    assert "only at or after its start" in response.content.decode()
    notified.refresh_from_db()
    assert notified.status == ChangeStatus.NOTIFIED

    with time_machine.travel(notified.start + timedelta(minutes=10), tick=False):
        done = client_for(staff).post(action_url(notified, "complete"), {})
    assert done.status_code == 302
    notified.refresh_from_db()
    assert notified.status == ChangeStatus.COMPLETED


def test_the_cancel_button_sends_the_cancellation(client_for, staff, notified) -> None:
    response = client_for(staff).post(action_url(notified, "cancel"), {"note": "Not needed"})

    assert response.status_code == 302
    notified.refresh_from_db()
    assert notified.status == ChangeStatus.CANCELLED
    assert notified.notices.filter(kind=NoticeKind.CANCELLED).count() == 1


def test_changes_are_cancelled_never_deleted(client_for, staff, notified) -> None:
    assert (
        client_for(staff)
        .post(f"/admin/maintenance/change/{notified.pk}/delete/", {"post": "yes"})
        .status_code
        == 403
    )
    assert Change.objects.filter(pk=notified.pk).exists()


# --- reschedule alternatives: the API's function ----------------------------------------------


def _request_for(change, staff, alice):
    if change.status == ChangeStatus.SCHEDULED:
        services.change_send_notice(actor=staff, change=change)
    return services.reschedule_request_create(actor=alice, change=change, reason="Month end")


def test_the_admin_offers_alternatives_fitting_every_customers_region_r_mnt_5(
    client_for, staff, alice, partner_a, customer_a, noc_a
) -> None:
    """Customers in EMEA and AMER: every alternative lies in a window of both regions."""
    amer = CustomerFactory(partner=partner_a, name="Zeta Corp", region=Region.AMER)
    start = window_for_night("AMER", date(2027, 3, 24)).start  # 03:00 Paris, inside EMEA too
    change = ChangeFactory(
        partner=partner_a,
        customers=[customer_a, amer],
        start=start,
        end=start + timedelta(hours=2),
    )
    rr = _request_for(change, staff, alice)

    # Patched where reschedule_offer_alternatives looks it up (its topic module).
    with mock.patch.object(
        services.reschedules,
        "reschedule_alternatives_for",
        wraps=services.reschedule_alternatives_for,
    ) as spy:
        response = client_for(staff).post(
            f"/admin/maintenance/reschedulerequest/{rr.pk}/do/offer-suggested/", {"note": ""}
        )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert spy.call_count == 1
    rr.refresh_from_db()
    assert rr.status == RescheduleStatus.ALTERNATIVES_OFFERED
    offered = list(rr.alternatives.all())
    assert offered
    for alternative in offered:
        for region in ("EMEA", "AMER"):
            window = window_containing(region, alternative.start, alternative.end)
            assert window is not None and not window.infrastructure_only


def test_an_infrastructure_change_is_also_offered_weekend_windows_r_mnt_5(
    client_for, staff, alice, partner_a, customer_a, noc_a
) -> None:
    change = ChangeFactory(
        partner=partner_a,
        customers=[customer_a],
        kind=ChangeKind.INFRASTRUCTURE,
        start=WED.start,
        end=WED.start + timedelta(hours=2),
    )
    rr = _request_for(change, staff, alice)

    client_for(staff).post(
        "/admin/maintenance/reschedulerequest/",
        {"action": "offer_suggested", "_selected_action": [rr.pk]},
    )

    rr.refresh_from_db()
    kinds = [a.window_kind for a in rr.alternatives.all()]
    assert sorted(kinds) == ["weekday", "weekday", "weekday", "weekend", "weekend"]


def test_a_reschedule_request_is_read_only_in_the_admin(client_for, staff, alice, notified) -> None:
    rr = services.reschedule_request_create(actor=alice, change=notified, reason="Busy")

    html = client_for(staff).get(f"/admin/maintenance/reschedulerequest/{rr.pk}/change/").content
    assert b'name="_save"' not in html
    assert b"/do/offer-suggested/" in html
    assert (
        client_for(staff)
        .post(f"/admin/maintenance/reschedulerequest/{rr.pk}/do/decline/", {"note": "No room"})
        .status_code
        == 302
    )
    rr.refresh_from_db()
    assert rr.status == RescheduleStatus.DECLINED


# --- outages and patch files ------------------------------------------------------------------


def test_adding_an_outage_calls_outage_declare_r_mnt_12(
    client_for, staff, customer_a, noc_a
) -> None:
    data = {"title": "Voicemail down", "description": "", "customers": [customer_a.pk]}
    data.update(split("declared_at", NOW))
    with mock.patch.object(services, "outage_declare", wraps=services.outage_declare) as spy:
        response = client_for(staff).post("/admin/maintenance/outage/add/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert spy.call_count == 1
    outage = Outage.objects.get()
    assert list(outage.customers.all()) == [customer_a]
    assert deliveries(dedupe_key__startswith=f"outage:{outage.pk}:declared:").count() == 1

    html = client_for(staff).get(f"/admin/maintenance/outage/{outage.pk}/change/").content
    assert b'name="_save"' not in html
    resolved = client_for(staff).post(
        f"/admin/maintenance/outage/{outage.pk}/do/resolve/", {"resolution": "Restarted"}
    )
    assert resolved.status_code == 302
    outage.refresh_from_db()
    assert outage.resolution == "Restarted"
    assert deliveries(dedupe_key__startswith=f"outage:{outage.pk}:resolved:").count() == 1


def test_an_outage_without_customers_is_refused_on_the_form(client_for, staff) -> None:
    data = {"title": "Voicemail down", "description": "", "customers": []}
    data.update(split("declared_at", NOW))

    response = client_for(staff).post("/admin/maintenance/outage/add/", data)

    assert response.status_code == 200
    assert not Outage.objects.exists()


def test_a_patch_file_is_recorded_and_uploaded_through_the_services_r_mnt_11(
    client_for, staff, customer_a, noc_a
) -> None:
    with mock.patch.object(
        services, "patch_request_create", wraps=services.patch_request_create
    ) as spy:
        response = client_for(staff).post(
            "/admin/maintenance/patchrequest/add/",
            {
                "customer": customer_a.pk,
                "kind": "locale_pack",
                "file_name": "  fr-locale.cop ",
                "note": "",
            },
        )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert spy.call_count == 1
    patch = PatchRequest.objects.get()
    assert (patch.partner, patch.file_name) == (customer_a.partner, "fr-locale.cop")

    html = client_for(staff).get(f"/admin/maintenance/patchrequest/{patch.pk}/change/").content
    assert b'name="_save"' not in html
    uploaded = client_for(staff).post(f"/admin/maintenance/patchrequest/{patch.pk}/do/uploaded/")
    assert uploaded.status_code == 302
    patch.refresh_from_db()
    assert patch.status == PatchStatus.UPLOADED
    assert deliveries(dedupe_key=f"patch:{patch.pk}:uploaded").exists()
    again = client_for(staff).post(
        "/admin/maintenance/patchrequest/",
        {"action": "mark_uploaded", "_selected_action": [patch.pk]},
        follow=True,
    )
    assert "Only a requested file can be uploaded." in again.content.decode()


def test_a_patch_file_without_a_name_is_refused_on_the_form(client_for, staff, customer_a) -> None:
    response = client_for(staff).post(
        "/admin/maintenance/patchrequest/add/",
        {"customer": customer_a.pk, "kind": "locale_pack", "file_name": "   ", "note": ""},
    )

    assert response.status_code == 200
    assert not PatchRequest.objects.exists()


def test_an_upgrade_too_soon_for_its_notice_is_refused_on_the_form_r_rel_4(
    client_for, staff, partner_a, customer_a
) -> None:
    soon = window_for_night("EMEA", date(2027, 3, 8))  # one week ahead
    response = client_for(staff).post(
        ADD,
        add_data(
            partner_a,
            [customer_a],
            soon.start,
            soon.start + timedelta(hours=2),
            kind="upgrade",
            reason="version_below_n_minus_1",
        ),
    )

    assert response.status_code == 200
    assert "at least 10 days before its window" in response.content.decode()
    assert not Change.objects.exists()
