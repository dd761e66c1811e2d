"""Every webhook event type is published by its service with the documented shape (R-NOT-4):
``{"type", "timestamp", "data"}`` where ``data`` has exactly the fields of its schema in
``portal.api.webhook_schemas`` and validates against it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from portal import webhooks
from portal.api.webhook_schemas import DATA_SCHEMAS
from portal.automation_models import WebhookMessage
from tests.cases.factories import CaseFactory
from tests.cases.test_services import open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed(alice, partner_a):
    """Partner A's endpoint subscribed to every event type."""
    return webhooks.webhook_create(
        actor=alice, partner=partner_a, url="http://127.0.0.1:9/hooks", events=list(DATA_SCHEMAS)
    )


def published(event_type: str, partner) -> dict:
    (message,) = WebhookMessage.objects.filter(type=event_type, partner=partner)
    payload = message.payload
    assert set(payload) == {"type", "timestamp", "data"}
    assert payload["type"] == event_type
    assert datetime.fromisoformat(payload["timestamp"]).utcoffset() == timedelta(0)
    schema = DATA_SCHEMAS[event_type]
    assert set(payload["data"]) == set(schema().fields), event_type
    checked = schema(data=payload["data"])
    assert checked.is_valid(), checked.errors
    for name, field in schema().fields.items():
        value = payload["data"][name]
        if value is not None and field.__class__.__name__ == "DateTimeField":
            assert value.endswith("Z"), (name, value)  # UTC, ISO 8601
    return payload["data"]


# --- cases ----------------------------------------------------------------------------------


def test_case_opened_r_not_4(subscribed, alice, partner_a, customer_a):
    case = open_case(alice, customer_a)
    data = published("case.opened", partner_a)
    assert (data["case_id"], data["customer_id"], data["channel"]) == (
        case.pk,
        customer_a.pk,
        "web",
    )
    open_case(alice, customer_a, title="Another")
    assert WebhookMessage.objects.filter(type="case.opened").count() == 2


def test_case_severity_changed_r_not_4(subscribed, staff, alice, partner_a, customer_a):
    case = open_case(alice, customer_a)
    from cases import services

    services.case_change_severity(user=staff, case=case, severity="S2", reason="Spreading")
    data = published("case.severity_changed", partner_a)
    assert (data["from_severity"], data["to_severity"]) == (case.severity, "S2")


def test_case_acknowledged_and_its_status_change_r_not_4(
    subscribed, staff, alice, partner_a, customer_a
):
    from cases import services

    case = open_case(alice, customer_a)
    services.case_acknowledge(user=staff, case=case)
    data = published("case.acknowledged", partner_a)
    assert data["objective_met"] is True and data["status"] == "acknowledged"
    change = published("case.status_changed", partner_a)
    assert (change["from_status"], change["to_status"]) == ("new", "acknowledged")


def test_case_status_changed_r_not_4(subscribed, staff, alice, partner_a, customer_a):
    from cases import services

    case = open_case(alice, customer_a)
    services.case_acknowledge(user=staff, case=case)
    services.case_transition(user=staff, case=case, status="in_progress")
    rows = WebhookMessage.objects.filter(type="case.status_changed").order_by("pk")
    assert [r.payload["data"]["to_status"] for r in rows] == ["acknowledged", "in_progress"]


def test_case_commented_r_not_4(subscribed, alice, partner_a, customer_a):
    from cases import services

    case = open_case(alice, customer_a)
    comment = services.case_comment(user=alice, case=case, text="Logs attached.")
    data = published("case.commented", partner_a)
    assert (data["comment_id"], data["author"], data["text"]) == (
        comment.pk,
        "alice",
        "Logs attached.",
    )


def test_case_breached_by_the_sweep_in_one_batch_r_not_4(subscribed, partner_a, customer_a):
    from cases import sweep

    cases = [
        CaseFactory(
            customer=customer_a,
            urgency="critical",
            impact="widespread",
            opened_at=timezone.now() - timedelta(minutes=30),
        )
        for _ in range(3)
    ]
    sweep.escalation_sweep()
    sweep.escalation_sweep()  # idempotent
    rows = WebhookMessage.objects.filter(type="case.breached")
    assert sorted(r.payload["data"]["case_id"] for r in rows) == sorted(c.pk for c in cases)
    data = rows[0].payload["data"]
    assert set(data) == set(DATA_SCHEMAS["case.breached"]().fields)
    assert DATA_SCHEMAS["case.breached"](data=data).is_valid()


def test_the_monitoring_sweep_publishes_the_resolution_once_r_not_4(
    subscribed, staff, partner_a, customer_a
):
    from cases import sweep
    from tests.cases.test_lifecycle import T0, monitoring

    case = monitoring(staff, customer_a, days=7)
    sweep.monitoring_sweep(now=T0 + timedelta(days=7))
    sweep.monitoring_sweep(now=T0 + timedelta(days=8))  # idempotent
    (last,) = WebhookMessage.objects.filter(
        type="case.status_changed", payload__data__to_status="resolved"
    )
    data = last.payload["data"]
    assert (data["case_id"], data["from_status"], data["status"]) == (
        case.pk,
        "monitoring",
        "resolved",
    )
    assert DATA_SCHEMAS["case.status_changed"](data=data).is_valid()


