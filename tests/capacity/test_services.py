"""Capacity services: baselines, the gate, thresholds, the request workflow (R-CAP-1 … R-CAP-4)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from capacity import selectors, services
from capacity.choices import RequestStatus
from capacity.models import CapacityBaseline, CapacityRequest, CustomerCapacity
from portal.errors import DomainError
from portal.models import Notification
from tests.factories import CustomerFactory
from tests.outbox import deliveries, statements

from .factories import open_case, report, set_baseline

pytestmark = pytest.mark.django_db


def capacity_notifications(customer=None):
    qs = deliveries(category="capacity")
    return qs


# --- R-CAP-1: baselines with history ---


def test_r_cap_1_baseline_sets_approved_capacity_and_keeps_history(customer_a, staff):
    set_baseline(customer_a, staff, 1000, 1500, reason="Activation")
    set_baseline(customer_a, staff, 1200, 1500, reason="Correction")
    capacity = CustomerCapacity.objects.get(customer=customer_a)
    assert (capacity.approved_knowledge_workers, capacity.approved_workspace_devices) == (
        1200,
        1500,
    )
    assert CapacityBaseline.objects.filter(customer=customer_a).count() == 2


def test_r_cap_1_only_staff_set_baselines(customer_a, alice):
    with pytest.raises(DomainError):
        set_baseline(customer_a, alice)


# --- R-CAP-2: the gate ---


def test_r_cap_2_report_within_capacity_is_recorded(customer_a, staff, alice):
    set_baseline(customer_a, staff)
    report(customer_a, alice, 1000, 10)
    capacity = CustomerCapacity.objects.get(customer=customer_a)
    assert capacity.provisioned_knowledge_workers == 1000
    assert capacity.current_level == 100


def test_r_cap_2_report_above_approved_is_refused_naming_the_limit(customer_a, staff, alice):
    set_baseline(customer_a, staff)
    with pytest.raises(DomainError) as exc:
        report(customer_a, alice, 1001, 10)
    assert exc.value.field == "knowledge_workers"
    assert exc.value.rule == "R-CAP-2"
    assert "1000" in exc.value.message
    assert not customer_a.provisioned_reports.exists()


def test_r_cap_2_without_a_baseline_nothing_may_be_provisioned(customer_a, alice):
    with pytest.raises(DomainError):
        report(customer_a, alice, 1, 0)


def test_r_cap_2_outsider_cannot_report_for_another_partners_customer(customer_a, staff, charlie):
    set_baseline(customer_a, staff)
    with pytest.raises(DomainError):
        report(customer_a, charlie, 10, 10)


# --- R-CAP-4: thresholds ---


def test_r_cap_4_crossing_80_notifies_once(customer_a, staff, alice, contact_a):
    set_baseline(customer_a, staff)
    report(customer_a, alice, 810, 10)
    assert deliveries(dedupe_key__contains=":threshold:80:").count() == 1
    report(customer_a, alice, 850, 10)
    assert services.capacity_notify_thresholds() == 0
    assert deliveries(category="capacity").count() == 1


def test_r_cap_4_jump_notifies_each_threshold_crossed(customer_a, staff, alice, contact_a):
    set_baseline(customer_a, staff)
    report(customer_a, alice, 950, 10)
    subjects = sorted(d.subject for d in deliveries())
    assert len(subjects) == 2
    assert any("80 %" in s for s in subjects) and any("90 %" in s for s in subjects)


def test_r_cap_4_threshold_rearms_after_dropping_below(customer_a, staff, alice, contact_a):
    set_baseline(customer_a, staff)
    report(customer_a, alice, 820, 10)
    report(customer_a, alice, 700, 10)  # drops below 80: re-armed, nothing sent
    assert deliveries().count() == 1
    report(customer_a, alice, 805, 10)
    assert deliveries(dedupe_key__contains=":threshold:80:").count() == 2


def test_r_cap_4_daily_task_notifies_when_approved_capacity_is_lowered(
    customer_a, staff, alice, contact_a
):
    set_baseline(customer_a, staff)
    report(customer_a, alice, 700, 10)
    set_baseline(customer_a, staff, 750, 1500, reason="Correction")  # 93 %
    assert services.capacity_notify_thresholds() == 2
    assert services.capacity_notify_thresholds() == 0


def test_r_cap_4_daily_task_claims_each_change_once(customer_a, staff, alice, contact_a):
    """A stale second run (read before the first claimed) writes nothing."""
    set_baseline(customer_a, staff)
    report(customer_a, alice, 700, 10)
    set_baseline(customer_a, staff, 750, 1500)
    stale = CustomerCapacity.objects.get(customer=customer_a)
    services.capacity_notify_thresholds()
    from capacity.services import _level_change_events
    from portal.notifications import notify_many

    assert notify_many(_level_change_events(stale)) == 0
    assert deliveries().count() == 2


def _customers_over_90_percent(count: int, partner, staff, alice) -> list:
    """Customers whose approved capacity was lowered to 93 % use: 80 and 90 % are due."""
    customers = [CustomerFactory(partner=partner) for _ in range(count)]
    for customer in customers:
        set_baseline(customer, staff)
        report(customer, alice, 700, 10)
        set_baseline(customer, staff, 750, 1500, reason="Correction")
    return customers


def test_r_cap_4_thresholds_constantstatements(partner_a, staff, alice, contact_a):
    """A run notifies a batch of level changes in the same number of statements whether the
    batch holds 3 customers or 30."""
    _customers_over_90_percent(3, partner_a, staff, alice)
    with_few = statements(services.capacity_notify_thresholds)
    many = _customers_over_90_percent(30, partner_a, staff, alice)
    with_many = statements(services.capacity_notify_thresholds)

    assert with_many == with_few
    assert services.capacity_notify_thresholds() == 0
    last = CustomerCapacity.objects.get(customer=many[-1])
    assert (last.notified_level, last.level_epoch) == (90, 1)
    keys = set(Notification.objects.filter(customer=many[-1]).values_list("dedupe_key", flat=True))
    assert keys == {f"capacity:{many[-1].pk}:threshold:{t}:1" for t in (80, 90)}
    assert Notification.objects.get(
        dedupe_key=f"capacity:{many[-1].pk}:threshold:90:1"
    ).context == {
        "threshold": 90,
        "kw": 700,
        "kw_max": 750,
        "wd": 10,
        "wd_max": 1500,
    }


# --- R-CAP-4: forecast ---


def test_r_cap_4_summary_forecasts_from_recent_reports(customer_a, staff, alice):
    set_baseline(customer_a, staff, 1000, 5000)
    now = timezone.now()
    for days_ago, kw in ((30, 400), (20, 500), (10, 600), (0, 700)):
        report(customer_a, alice, kw, 100, at=now - timedelta(days=days_ago))
    summary = selectors.summary_for_customer(customer_a, now=now)
    assert summary.percent == 70.0
    # 10 per day, 300 to go: 30 days after today
    assert summary.forecast == timezone.localdate(now) + timedelta(days=30)


# --- R-CAP-3: requests ---


def test_r_cap_3_full_workflow_changes_capacity_only_at_capacity_added(
    customer_a, staff, alice, contact_a
):
    set_baseline(customer_a, staff)
    case = open_case(customer_a, alice)
    request = services.capacity_request_submit(
        customer=customer_a,
        knowledge_workers=1200,
        workspace_devices=1600,
        reason="New office",
        case=case,
        actor=alice,
    )
    assert request.previous_knowledge_workers == 1000
    for status in (RequestStatus.UNDER_ANALYSIS, RequestStatus.PLAN_AGREED):
        services.capacity_request_transition(request=request, status=status, actor=staff)
        capacity = CustomerCapacity.objects.get(customer=customer_a)
        assert capacity.approved_knowledge_workers == 1000
    with pytest.raises(DomainError):
        report(customer_a, alice, 1100, 10)  # R-CAP-3: only after capacity is added
    services.capacity_request_transition(
        request=request, status=RequestStatus.CAPACITY_ADDED, actor=staff, note="Done"
    )
    capacity = CustomerCapacity.objects.get(customer=customer_a)
    assert capacity.approved == capacity.approved.__class__(1200, 1600)
    assert CapacityBaseline.objects.filter(request=request).count() == 1
    report(customer_a, alice, 1100, 10)
    # The partner heard of every step.
    keys = set(
        deliveries(dedupe_key__startswith="capacity-request:").values_list(
            "notification__dedupe_key", flat=True
        )
    )
    assert keys == {
        f"capacity-request:{request.pk}:{s}"
        for s in ("submitted", "under_analysis", "plan_agreed", "capacity_added")
    }
    assert [e.to_status for e in request.events.all()] == [
        "submitted",
        "under_analysis",
        "plan_agreed",
        "capacity_added",
    ]


def test_r_cap_3_skipping_a_step_is_refused(customer_a, staff, alice):
    set_baseline(customer_a, staff)
    request = services.capacity_request_submit(
        customer=customer_a,
        knowledge_workers=1200,
        workspace_devices=1500,
        reason="Growth",
        case=open_case(customer_a, alice),
        actor=alice,
    )
    with pytest.raises(DomainError) as exc:
        services.capacity_request_transition(
            request=request, status=RequestStatus.CAPACITY_ADDED, actor=staff
        )
    assert exc.value.rule == "R-CAP-3"


def test_r_cap_3_rejection_needs_a_reason_and_leaves_capacity(customer_a, staff, alice):
    set_baseline(customer_a, staff)
    request = services.capacity_request_submit(
        customer=customer_a,
        knowledge_workers=1200,
        workspace_devices=1500,
        reason="Growth",
        case=open_case(customer_a, alice),
        actor=alice,
    )
    with pytest.raises(DomainError):
        services.capacity_request_transition(
            request=request, status=RequestStatus.REJECTED, actor=staff
        )
    services.capacity_request_transition(
        request=request, status=RequestStatus.REJECTED, actor=staff, note="Not sized"
    )
    assert CustomerCapacity.objects.get(customer=customer_a).approved_knowledge_workers == 1000


def test_r_cap_3_partner_cannot_move_a_request(customer_a, staff, alice):
    set_baseline(customer_a, staff)
    request = services.capacity_request_submit(
        customer=customer_a,
        knowledge_workers=1200,
        workspace_devices=1500,
        reason="Growth",
        case=open_case(customer_a, alice),
        actor=alice,
    )
    with pytest.raises(DomainError):
        services.capacity_request_transition(
            request=request, status=RequestStatus.UNDER_ANALYSIS, actor=alice
        )


def test_r_cap_3_case_must_be_of_the_same_customer(customer_a, partner_a, staff, alice):
    from tests.factories import CustomerFactory

    other = CustomerFactory(partner=partner_a, name="Other")
    set_baseline(customer_a, staff)
    with pytest.raises(DomainError) as exc:
        services.capacity_request_submit(
            customer=customer_a,
            knowledge_workers=1200,
            workspace_devices=1500,
            reason="Growth",
            case=open_case(other, alice),
            actor=alice,
        )
    assert exc.value.field == "case"


def test_r_cap_3_one_open_request_per_customer(customer_a, staff, alice):
    set_baseline(customer_a, staff)
    case = open_case(customer_a, alice)
    kwargs = dict(
        customer=customer_a, workspace_devices=1500, reason="Growth", case=case, actor=alice
    )
    services.capacity_request_submit(knowledge_workers=1200, **kwargs)
    with pytest.raises(DomainError):
        services.capacity_request_submit(knowledge_workers=1300, **kwargs)
    assert CapacityRequest.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r_cap_4_two_concurrent_daily_runs_notify_exactly_once(customer_a, staff, alice, contact_a):
    """Two beat runs at the same moment: each crossing is claimed and notified once."""
    import threading

    from tests.factories import ContactFactory, CustomerFactory

    customers = [customer_a] + [
        CustomerFactory(partner=customer_a.partner, name=f"Load {i}") for i in range(20)
    ]
    for customer in customers:
        set_baseline(customer, staff, 1000, 1000)
        report(customer, alice, 700, 10)
        ContactFactory(partner=customer.partner, customer=customer, categories=["capacity"])
    # Lower approved capacity without notifying, so the daily run has 21 crossings to send.
    CustomerCapacity.objects.update(approved_knowledge_workers=750, current_level=90)
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(services.capacity_notify_thresholds())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 80 and 90 per customer; delivered to the partner-wide contact and the customer's own.
    assert sum(results) == len(customers) * 2  # one event per threshold and customer
    assert deliveries(category="capacity").count() == len(customers) * 4
    assert set(CustomerCapacity.objects.values_list("notified_level", flat=True)) == {90}
