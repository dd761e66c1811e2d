"""The escalation levels after a breach (R-CASE-10 Decision): the duty manager one more
objective interval after the breach, then the head of support, each once, on the timeline."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connections

from cases import rules, services, sweep
from cases.choices import EventKind, Severity
from cases.models import Case, CaseEvent
from portal.business_time import default_spec_for_region
from tests.factories import CustomerFactory
from tests.outbox import deliveries, rendered_messages

from .factories import CaseFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
OPENED = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a Wednesday
SECOND = timedelta(seconds=1)


@pytest.fixture
def managers(settings, oncall):
    settings.DUTY_MANAGER_EMAIL = "duty@operator.example"
    settings.HEAD_OF_SUPPORT_EMAIL = "head@operator.example"
    return settings


def s1(customer, opened=OPENED):
    return CaseFactory(customer=customer, urgency="critical", impact="widespread", opened_at=opened)


def sweep_at(moment: datetime) -> sweep.SweepResult:
    with time_machine.travel(moment, tick=False):
        return sweep.escalation_sweep()


def recipients(case) -> list[str]:
    return sorted(
        deliveries(dedupe_key__startswith=f"case:{case.pk}:escalation").values_list(
            "recipient", flat=True
        )
    )


# --- the rule


def test_s1_levels_are_one_and_two_objective_intervals_after_the_due_time():
    spec = default_spec_for_region("EMEA")
    due = rules.response_due_at(Severity.S1, OPENED, spec)
    assert due == OPENED + timedelta(minutes=15)
    assert rules.escalation_due_at(Severity.S1, due, spec, 2) == OPENED + timedelta(minutes=30)
    assert rules.escalation_due_at(Severity.S1, due, spec, 3) == OPENED + timedelta(minutes=45)


def test_s3_levels_run_on_business_time():
    """Opened Friday 16:00 Paris: due Monday 16:00, the duty manager Tuesday 16:00, the head
    of support Wednesday 16:00 (R-CASE-8)."""
    spec = default_spec_for_region("EMEA")
    opened = datetime(2026, 12, 4, 16, 0, tzinfo=PARIS)
    due = rules.response_due_at(Severity.S3, opened, spec)
    assert due == datetime(2026, 12, 7, 16, 0, tzinfo=PARIS)
    assert rules.escalation_due_at(Severity.S3, due, spec, 2) == datetime(
        2026, 12, 8, 16, 0, tzinfo=PARIS
    )
    assert rules.escalation_due_at(Severity.S3, due, spec, 3) == datetime(
        2026, 12, 9, 16, 0, tzinfo=PARIS
    )


def test_only_levels_two_and_three_follow_the_breach():
    with pytest.raises(ValueError):
        rules.escalation_due_at(Severity.S1, OPENED, default_spec_for_region("EMEA"), 1)


def test_case_open_stores_the_level_due_times(alice, open_payload, customer_a):
    with time_machine.travel(OPENED, tick=False):
        case = services.case_open(user=alice, **_opening(open_payload, customer_a))
    assert case.duty_manager_due_at == OPENED + timedelta(minutes=30)
    assert case.head_of_support_due_at == OPENED + timedelta(minutes=45)


def _opening(open_payload, customer_a) -> dict:
    data = open_payload(urgency="critical", impact="widespread")
    data["customer"] = customer_a
    return data


def test_a_severity_change_before_acknowledgement_moves_the_levels(staff, customer_a):
    case = s1(customer_a)
    with time_machine.travel(OPENED + timedelta(minutes=5), tick=False):
        services.case_change_severity(user=staff, case=case, severity="S2", reason="Less hit")
    case.refresh_from_db()
    assert case.duty_manager_due_at == OPENED + timedelta(minutes=60)
    assert case.head_of_support_due_at == OPENED + timedelta(minutes=90)


# --- the sweep, at the exact edges


def test_level_two_is_due_exactly_one_interval_after_the_breach(customer_a, managers):
    case = s1(customer_a)
    assert sweep_at(OPENED + timedelta(minutes=15)).breached == [case.pk]
    assert sweep_at(OPENED + timedelta(minutes=30) - SECOND).duty_manager == []
    result = sweep_at(OPENED + timedelta(minutes=30))
    assert result.duty_manager == [case.pk] and result.head_of_support == []
    case.refresh_from_db()
    assert case.duty_manager_notified_at == OPENED + timedelta(minutes=30)
    assert case.escalation_level == 2
    assert case.severity == "S1"  # severity does not change by itself
    assert recipients(case) == ["duty@operator.example"]
    event = case.events.get(kind=EventKind.ESCALATION)
    assert (event.to_value, event.data["level"], event.at) == ("2", 2, case.duty_manager_notified_at)
    assert event.text == "" and "duty manager" in event.display_text


def test_the_duty_managers_message_tells_the_case_with_local_times(customer_a, managers):
    case = s1(customer_a)
    case.title = "No calls in or out"
    case.save()
    sweep_at(OPENED + timedelta(minutes=30))
    [message] = rendered_messages(dedupe_key=f"case:{case.pk}:escalation:2")
    assert message.subject == (
        f"[S1] Escalated to the duty manager (level 2): case #{case.pk} is still not acknowledged"
    )
    assert "No calls in or out" in message.body and "Alpha Bank" in message.body
    assert "10:15 CET" in message.body  # the response due time in the customer's zone
    assert "T09:15" not in message.body and "R-CASE" not in message.body
    assert f"/admin/cases/case/{case.pk}/change/" in message.body
    assert "Escalated to the duty manager" in message.html


def test_the_message_speaks_the_operators_language(customer_a, managers):
    managers.OPERATOR_LANGUAGE = "pt-br"
    case = s1(customer_a)
    sweep_at(OPENED + timedelta(minutes=45))
    subjects = sorted(m.subject for m in rendered_messages(dedupe_key__startswith=f"case:{case.pk}:escalation"))
    assert subjects[0].startswith("[S1] Escalonado ao chefe de suporte (nível 3)")
    assert subjects[1].startswith("[S1] Escalonado ao gerente de plantão (nível 2)")


def test_level_three_is_due_another_interval_later(customer_a, managers):
    case = s1(customer_a)
    sweep_at(OPENED + timedelta(minutes=30))
    assert sweep_at(OPENED + timedelta(minutes=45) - SECOND).head_of_support == []
    assert sweep_at(OPENED + timedelta(minutes=45)).head_of_support == [case.pk]
    case.refresh_from_db()
    assert case.escalation_level == 3
    assert recipients(case) == ["duty@operator.example", "head@operator.example"]
    assert case.events.filter(kind=EventKind.ESCALATION).count() == 2


def test_each_level_happens_once(customer_a, managers):
    case = s1(customer_a)
    for minutes in (45, 46, 90, 600):
        sweep_at(OPENED + timedelta(minutes=minutes))
    assert case.events.filter(kind=EventKind.ESCALATION).count() == 2
    assert case.events.filter(kind=EventKind.BREACH).count() == 1
    assert len(recipients(case)) == 2


def test_a_late_sweep_climbs_every_level_in_one_run_in_order(customer_a, managers):
    case = s1(customer_a)
    result = sweep_at(OPENED + timedelta(hours=3))
    assert (result.breached, result.duty_manager, result.head_of_support) == (
        [case.pk],
        [case.pk],
        [case.pk],
    )
    levels = list(
        case.events.filter(kind=EventKind.ESCALATION).order_by("id").values_list("to_value", flat=True)
    )
    assert levels == ["2", "3"]
    assert "1 case(s) to the duty manager" in result.summary()


def test_an_acknowledged_case_climbs_no_further(staff, customer_a, managers):
    case = s1(customer_a)
    sweep_at(OPENED + timedelta(minutes=30))
    with time_machine.travel(OPENED + timedelta(minutes=40), tick=False):
        services.case_acknowledge(user=staff, case=case)
    sweep_at(OPENED + timedelta(hours=2))
    case.refresh_from_db()
    assert case.escalation_level == 2 and case.head_of_support_notified_at is None


def test_a_case_acknowledged_in_time_never_escalates(staff, customer_a, managers):
    case = s1(customer_a)
    with time_machine.travel(OPENED + timedelta(minutes=10), tick=False):
        services.case_acknowledge(user=staff, case=case)
    assert sweep_at(OPENED + timedelta(hours=2)).duty_manager == []
    assert case.events.filter(kind=EventKind.ESCALATION).count() == 0


def test_without_an_address_the_level_is_still_on_the_timeline(customer_a, managers):
    managers.DUTY_MANAGER_EMAIL = ""
    case = s1(customer_a)
    sweep_at(OPENED + timedelta(minutes=30))
    assert case.events.filter(kind=EventKind.ESCALATION).count() == 1
    assert recipients(case) == []


def test_s3_escalates_on_business_time(customer_a, managers):
    """EMEA, opened Friday 16:00 Paris: the duty manager at Tuesday 16:00, not before."""
    case = CaseFactory(
        customer=customer_a, opened_at=datetime(2026, 12, 4, 16, 0, tzinfo=PARIS)
    )
    assert case.severity == "S3"
    level_two = datetime(2026, 12, 8, 16, 0, tzinfo=PARIS)
    sweep_at(level_two - SECOND)
    case.refresh_from_db()
    assert case.breached and case.escalation_level == 1
    assert sweep_at(level_two).duty_manager == [case.pk]


def test_the_levels_query_count_does_not_grow_with_the_cases(customer_a, managers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    s1(customer_a)
    sweep_at(OPENED + timedelta(minutes=15))
    with CaptureQueriesContext(connection) as one:
        sweep_at(OPENED + timedelta(minutes=30))
    for _ in range(10):
        s1(customer_a, opened=OPENED + timedelta(minutes=1))
    sweep_at(OPENED + timedelta(minutes=16))
    with CaptureQueriesContext(connection) as many:
        assert len(sweep_at(OPENED + timedelta(minutes=31)).duty_manager) == 10
    assert len(many) == len(one)


# --- concurrent sweeps on PostgreSQL


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_escalate_each_case_exactly_once_per_level(partner_a, managers):
    customer = CustomerFactory(partner=partner_a, region="APJC")
    opened = OPENED
    rows = []
    for _ in range(1500):
        row = CaseFactory.build(customer=customer, urgency="critical", impact="widespread")
        row.opened_at = opened
        row.response_due_at = opened + timedelta(minutes=15)
        row.warning_due_at = opened + timedelta(minutes=12)
        row.duty_manager_due_at = opened + timedelta(minutes=30)
        row.head_of_support_due_at = opened + timedelta(minutes=45)
        rows.append(row)
    Case.objects.bulk_create(rows, batch_size=500)

    results: list = []
    errors: list = []
    barrier = threading.Barrier(6)

    def run_sweep() -> None:
        try:
            barrier.wait()
            results.append(sweep.escalation_sweep(now=opened + timedelta(hours=1), batch_size=100))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_sweep, name=f"sweep-{n}") for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for level in ("duty_manager", "head_of_support"):
        handled = [pk for r in results for pk in getattr(r, level)]
        assert len(handled) == 1500 and len(set(handled)) == 1500, level
    assert Case.objects.filter(head_of_support_notified_at__isnull=True).count() == 0
    assert CaseEvent.objects.filter(kind=EventKind.ESCALATION, to_value="2").count() == 1500
    assert CaseEvent.objects.filter(kind=EventKind.ESCALATION, to_value="3").count() == 1500
    assert deliveries(recipient="duty@operator.example").count() == 1500
    assert deliveries(recipient="head@operator.example").count() == 1500


def test_the_escalate_command_and_the_task_report_the_levels(customer_a, managers):
    from io import StringIO

    from django.core.management import call_command

    from cases import tasks

    case = s1(customer_a)
    out = StringIO()
    with time_machine.travel(OPENED + timedelta(minutes=31), tick=False):
        call_command("escalate", stdout=out)
    assert f"level 2  #{case.pk}" in out.getvalue()
    s1(customer_a)  # a second case, due at the same time
    with time_machine.travel(OPENED + timedelta(minutes=50), tick=False):
        counts = tasks.escalation_sweep.apply().get()
    # The second case climbs both levels, the first only the third.
    assert (counts["duty_manager"], counts["head_of_support"]) == (1, 2)
