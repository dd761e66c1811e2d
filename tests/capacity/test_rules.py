"""Pure capacity rules (R-CAP-2 … R-CAP-4): plain tests, no database."""

from datetime import date, timedelta
from fractions import Fraction

import pytest

from capacity.choices import RequestStatus
from capacity.rules import (
    Counts,
    customer_utilisation,
    earliest,
    forecast_exhaustion,
    growth_per_day,
    provisioning_violations,
    request_violations,
    threshold_level,
    threshold_step,
    thresholds_crossed,
    transition_violation,
    utilisation,
)

APPROVED = Counts(knowledge_workers=1000, workspace_devices=1500)


# --- R-CAP-2: the gate ---


def test_r_cap_2_counts_at_the_limit_pass_the_gate():
    assert provisioning_violations(approved=APPROVED, provisioned=APPROVED) == []


def test_r_cap_2_count_above_approved_is_refused_naming_the_limit():
    [violation] = provisioning_violations(
        approved=APPROVED, provisioned=Counts(knowledge_workers=1001, workspace_devices=10)
    )
    assert violation.field == "knowledge_workers"
    assert violation.rule == "R-CAP-2"
    assert "1000" in violation.message and "1001" in violation.message
    assert "Knowledge workers" in violation.message


def test_r_cap_2_both_counts_above_are_both_reported():
    violations = provisioning_violations(
        approved=APPROVED, provisioned=Counts(knowledge_workers=2000, workspace_devices=1501)
    )
    assert [v.field for v in violations] == ["knowledge_workers", "workspace_devices"]
    assert "1500" in violations[1].message


def test_r_cap_2_negative_counts_are_refused():
    [violation] = provisioning_violations(
        approved=APPROVED, provisioned=Counts(knowledge_workers=0, workspace_devices=-1)
    )
    assert violation.field == "workspace_devices"


def test_r_cap_2_nothing_approved_refuses_any_provisioning():
    [violation] = provisioning_violations(
        approved=Counts(0, 0), provisioned=Counts(knowledge_workers=1, workspace_devices=0)
    )
    assert violation.field == "knowledge_workers"


# --- R-CAP-4: utilisation and thresholds ---


def test_utilisation_is_exact():
    assert utilisation(800, 1000) == Fraction(4, 5)
    assert utilisation(5, 0) is None


def test_customer_utilisation_is_the_tighter_resource():
    value = customer_utilisation(
        approved=APPROVED, provisioned=Counts(knowledge_workers=500, workspace_devices=1350)
    )
    assert value == Fraction(9, 10)


@pytest.mark.parametrize(
    ("provisioned", "approved", "level"),
    [
        (0, 1000, 0),
        (799, 1000, 0),
        (800, 1000, 80),
        (899, 1000, 80),
        (900, 1000, 90),
        (999, 1000, 90),
        (1000, 1000, 100),
        (1200, 1000, 100),
        (2, 3, 0),  # 66.7 %
        (5, 6, 80),  # 83.3 %
    ],
)
def test_threshold_level(provisioned, approved, level):
    assert threshold_level(utilisation(provisioned, approved)) == level


def test_threshold_level_of_unknown_utilisation_is_none():
    assert threshold_level(None) == 0


@pytest.mark.parametrize(
    ("before", "after", "crossed"),
    [
        ((70, 100), (79, 100), ()),
        ((79, 100), (80, 100), (80,)),
        ((70, 100), (95, 100), (80, 90)),
        ((0, 100), (100, 100), (80, 90, 100)),
        ((80, 100), (89, 100), ()),  # still above 80: no new crossing
        ((95, 100), (85, 100), ()),  # a fall crosses nothing upward
        ((90, 100), (100, 100), (100,)),
    ],
)
def test_r_cap_4_thresholds_crossed_upward(before, after, crossed):
    assert thresholds_crossed(Fraction(*before), Fraction(*after)) == crossed


def test_r_cap_4_each_threshold_notifies_once_per_crossing_and_rearms_below():
    level = 0
    notified = []
    for percent in (50, 82, 85, 81, 79, 83, 91, 95, 100, 100, 70, 100):
        step = threshold_step(armed_level=level, value=Fraction(percent, 100))
        notified.extend(step.notify)
        level = step.level
    # 82 → 80; 85, 81: nothing; 79 re-arms; 83 → 80 again; 91 → 90; 100 → 100;
    # 70 re-arms everything; 100 → 80, 90, 100.
    assert notified == [80, 80, 90, 100, 80, 90, 100]


def test_r_cap_4_threshold_step_stays_quiet_on_repeat():
    step = threshold_step(armed_level=90, value=Fraction(93, 100))
    assert step.notify == () and step.level == 90


# --- R-CAP-4: forecast ---

DAY0 = date(2027, 1, 1)


def _linear(start: int, per_day: float, days: int, every: int = 7) -> list[tuple[date, int]]:
    return [(DAY0 + timedelta(days=d), round(start + per_day * d)) for d in range(0, days, every)]


def test_growth_per_day_is_the_least_squares_slope():
    samples = [(DAY0, 10), (DAY0 + timedelta(days=1), 12), (DAY0 + timedelta(days=2), 17)]
    # x = 0,1,2; y = 10,12,17: slope = 3.5
    assert growth_per_day(samples) == pytest.approx(3.5)