def test_a_case_event_is_not_published_to_another_partner(
    subscribed, charlie, partner_b, alice, customer_a
):
    webhooks.webhook_create(
        actor=charlie, partner=partner_b, url="http://127.0.0.1:9/b", events=["case.opened"]
    )
    open_case(alice, customer_a)
    assert not WebhookMessage.objects.filter(partner=partner_b).exists()


# --- maintenance ----------------------------------------------------------------------------


@pytest.fixture
def notified_change(subscribed, staff, partner_a, customer_a):
    from maintenance import services
    from maintenance.choices import ChangeKind
    from tests.maintenance.test_services import NOW, WED, schedule

    change = schedule(staff, partner_a, [customer_a], kind=ChangeKind.SERVICE_IMPACTING)
    return services.change_send_notice(actor=staff, change=change, now=NOW), NOW, WED


def test_change_notified_r_not_4(notified_change, partner_a, customer_a):
    change, now, _wed = notified_change
    data = published("change.notified", partner_a)
    assert (data["change_id"], data["customer_ids"], data["emergency"]) == (
        change.pk,
        [customer_a.pk],
        False,
    )
    assert data["notified_at"] == webhooks.iso(now)


def test_change_rescheduled_r_not_4(notified_change, staff, partner_a):
    from maintenance import services
    from maintenance.windows import window_for_night

    change, now, wed = notified_change
    later = window_for_night("EMEA", (wed.start + timedelta(days=7)).date())
    services.change_plan(
        actor=staff, change=change, start=later.start, end=later.start + timedelta(hours=2), now=now
    )
    data = published("change.rescheduled", partner_a)
    assert data["previous_start"] == webhooks.iso(wed.start)
    assert data["start"] == webhooks.iso(later.start)


def test_change_completed_r_not_4(notified_change, staff, partner_a):
    from maintenance import services

    change, _now, wed = notified_change
    services.change_complete(actor=staff, change=change, now=wed.start + timedelta(hours=2))
    data = published("change.completed", partner_a)
    assert data["status"] == "completed"
    assert data["completed_at"] == webhooks.iso(wed.start + timedelta(hours=2))


def test_outage_declared_and_resolved_per_partner_r_not_4(
    subscribed, staff, charlie, partner_a, partner_b, customer_a, customer_b
):
    from maintenance import services

    webhooks.webhook_create(
        actor=charlie,
        partner=partner_b,
        url="http://127.0.0.1:9/b",
        events=["outage.declared", "outage.resolved"],
    )
    outage = services.outage_declare(
        actor=staff, title="SIP trunk down", customers=[customer_a, customer_b]
    )
    data = published("outage.declared", partner_a)
    assert (data["outage_id"], data["customer_ids"]) == (outage.pk, [customer_a.pk])
    # each partner hears only of its own customers
    assert published("outage.declared", partner_b)["customer_ids"] == [customer_b.pk]
    services.outage_resolve(actor=staff, outage=outage, resolution="Carrier fixed it")
    data = published("outage.resolved", partner_a)
    assert (data["status"], data["resolution"]) == ("resolved", "Carrier fixed it")


# --- releases and capacity ------------------------------------------------------------------


def test_release_announced_to_every_subscribed_partner_r_not_4(
    subscribed, staff, charlie, partner_a, partner_b
):
    from releases import services
    from releases.models import Release
    from tests.releases.factories import load_table

    webhooks.webhook_create(
        actor=charlie, partner=partner_b, url="http://127.0.0.1:9/b", events=["release.announced"]
    )
    load_table(staff)
    new = Release.objects.create(version="16.0", service_update="SU1")
    services.release_announce(actor=staff, release=new)
    data = published("release.announced", partner_a)
    assert (data["release_id"], data["version"], data["service_update"]) == (new.pk, "16.0", "SU1")
    assert published("release.announced", partner_b)["release_id"] == new.pk


def test_capacity_request_changed_r_not_4(subscribed, staff, alice, partner_a, customer_a):
    from capacity import services
    from tests.capacity.factories import open_case as capacity_case
    from tests.capacity.factories import set_baseline

    set_baseline(customer_a, staff)
    request = services.capacity_request_submit(
        customer=customer_a,
        knowledge_workers=1200,
        workspace_devices=1500,
        reason="Growth",
        case=capacity_case(customer_a, alice),
        actor=alice,
    )
    data = published("capacity.request_changed", partner_a)
    assert (data["request_id"], data["from_status"], data["knowledge_workers"]) == (
        request.pk,
        None,
        1200,
    )
    services.capacity_request_transition(request=request, status="under_analysis", actor=staff)
    rows = WebhookMessage.objects.filter(type="capacity.request_changed").order_by("pk")
    assert [r.payload["data"]["to_status"] for r in rows] == [data["to_status"], "under_analysis"]


def test_every_event_type_has_a_test_here():
    import inspect
    import sys

    source = inspect.getsource(sys.modules[__name__])
    for event_type in DATA_SCHEMAS:
        assert f'"{event_type}"' in source, event_type
