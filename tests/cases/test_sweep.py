"""The escalation sweep (R-CASE-10): exactly-once breach and warning, set-based, self-healing."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services, sweep, tasks
from cases.choices import EventKind
from cases.models import Case, CaseEvent
from tests.factories import CustomerFactory
from tests.outbox import deliveries

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


def s1(customer, minutes_ago: float):
    return CaseFactory(
        customer=customer,
        urgency="critical",
        impact="widespread",
        opened_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_unacknowledged_case_past_due_is_breached_once(customer_a, case_contacts, oncall):
    case = s1(customer_a, minutes_ago=16)
    first = sweep.escalation_sweep()
    second = sweep.escalation_sweep()
    assert first.breached == [case.pk] and second.breached == []
    case.refresh_from_db()
    assert case.breached
    assert case.events.filter(kind=EventKind.BREACH).count() == 1
    assert set(deliveries().values_list("recipient", flat=True)) == {
        "noc@acme.example",
        "it@alpha.example",
        oncall,
    }
    assert deliveries(dedupe_key=f"case:{case.pk}:breach").count() == 3


def test_breach_notifies_only_the_cases_own_customer_contacts(
    partner_a, customer_a, case_contacts, oncall
):
    other_customer = CustomerFactory(partner=partner_a, name="Other", region="AMER")
    s1(other_customer, minutes_ago=20)
    sweep.escalation_sweep()
    assert set(deliveries().values_list("recipient", flat=True)) == {
        "noc@acme.example",
        oncall,
    }


def test_case_not_yet_due_is_left_alone(customer_a):
    s1(customer_a, minutes_ago=5)
    assert sweep.escalation_sweep().breached == []


def test_acknowledged_case_is_never_breached(staff, customer_a):
    case = s1(customer_a, minutes_ago=10)
    services.case_acknowledge(user=staff, case=case)
    assert sweep.escalation_sweep(now=timezone.now() + timedelta(hours=1)).breached == []


def test_warning_at_80_percent_is_sent_once_to_oncall(customer_a, case_contacts, oncall):
    case = s1(customer_a, minutes_ago=13)  # warning at 12 min, due at 15
    first = sweep.escalation_sweep()
    assert first.warned == [case.pk] and first.breached == []
    assert sweep.escalation_sweep().warned == []
    assert list(deliveries().values_list("recipient", flat=True)) == [oncall]
    # and the breach still comes, once
    later = sweep.escalation_sweep(now=timezone.now() + timedelta(minutes=3))
    assert later.breached == [case.pk]


def test_missed_ticks_heal_case_due_long_ago_is_breached_not_warned(customer_a):
    case = s1(customer_a, minutes_ago=600)  # the beat was down for hours
    result = sweep.escalation_sweep()
    assert result.breached == [case.pk] and result.warned == []


def test_severity_raise_before_acknowledgement_is_caught_by_the_next_sweep(alice, customer_a):
    case = CaseFactory(customer=customer_a, opened_at=timezone.now() - timedelta(hours=1))
    assert sweep.escalation_sweep().breached == []
    services.case_request_escalation(user=alice, case=case, severity="S2", reason="Worse")
    assert sweep.escalation_sweep().breached == [case.pk]


def test_sweep_works_in_batches(customer_a):
    ids = {s1(customer_a, minutes_ago=30).pk for _ in range(7)}
    result = sweep.escalation_sweep(batch_size=3)
    assert set(result.breached) == ids and len(result.breached) == 7


def test_sweep_query_count_does_not_grow_with_due_cases(customer_a, case_contacts):
    ContentType.objects.get_for_model(Case)  # warm the content-type cache
    s1(customer_a, minutes_ago=30)
    with CaptureQueriesContext(connection) as one:
        sweep.escalation_sweep()
    for _ in range(20):  # (SQLite splits bigger inserts by its parameter limit)
        s1(customer_a, minutes_ago=30)
    with CaptureQueriesContext(connection) as many:
        assert len(sweep.escalation_sweep().breached) == 20
    assert len(many) == len(one)


def test_empty_sweep_is_a_couple_of_queries(customer_a):
    CaseFactory(customer=customer_a)
    with CaptureQueriesContext(connection) as queries:
        sweep.escalation_sweep()
    claims = [q for q in queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
    # One indexed look-up each: breaches, warnings, level 2 and level 3 (R-CASE-10); on
    # PostgreSQL each is the claim itself (WITH … UPDATE … RETURNING), which stamps nothing here.
    assert len(claims) == 4
    assert all("cases_case" in q["sql"] for q in claims)


def test_escalate_command_prints_a_summary(customer_a):
    case = s1(customer_a, minutes_ago=30)
    out = StringIO()
    call_command("escalate", stdout=out)
    assert "1 case(s) breached" in out.getvalue() and f"#{case.pk}" in out.getvalue()


def test_celery_task_runs_the_same_sweep(customer_a):
    s1(customer_a, minutes_ago=30)
    assert tasks.escalation_sweep.apply().get()["breached"] == 1


def test_beat_runs_the_sweep_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["cases-escalation-sweep"]
    assert entry == {"task": "cases.tasks.escalation_sweep", "schedule": 60.0}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_breach_and_notify_each_case_exactly_once(partner_a, oncall):
    customer = CustomerFactory(partner=partner_a, region="APJC")
    from tests.factories import ContactFactory

    ContactFactory(partner=partner_a, email="noc@acme.example", categories=["cases"])
    opened = timezone.now() - timedelta(hours=2)
    rows = []
    for _ in range(3000):
        row = CaseFactory.build(customer=customer, urgency="critical", impact="widespread")
        row.opened_at = opened
        row.response_due_at = opened + timedelta(minutes=15)
        row.warning_due_at = opened + timedelta(minutes=12)
        rows.append(row)
    Case.objects.bulk_create(rows, batch_size=1000)

    results: list = []
    errors: list = []
    barrier = threading.Barrier(6)

    def run_sweep() -> None:
        try:
            barrier.wait()
            results.append(sweep.escalation_sweep(batch_size=200))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_sweep) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    breached = [pk for r in results for pk in r.breached]
    assert len(breached) == 3000 and len(set(breached)) == 3000
    assert sum(1 for r in results if r.breached) >= 2  # the work really was shared
    assert Case.objects.filter(breached_at__isnull=True).count() == 0
    assert CaseEvent.objects.filter(kind=EventKind.BREACH).count() == 3000
    assert deliveries(recipient="noc@acme.example").count() == 3000
    assert deliveries(recipient=oncall).count() == 3000


def test_a_case_that_makes_the_sweep_raise_is_skipped_and_retried(customer_a, monkeypatch):
    """One bad row must not stop the escalation of the others (R-CASE-10)."""
    poisoned = s1(customer_a, minutes_ago=40)  # the most overdue: first in every batch
    others = [s1(customer_a, minutes_ago=20) for _ in range(4)]
    real_publish = sweep._publish_breaches

    def publish(ids, **kwargs):  # a batch holding the bad case fails in its transaction
        if poisoned.pk in ids:
            raise ValueError("corrupt case data")
        return real_publish(ids, **kwargs)

    monkeypatch.setattr(sweep, "_publish_breaches", publish)
    result = sweep.escalation_sweep(batch_size=2)
    assert sorted(result.breached) == sorted(c.pk for c in others)
    assert result.failed == [poisoned.pk]
    assert "failed and will be retried" in result.summary()
    poisoned.refresh_from_db()
    assert not poisoned.breached and not poisoned.events.filter(kind=EventKind.BREACH).exists()

    monkeypatch.setattr(sweep, "_publish_breaches", real_publish)
    retry = sweep.escalation_sweep()
    assert retry.breached == [poisoned.pk] and retry.failed == []
    assert Case.objects.filter(breached_at__isnull=False).count() == 5
