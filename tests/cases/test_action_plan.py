"""The status and action plan (R-CASE-9): due one objective interval after acknowledgement, not
counting time waiting on the partner; flagged once when overdue; the partner told of a plan."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connections
from django.utils import timezone

from cases import rules, services, sweep, tasks
from cases.choices import EventKind, Status
from cases.models import Case, CaseEvent
from portal.business_time import default_spec_for_region
from portal.models import Notification
from tests.outbox import deliveries

from .factories import CaseFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/cases/"
ADMIN = "/admin/cases/case/"
MON = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 10:00 in Paris
EMEA = default_spec_for_region("EMEA")


def s1(customer, opened=MON):
    return CaseFactory(customer=customer, urgency="critical", impact="widespread", opened_at=opened)


# --- the pure rule ----------------------------------------------------------------------------


def test_s1_plan_is_due_15_minutes_after_acknowledgement_r_case_9():
    assert rules.action_plan_due_at("S1", MON, EMEA) == MON + timedelta(minutes=15)


def test_time_waiting_on_the_partner_is_not_counted_r_case_9():
    pause = (MON + timedelta(minutes=5), MON + timedelta(minutes=45))
    assert rules.action_plan_due_at("S1", MON, EMEA, [pause]) == MON + timedelta(minutes=55)


def test_a_pause_after_the_due_time_changes_nothing_r_case_9():
    late = (MON + timedelta(minutes=40), MON + timedelta(hours=2))
    assert rules.action_plan_due_at("S2", MON, EMEA, [late]) == MON + timedelta(minutes=30)


def test_s3_plan_runs_on_business_time_r_case_9():
    friday_4pm_paris = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
    monday_4pm_paris = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
    assert rules.action_plan_due_at("S3", friday_4pm_paris, EMEA) == monday_4pm_paris


def test_s3_pause_counts_only_its_business_hours_r_case_9():
    # acknowledged Monday 10:00 Paris; waiting on the partner Monday 12:00 → Tuesday 12:00
    # (one business day): the plan is due Wednesday 10:00 instead of Tuesday 10:00.
    pause = (MON + timedelta(hours=2), MON + timedelta(days=1, hours=2))
    due = rules.action_plan_due_at("S3", MON, EMEA, [pause])
    assert due == MON + timedelta(days=2)


@pytest.mark.parametrize(
    ("status", "overdue"),
    [
        ("acknowledged", True),
        ("in_progress", True),
        ("monitoring", True),
        ("awaiting_partner", False),
        ("resolved", False),
        ("closed", False),
    ],
)
def test_overdue_only_while_the_clock_runs_r_case_9(status, overdue):
    assert (
        rules.action_plan_overdue(
            status=status, due_at=MON, plan_given_at=None, now=MON + timedelta(seconds=1)
        )
        is overdue
    )


def test_a_given_plan_is_never_overdue_r_case_9():
    assert not rules.action_plan_overdue(
        status="in_progress", due_at=MON, plan_given_at=MON, now=MON + timedelta(days=1)
    )


# --- the service ------------------------------------------------------------------------------


def test_acknowledgement_stores_the_due_time_r_case_9(staff, customer_a):
    case = services.case_acknowledge(user=staff, case=s1(customer_a), now=MON)
    assert case.action_plan_due_at == MON + timedelta(minutes=15)


def test_leaving_awaiting_partner_recomputes_the_due_time_r_case_9(staff, alice, customer_a):
    case = services.case_acknowledge(user=staff, case=s1(customer_a), now=MON)
    at = MON + timedelta(minutes=5)
    services.case_transition(user=staff, case=case, status=Status.IN_PROGRESS, now=at)
    services.case_transition(user=staff, case=case, status=Status.AWAITING_PARTNER, now=at)
    case = services.case_transition(
        user=alice, case=case, status=Status.IN_PROGRESS, now=at + timedelta(hours=1)
    )
    assert case.action_plan_due_at == MON + timedelta(hours=1, minutes=15)


def test_a_severity_change_recomputes_the_due_time_r_case_9(staff, customer_a):
    case = CaseFactory(customer=customer_a, urgency="low", opened_at=MON)  # S4: 3 business days
    case = services.case_acknowledge(user=staff, case=case, now=MON)
    assert case.action_plan_due_at == MON + timedelta(days=3)
    case = services.case_change_severity(user=staff, case=case, severity="S2", reason="Worse")
    assert case.action_plan_due_at == MON + timedelta(minutes=30)


def test_an_escalation_keeps_the_plan_s_pauses_and_counts_its_number_r_case_9_r_case_6(
    staff, alice, customer_a
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = CaseFactory(customer=customer_a, urgency="low", opened_at=MON)  # S4
    case = services.case_acknowledge(user=staff, case=case, now=MON)
    at = MON + timedelta(minutes=5)
    services.case_transition(user=staff, case=case, status=Status.IN_PROGRESS, now=at)
    services.case_transition(user=staff, case=case, status=Status.AWAITING_PARTNER, now=at)
    services.case_transition(  # the plan's clock stood still for an hour
        user=alice, case=case, status=Status.IN_PROGRESS, now=at + timedelta(hours=1)
    )
    with CaptureQueriesContext(connection) as queries:
        case = services.case_request_escalation(
            user=alice, case=case, severity="S2", reason="More sites", now=at + timedelta(hours=1)
        )
    assert case.action_plan_due_at == MON + timedelta(hours=1, minutes=30)
    # The timeline is read once, for the pauses and the escalation's number together.
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert sum('FROM "cases_caseevent"' in sql for sql in reads) == 1, reads
    case = services.case_request_escalation(
        user=alice, case=case, severity="S1", reason="All sites", now=at + timedelta(hours=2)
    )
    assert case.action_plan_due_at == MON + timedelta(hours=1, minutes=15)
    keys = set(Notification.objects.values_list("dedupe_key", flat=True))
    assert {f"case:{case.pk}:escalation:1", f"case:{case.pk}:escalation:2"} <= keys


def test_sweep_flags_an_overdue_plan_once_r_case_9(staff, customer_a, case_contacts, oncall):
    case = services.case_acknowledge(user=staff, case=s1(customer_a), now=MON)
    assert sweep.action_plan_sweep(now=MON + timedelta(minutes=14)) == []
    assert sweep.action_plan_sweep(now=MON + timedelta(minutes=15)) == [case.pk]
    assert sweep.action_plan_sweep(now=MON + timedelta(hours=3)) == []
    assert case.events.filter(kind=EventKind.ACTION_PLAN_OVERDUE).count() == 1
    assert list(
        deliveries(dedupe_key=f"case:{case.pk}:action_plan_overdue").values_list(
            "recipient", flat=True
        )
    ) == [oncall]
    case.refresh_from_db()
    assert case.action_plan_overdue_at == MON + timedelta(minutes=15)


def test_sweep_skips_a_case_with_a_plan_waiting_or_resolved_r_case_9(staff, customer_a):
    with_plan = services.case_acknowledge(user=staff, case=s1(customer_a), now=MON)
    services.case_set_action_plan(user=staff, case=with_plan, plan="Traces", now=MON)
    waiting = services.case_acknowledge(user=staff, case=s1(customer_a), now=MON)
    services.case_transition(user=staff, case=waiting, status=Status.IN_PROGRESS, now=MON)
    services.case_transition(user=staff, case=waiting, status=Status.AWAITING_PARTNER, now=MON)
    resolved = services.case_acknowledge(user=staff, case=s1(customer_a), now=MON)
    services.case_transition(user=staff, case=resolved, status=Status.IN_PROGRESS, now=MON)
    services.case_transition(user=staff, case=resolved, status=Status.RESOLVED, now=MON)
    assert sweep.action_plan_sweep(now=MON + timedelta(days=1)) == []


def test_unacknowledged_cases_have_no_plan_due_r_case_9(customer_a):
    s1(customer_a)
    assert sweep.action_plan_sweep(now=MON + timedelta(days=10)) == []


def test_sweep_is_set_based_r_case_9(staff, customer_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        sweep.action_plan_sweep(now=MON)
    assert len(queries) <= 3


def test_posting_a_plan_tells_the_partner_r_case_9(staff, customer_a, case_contacts, oncall):
    case = services.case_acknowledge(user=staff, case=s1(customer_a), now=MON)
    Notification.objects.all().delete()
    services.case_set_action_plan(user=staff, case=case, plan="Collect SIP traces", now=MON)
    sent = deliveries(dedupe_key__startswith=f"case:{case.pk}:action_plan:")
    assert set(sent.values_list("recipient", flat=True)) == {"noc@acme.example", "it@alpha.example"}
    assert "Collect SIP traces" in sent.first().body
    services.case_set_action_plan(user=staff, case=case, plan="Fix deployed", now=MON)
    assert deliveries(recipient="noc@acme.example").count() == 2


def test_task_and_beat_r_case_9(staff, customer_a, settings):
    services.case_acknowledge(
        user=staff,
        case=s1(customer_a, opened=timezone.now()),
        now=timezone.now() - timedelta(hours=1),
    )
    assert tasks.action_plan_sweep.apply().get() == {"flagged": 1}
    assert settings.CELERY_BEAT_SCHEDULE["cases-action-plan-sweep"]["task"] == (
        "cases.tasks.action_plan_sweep"
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_flag_each_overdue_plan_exactly_once_r_case_9(partner_a, oncall):
    from tests.factories import CustomerFactory

    customer = CustomerFactory(partner=partner_a, region="APJC")
    rows = []
    for _ in range(1000):
        row = CaseFactory.build(customer=customer, status=Status.IN_PROGRESS)
        row.opened_at = row.acknowledged_at = MON
        row.action_plan_due_at = MON + timedelta(minutes=15)
        rows.append(row)
    Case.objects.bulk_create(rows, batch_size=500)
    results: list = []
    errors: list = []
    barrier = threading.Barrier(5)

    def run_sweep() -> None:
        try:
            barrier.wait()
            results.append(sweep.action_plan_sweep(now=MON + timedelta(hours=1), batch_size=100))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_sweep) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    flagged = [pk for r in results for pk in r]
    assert len(flagged) == 1000 and len(set(flagged)) == 1000
    assert sum(1 for r in results if r) >= 2  # the work really was shared
    assert CaseEvent.objects.filter(kind=EventKind.ACTION_PLAN_OVERDUE).count() == 1000
    assert deliveries(recipient=oncall).count() == 1000


# --- the faces --------------------------------------------------------------------------------


def test_api_exposes_the_due_time_and_the_overdue_flag_r_case_9(api, staff, alice, customer_a):
    case = s1(customer_a, opened=timezone.now() - timedelta(hours=1))
    services.case_acknowledge(user=staff, case=case, now=timezone.now() - timedelta(minutes=20))
    body = api(alice).get(f"{API}{case.pk}/").json()
    assert body["action_plan_due_at"] and body["action_plan_overdue"] is True
    api(staff).post(f"{API}{case.pk}/action-plan/", {"plan": "Rebooting the SBC"})
    body = api(alice).get(f"{API}{case.pk}/").json()
    assert body["action_plan_overdue"] is False and body["action_plan"] == "Rebooting the SBC"


def test_api_plan_posting_tells_the_partner_r_case_9(api, staff, customer_a, case_contacts):
    case = services.case_acknowledge(user=staff, case=s1(customer_a, opened=timezone.now()))
    assert api(staff).post(f"{API}{case.pk}/action-plan/", {"plan": "Traces"}).status_code == 200
    assert deliveries(
        recipient="noc@acme.example", dedupe_key__contains=":action_plan:"
    ).exists()


def test_admin_plan_page_tells_the_partner_r_case_9(client_for, staff, customer_a, case_contacts):
    case = services.case_acknowledge(user=staff, case=s1(customer_a, opened=timezone.now()))
    response = client_for(staff).post(f"{ADMIN}{case.pk}/do/action-plan/", {"plan": "Traces"})
    assert response.status_code == 302
    assert deliveries(
        recipient="it@alpha.example", dedupe_key__contains=":action_plan:"
    ).exists()


@time_machine.travel(MON + timedelta(hours=2), tick=False)
def test_case_page_shows_the_due_time_and_overdue_r_case_9(client_for, bob, staff, customer_a):
    case = services.case_acknowledge(user=staff, case=s1(customer_a), now=MON)
    html = client_for(bob).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="action-plan-due"' in html and "overdue" in html
    services.case_set_action_plan(user=staff, case=case, plan="Traces")
    html = client_for(bob).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="action-plan-due"' not in html
