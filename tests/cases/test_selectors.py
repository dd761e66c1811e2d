"""Reads other apps use: scoped look-ups and the SLO report."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cases import selectors, services, sweep

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_case_for_user_is_scoped(alice, charlie, staff, customer_a):
    case = CaseFactory(customer=customer_a)
    assert selectors.case_for_user(user=alice, case_id=case.pk) == case
    assert selectors.case_for_user(user=staff, case_id=str(case.pk)) == case
    assert selectors.case_for_user(user=charlie, case_id=case.pk) is None
    assert selectors.case_for_user(user=alice, case_id="nope") is None


def test_slo_report_groups_by_month_and_severity(staff, alice, customer_a):
    january = datetime(2026, 1, 15, 10, tzinfo=UTC)
    for _ in range(19):
        met = CaseFactory(customer=customer_a, urgency="low", opened_at=january)
        services.case_acknowledge(user=staff, case=met, now=january.replace(hour=11))
    CaseFactory(customer=customer_a, urgency="low", opened_at=january)  # breached below
    CaseFactory(customer=customer_a, opened_at=datetime(2026, 2, 2, 9, tzinfo=UTC))
    sweep.escalation_sweep(now=datetime(2026, 3, 1, tzinfo=UTC))
    rows = {(r.month.strftime("%Y-%m"), r.severity): r for r in selectors.slo_report(user=alice)}
    s4 = rows[("2026-01", "S4")]
    assert (s4.met, s4.breached, s4.pending) == (19, 1, 0)
    assert str(s4.percent) == "95.0" and s4.meets_target is True
    assert rows[("2026-02", "S3")].breached == 1 and rows[("2026-02", "S3")].meets_target is False


def test_dashboard_summary_counts_open_cases_by_severity(partner_a, customer_a):
    CaseFactory(customer=customer_a, urgency="critical", impact="widespread")
    CaseFactory(customer=customer_a, overdue=True)
    sweep.escalation_sweep()
    summary = selectors.dashboard_summary(partner_a)
    assert dict((s.value, n) for s, n in summary["by_severity"]) == {
        "S1": 2,
        "S2": 0,
        "S3": 0,
        "S4": 0,
    }
    assert summary["breached_open"] == 1 and len(summary["nearest"]) == 1


def test_dashboard_summary_counts_and_breaches_come_from_one_scan(
    partner_a, customer_a, django_assert_num_queries
):
    """Open counts by severity and open breaches: one grouped query; the nearest due
    cases and this month's attainment: one each."""
    CaseFactory(customer=customer_a, overdue=True)
    CaseFactory(customer=customer_a)
    sweep.escalation_sweep()
    with django_assert_num_queries(3):
        summary = selectors.dashboard_summary(partner_a)
    assert summary["breached_open"] == 1 and summary["open_total"] == 2