def test_forecast_with_steady_growth_projects_the_exhaustion_date():
    samples = _linear(500, 5, 64)  # days 0..63 weekly, 5/day; last sample day 63 = 815
    assert samples[-1] == (DAY0 + timedelta(days=63), 815)
    # (1000 - 815) / 5 = 37 days after the last sample
    assert forecast_exhaustion(samples, 1000) == DAY0 + timedelta(days=100)


def test_forecast_rounds_partial_days_up():
    samples = [(DAY0, 0), (DAY0 + timedelta(days=2), 3)]  # 1.5/day
    assert forecast_exhaustion(samples, 10) == DAY0 + timedelta(days=2 + 5)


@pytest.mark.parametrize("per_day", [0, -3])
def test_forecast_is_none_when_flat_or_declining(per_day):
    assert forecast_exhaustion(_linear(500, per_day, 60), 1000) is None


def test_forecast_is_none_with_a_single_day_of_samples():
    assert forecast_exhaustion([(DAY0, 500), (DAY0, 600)], 1000) is None
    assert forecast_exhaustion([], 1000) is None


def test_forecast_uses_only_the_recent_window():
    old_growth = _linear(0, 10, 200)  # fast growth long ago, 1990 at day 199
    flat_recently = [(DAY0 + timedelta(days=300 + d), 2000) for d in range(0, 91, 7)]
    assert forecast_exhaustion(old_growth + flat_recently, 5000) is None


def test_forecast_when_already_at_capacity_is_the_latest_sample_date():
    samples = [(DAY0, 900), (DAY0 + timedelta(days=10), 1000)]
    assert forecast_exhaustion(samples, 1000) == DAY0 + timedelta(days=10)


def test_forecast_beyond_the_horizon_is_none():
    samples = [(DAY0, 0), (DAY0 + timedelta(days=1000), 1)]
    assert forecast_exhaustion(samples, 1_000_000, window_days=2000) is None


def test_earliest_forecast_of_two_resources():
    assert earliest([None, date(2027, 5, 1), date(2027, 3, 1)]) == date(2027, 3, 1)
    assert earliest([None, None]) is None


# --- R-CAP-3: change requests ---

S = RequestStatus


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.SUBMITTED, S.UNDER_ANALYSIS),
        (S.UNDER_ANALYSIS, S.PLAN_AGREED),
        (S.PLAN_AGREED, S.CAPACITY_ADDED),
        (S.SUBMITTED, S.REJECTED),
        (S.UNDER_ANALYSIS, S.REJECTED),
        (S.PLAN_AGREED, S.REJECTED),
    ],
)
def test_r_cap_3_allowed_transitions(current, target):
    assert transition_violation(current, target) is None


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.SUBMITTED, S.PLAN_AGREED),
        (S.SUBMITTED, S.CAPACITY_ADDED),
        (S.UNDER_ANALYSIS, S.CAPACITY_ADDED),
        (S.UNDER_ANALYSIS, S.SUBMITTED),
        (S.CAPACITY_ADDED, S.REJECTED),
        (S.REJECTED, S.UNDER_ANALYSIS),
        (S.PLAN_AGREED, S.PLAN_AGREED),
    ],
)
def test_r_cap_3_other_transitions_are_refused_citing_the_rule(current, target):
    violation = transition_violation(current, target)
    assert violation is not None
    assert violation.rule == "R-CAP-3" and violation.field == "status"
    assert violation.rule == "R-CAP-3" and "cannot become" in violation.message


def test_r_cap_3_request_must_change_the_totals():
    [violation] = request_violations(requested=APPROVED, approved=APPROVED)
    assert violation.rule == "R-CAP-3"
    assert request_violations(requested=Counts(1200, 1500), approved=APPROVED) == []


def test_r_cap_3_request_counts_cannot_be_negative():
    [violation] = request_violations(requested=Counts(-1, 1500), approved=APPROVED)
    assert violation.field == "knowledge_workers"


# --- R-CAP-3: the partner's changes; R-CAP-1: activation counts --------------------------


@pytest.mark.parametrize(
    ("status", "may_change"),
    [
        ("submitted", True),
        ("under_analysis", True),
        ("plan_agreed", False),
        ("capacity_added", False),
        ("rejected", False),
        ("withdrawn", False),
    ],
)
def test_r_cap_3_partner_may_change_until_the_plan_is_agreed(status, may_change):
    from capacity.rules import partner_change_violation

    violation = partner_change_violation(status)
    assert (violation is None) is may_change
    if violation is not None:
        assert violation.rule == "R-CAP-3"


def test_r_cap_3_withdrawn_is_final():
    from capacity.rules import allowed_transitions

    assert allowed_transitions("withdrawn") == ()


@pytest.mark.parametrize(
    ("kw", "wd", "field"),
    [(0, 0, "knowledge_workers"), (-1, 5, "knowledge_workers"), (5, -1, "workspace_devices")],
)
def test_r_cap_1_activation_counts_are_sized_and_not_negative(kw, wd, field):
    from capacity.rules import Counts, activation_violations

    [violation] = activation_violations(counts=Counts(kw, wd))
    assert violation.field == field and violation.rule == "R-CAP-1"


def test_r_cap_1_activation_counts_with_one_resource_are_fine():
    from capacity.rules import Counts, activation_violations

    assert activation_violations(counts=Counts(0, 10)) == []
