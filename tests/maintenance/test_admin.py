"""The staff console for maintenance: window validation, actions, highlighting, outages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from maintenance import services
from maintenance.choices import ChangeStatus, RescheduleStatus
from maintenance.models import Change, Outage
from tests.outbox import deliveries

from .factories import CertificateFactory, ChangeFactory, weekday_window, weekend_window

pytestmark = pytest.mark.django_db


def form_data(partner, customer, start, end, **extra) -> dict:
    data = {
        "partner": partner.pk,
        "kind": "routine",
        "title": "Admin change",
        "description": "",
        "customers": [customer.pk],
        "start_0": start.strftime("%Y-%m-%d"),
        "start_1": start.strftime("%H:%M:%S"),
        "end_0": end.strftime("%Y-%m-%d"),
        "end_1": end.strftime("%H:%M:%S"),
        "reason": "",
        "sme_publisher_region": "",
        "origin": "operator",
        "partner_request_kind": "",
        "review_note": "",
        "notices-TOTAL_FORMS": "0",
        "notices-INITIAL_FORMS": "0",
        "reschedule_requests-TOTAL_FORMS": "0",
        "reschedule_requests-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


def utc(moment):
    """Admin forms read naive times in the site zone (UTC)."""
    return moment.astimezone(timezone.get_default_timezone())


def test_change_pages_render_for_staff(client_for, staff, partner_a, customer_a) -> None:
    change = ChangeFactory(partner=partner_a, customers=[customer_a])
    client = client_for(staff)

    assert client.get("/admin/maintenance/change/?status__exact=scheduled").status_code == 200
    assert client.get(f"/admin/maintenance/change/{change.pk}/change/").status_code == 200
    assert client.get("/admin/maintenance/change/add/").status_code == 200


def test_the_admin_refuses_a_weekend_routine_change_r_mnt_1(
    client_for, staff, partner_a, customer_a
) -> None:
    window = weekend_window("EMEA")
    start, end = utc(window.start), utc(window.start + timedelta(hours=1))

    response = client_for(staff).post(
        "/admin/maintenance/change/add/", form_data(partner_a, customer_a, start, end)
    )

    assert response.status_code == 200
    assert "infrastructure" in response.content.decode()
    assert not Change.objects.exists()


def test_the_admin_schedules_a_change_inside_a_window(
    client_for, staff, partner_a, customer_a
) -> None:
    window = weekday_window("EMEA")
    start, end = utc(window.start), utc(window.start + timedelta(hours=1))

    response = client_for(staff).post(
        "/admin/maintenance/change/add/", form_data(partner_a, customer_a, start, end)
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    change = Change.objects.get()
    assert change.status == ChangeStatus.SCHEDULED
    assert change.start == window.start


def test_the_send_notice_action_notifies(client_for, staff, partner_a, customer_a, noc_a) -> None:
    change = ChangeFactory(partner=partner_a, customers=[customer_a])

    client_for(staff).post(
        "/admin/maintenance/change/", {"action": "send_notice", "_selected_action": [change.pk]}
    )

    change.refresh_from_db()
    assert change.status == ChangeStatus.NOTIFIED
    assert deliveries().count() == 1


@time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=UTC), tick=False)  # a Monday
def test_staff_offer_the_suggested_alternatives_weekdays_for_a_routine_change_r_mnt_5(
    client_for, staff, alice, partner_a, customer_a
) -> None:
    change = ChangeFactory(partner=partner_a, customers=[customer_a])
    services.change_send_notice(actor=staff, change=change)
    rr = services.reschedule_request_create(actor=alice, change=change, reason="Busy")

    client_for(staff).post(
        "/admin/maintenance/reschedulerequest/",
        {"action": "offer_suggested", "_selected_action": [rr.pk]},
    )

    rr.refresh_from_db()
    assert rr.status == RescheduleStatus.ALTERNATIVES_OFFERED
    assert [a.window_kind for a in rr.alternatives.all()] == ["weekday"] * 3
    assert (
        client_for(staff).get(f"/admin/maintenance/reschedulerequest/{rr.pk}/change/").status_code
        == 200
    )


def test_certificates_near_expiry_are_highlighted(client_for, staff, customer_a) -> None:
    CertificateFactory(customer=customer_a, expires_at=timezone.now() + timedelta(days=5))
    CertificateFactory(customer=customer_a, expires_at=timezone.now() - timedelta(days=1))

    html = client_for(staff).get("/admin/maintenance/certificate/").content.decode()

    assert "expiry-warn" in html
    assert "expiry-bad" in html


def test_declaring_an_outage_in_the_admin_notifies_subscribers(
    client_for, staff, customer_a, noc_a
) -> None:
    now = timezone.now()
    response = client_for(staff).post(
        "/admin/maintenance/outage/add/",
        {
            "title": "Voicemail down",
            "description": "",
            "customers": [customer_a.pk],
            "declared_at_0": now.strftime("%Y-%m-%d"),
            "declared_at_1": now.strftime("%H:%M:%S"),
            "resolution": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    outage = Outage.objects.get()
    assert deliveries(dedupe_key__startswith=f"outage:{outage.pk}:declared:").count() == 1
    client_for(staff).post(
        "/admin/maintenance/outage/", {"action": "resolve", "_selected_action": [outage.pk]}
    )
    assert deliveries(dedupe_key__startswith=f"outage:{outage.pk}:resolved:").count() == 1


def test_the_change_changelist_costs_no_query_per_row(
    client_for, staff, partner_a, django_assert_max_num_queries
):
    from tests.factories import CustomerFactory

    from .factories import ChangeFactory

    client = client_for(staff)
    ChangeFactory(partner=partner_a, customers=[CustomerFactory(partner=partner_a)])
    client.get("/admin/maintenance/change/")  # warm caches (content types, sessions)
    with django_assert_max_num_queries(20) as few:
        client.get("/admin/maintenance/change/")
    for _ in range(15):
        ChangeFactory(partner=partner_a, customers=[CustomerFactory(partner=partner_a)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/admin/maintenance/change/").status_code == 200
