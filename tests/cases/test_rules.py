"""Pure case rules: severity matrix, impact boundaries, objectives, lifecycle (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import product
from zoneinfo import ZoneInfo

import pytest

from cases import rules
from cases.choices import Clock, Impact, Severity, Status, Urgency
from portal.business_time import BusinessCalendarSpec, default_spec_for_region, public_holidays

ZONES = {
    "AMER": "America/New_York",
    "APJC": "Asia/Tokyo",
    "AUS": "Australia/Sydney",
    "EMEA": "Europe/Paris",
}
REGIONS = list(ZONES)
MIN = timedelta(minutes=1)
H = timedelta(hours=1)


def at(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


def spec_for(region: str, *years: int) -> BusinessCalendarSpec:
    return default_spec_for_region(region, public_holidays(region, years or [2027]))


def due_local(severity: str, region: str, *opened: int) -> datetime:
    zone = ZONES[region]
    due = rules.response_due_at(severity, at(zone, *opened), spec_for(region, opened[0]))
    return due.astimezone(ZoneInfo(zone))


# --- R-CASE-5: the 16 matrix cells -------------------------------------------------------------

MATRIX_TABLE = """
critical  S1 S1 S2 S3
high      S1 S2 S2 S3
medium    S2 S3 S3 S3
low       S4 S4 S4 S4
"""
IMPACT_COLUMNS = ["widespread", "large", "localized", "individualized"]
CELLS = [
    (row.split()[0], impact, severity)
    for row in MATRIX_TABLE.strip().splitlines()
    for impact, severity in zip(IMPACT_COLUMNS, row.split()[1:], strict=True)
]


@pytest.mark.parametrize(("urgency", "impact", "severity"), CELLS)
def test_r_case_5_severity_matrix_cell(urgency, impact, severity):
    assert rules.severity_for(urgency=urgency, impact=impact) == severity


def test_r_case_5_matrix_covers_every_combination_exactly_once():
    assert len(CELLS) == 16
    assert set(rules.SEVERITY_MATRIX) == set(product(Urgency, Impact))


def test_r_case_5_unknown_urgency_is_refused():
    with pytest.raises(ValueError):
        rules.severity_for(urgency="apocalyptic", impact="large")


# --- R-CASE-3: impact from the affected share, with its boundary decision ----------------------


@pytest.mark.parametrize(
    ("share", "impact"),
    [
        (0, Impact.INDIVIDUALIZED),
        (0.1, Impact.INDIVIDUALIZED),
        (0.25, Impact.INDIVIDUALIZED),  # Decision: exactly 1/4 is individualized
        (0.2500001, Impact.LOCALIZED),
        (0.4, Impact.LOCALIZED),
        (0.5, Impact.LOCALIZED),  # Decision: exactly 1/2 is localized
        (0.5000001, Impact.LARGE),
        (0.6, Impact.LARGE),
        (0.75, Impact.LARGE),  # Decision: exactly 3/4 is large
        (0.7500001, Impact.WIDESPREAD),
        (0.9, Impact.WIDESPREAD),
        (1, Impact.WIDESPREAD),
        (Decimal("0.25"), Impact.INDIVIDUALIZED),
        (Decimal("0.50"), Impact.LOCALIZED),
        (Decimal("0.75"), Impact.LARGE),
        (Decimal("0.751"), Impact.WIDESPREAD),
        (Fraction(1, 2), Impact.LOCALIZED),
        (Fraction(3, 4), Impact.LARGE),
        (Fraction(1, 4), Impact.INDIVIDUALIZED),
        (Fraction(26, 100), Impact.LOCALIZED),
    ],
)
def test_r_case_3_share_boundaries(share, impact):
    assert rules.impact_for_share(share) == impact


@pytest.mark.parametrize("share", [-0.01, 1.0001, Decimal("-1"), 2])
def test_r_case_3_share_outside_zero_to_one_is_refused(share):
    with pytest.raises(ValueError):
        rules.impact_for_share(share)


def test_r_case_3_boolean_is_not_a_share():
    with pytest.raises(TypeError):
        rules.impact_for_share(True)


# --- R-CASE-6: escalation must raise ---------------------------------------------------------

ORDER = ["S1", "S2", "S3", "S4"]


@pytest.mark.parametrize(("current", "requested"), list(product(ORDER, ORDER)))
def test_r_case_6_escalation_is_a_raise_only_towards_s1(current, requested):
    assert rules.is_raise(current, requested) is (ORDER.index(requested) < ORDER.index(current))


# --- R-CASE-7: objectives ----------------------------------------------------------------------


def test_r_case_7_objectives_per_severity():
    spec = default_spec_for_region("EMEA")
    table = {s: (o.clock, o.duration(spec)) for s, o in rules.RESPONSE_OBJECTIVES.items()}
    assert table == {
        Severity.S1: (Clock.WALL, 15 * MIN),
        Severity.S2: (Clock.WALL, 30 * MIN),
        Severity.S3: (Clock.BUSINESS, 9 * H),
        Severity.S4: (Clock.BUSINESS, 27 * H),
    }


def test_r_case_7_business_objective_follows_the_calendars_day_length():
    spec = BusinessCalendarSpec(timezone="UTC", workday_end=datetime(2000, 1, 1, 16).time())
    assert rules.response_objective("S4").duration(spec) == 24 * H


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize(("severity", "minutes"), [("S1", 15), ("S2", 30)])
def test_r_case_7_s1_s2_run_24x7_on_saturday_night(region, severity, minutes):
    opened = at(ZONES[region], 2027, 2, 6, 3)  # Saturday 03:00 local
    due = rules.response_due_at(severity, opened, spec_for(region))
    assert due == opened + minutes * MIN


@pytest.mark.parametrize(
    ("zone", "opened_utc"),
    [
        ("Europe/Paris", datetime(2027, 3, 28, 0, 50, tzinfo=UTC)),  # 01:50 CET, jump at 02:00
        ("America/New_York", datetime(2027, 11, 7, 5, 50, tzinfo=UTC)),  # 01:50 EDT, fold
        ("Australia/Sydney", datetime(2027, 10, 2, 15, 50, tzinfo=UTC)),  # 01:50 AEST, jump
    ],
)
def test_r_case_7_s1_over_the_dst_jump_is_15_real_minutes(zone, opened_utc):
    opened = opened_utc.astimezone(ZoneInfo(zone))
    due = rules.response_due_at("S1", opened, BusinessCalendarSpec(timezone=zone))
    assert due - opened_utc == 15 * MIN
    assert due.utcoffset() == timedelta(0)


def test_r_case_7_naive_opening_time_is_refused():
    with pytest.raises(ValueError):
        rules.response_due_at("S1", datetime(2027, 1, 1, 10), default_spec_for_region("EMEA"))
    with pytest.raises(ValueError):
        rules.response_due_at("S3", datetime(2027, 1, 1, 10), default_spec_for_region("EMEA"))


@pytest.mark.parametrize(
    ("acknowledged", "met"), [(-MIN, True), (timedelta(0), True), (timedelta(seconds=1), False)]
)
def test_r_case_7_objective_is_met_at_or_before_the_due_time(acknowledged, met):
    due = datetime(2027, 1, 1, 10, tzinfo=UTC)
    assert rules.objective_met(acknowledged_at=due + acknowledged, due_at=due) is met


# --- R-CASE-8: S3/S4 on the business calendar, all four regions ---------------------------------


@pytest.mark.parametrize("region", REGIONS)
def test_s3_opened_friday_afternoon_is_due_monday(region):
    assert due_local("S3", region, 2027, 2, 5, 16) == at(ZONES[region], 2027, 2, 8, 16)


@pytest.mark.parametrize("region", REGIONS)
def test_s3_opened_saturday_morning_is_due_monday_at_close(region):
    assert due_local("S3", region, 2027, 2, 6, 10) == at(ZONES[region], 2027, 2, 8, 17)


@pytest.mark.parametrize("region", REGIONS)
def test_s4_opened_friday_afternoon_is_due_wednesday(region):
    assert due_local("S4", region, 2027, 2, 5, 16) == at(ZONES[region], 2027, 2, 10, 16)


@pytest.mark.parametrize("region", REGIONS)
def test_s4_opened_sunday_is_due_wednesday_at_close(region):
    assert due_local("S4", region, 2027, 2, 7, 12) == at(ZONES[region], 2027, 2, 10, 17)


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize(
    ("severity", "opened", "due"),
    [
        # 2027-02-16 is a Tuesday, with no public holiday that week in any region
        ("S3", (2027, 2, 16, 6, 30), (2027, 2, 16, 17)),  # before hours: the whole day
        ("S3", (2027, 2, 16, 20), (2027, 2, 17, 17)),  # after hours: the next day
        ("S3", (2027, 2, 16, 8), (2027, 2, 16, 17)),  # at opening time: same day's close
        ("S3", (2027, 2, 16, 17), (2027, 2, 17, 17)),  # at closing time: next day
        ("S4", (2027, 2, 16, 20), (2027, 2, 19, 17)),  # after hours Tuesday: Friday close
        ("S4", (2027, 2, 16, 12, 15), (2027, 2, 19, 12, 15)),
    ],
)
def test_s3_s4_opened_outside_hours_count_from_the_next_working_period(
    region, severity, opened, due
):
    assert due_local(severity, region, *opened) == at(ZONES[region], *due)


@pytest.mark.parametrize(
    ("region", "severity", "opened", "due", "why"),
    [
        ("AMER", "S3", (2027, 11, 24, 16), (2027, 11, 26, 16), "Thanksgiving Thursday"),
        ("AMER", "S4", (2027, 7, 2, 16), (2027, 7, 8, 16), "Independence Day observed Monday"),
        ("APJC", "S4", (2027, 4, 30, 10), (2027, 5, 10, 10), "Golden Week"),
        ("APJC", "S3", (2027, 2, 10, 16), (2027, 2, 12, 16), "Foundation Day Thursday"),
        ("AUS", "S3", (2027, 3, 25, 16), (2027, 3, 30, 16), "Good Friday and Easter Monday"),
        ("AUS", "S4", (2027, 12, 24, 10), (2027, 12, 31, 10), "Christmas and Boxing Day observed"),
        ("EMEA", "S3", (2027, 5, 5, 16), (2027, 5, 7, 16), "Ascension Thursday"),
        ("EMEA", "S4", (2027, 12, 23, 16), (2027, 12, 28, 16), "Christmas on a Saturday"),
        ("EMEA", "S3", (2027, 7, 14, 10), (2027, 7, 15, 17), "opened on National Day"),
    ],
)
def test_s3_s4_skip_public_holidays(region, severity, opened, due, why):
    assert due_local(severity, region, *opened) == at(ZONES[region], *due), why


def test_s3_due_ignores_holidays_the_calendar_does_not_hold():
    zone = ZONES["AMER"]
    bare = default_spec_for_region("AMER")
    due = rules.response_due_at("S3", at(zone, 2027, 11, 24, 16), bare)
    assert due == at(zone, 2027, 11, 25, 16)


# (region, DST change date: always a Sunday)
DST_CHANGES = [
    ("EMEA", date(2027, 3, 28)),
    ("EMEA", date(2027, 10, 31)),
    ("AMER", date(2027, 3, 14)),
    ("AMER", date(2027, 11, 7)),
    ("AUS", date(2027, 4, 4)),
    ("AUS", date(2027, 10, 3)),
]


@pytest.mark.parametrize(("region", "change"), DST_CHANGES)
def test_s3_across_a_dst_weekend_keeps_local_hours(region, change):
    zone = ZONES[region]
    friday, monday = change - timedelta(days=2), change + timedelta(days=1)
    spec = default_spec_for_region(region)  # no holidays: 2027-11-01 is one in France
    due = rules.response_due_at("S3", at(zone, *friday.timetuple()[:3], 16), spec)
    assert due.astimezone(ZoneInfo(zone)) == at(zone, *monday.timetuple()[:3], 16)


@pytest.mark.parametrize(("region", "change"), DST_CHANGES)
def test_s4_across_a_dst_weekend_keeps_local_hours(region, change):
    zone = ZONES[region]
    friday, wednesday = change - timedelta(days=2), change + timedelta(days=3)
    spec = default_spec_for_region(region)
    due = rules.response_due_at("S4", at(zone, *friday.timetuple()[:3], 9), spec)
    # Fri 8 h, Mon 9 h, Tue 9 h, Wed 1 h -> Wednesday 09:00 local
    assert due.astimezone(ZoneInfo(zone)) == at(zone, *wednesday.timetuple()[:3], 9)


@pytest.mark.parametrize("month", range(1, 13))
def test_apjc_s3_is_always_monday_0700_utc_because_tokyo_has_no_dst(month):
    first = date(2027, month, 1)
    friday = first + timedelta(days=(4 - first.weekday()) % 7)
    due = rules.response_due_at(
        "S3", at("Asia/Tokyo", *friday.timetuple()[:3], 16), default_spec_for_region("APJC")
    )
    assert (due.weekday(), due.hour, due.minute) == (0, 7, 0)


# --- warning before breach (R-CASE-10) -----------------------------------------------------


@pytest.mark.parametrize(("severity", "minutes"), [("S1", 12), ("S2", 24)])
def test_warning_at_80_percent_of_a_24x7_objective(severity, minutes):
    opened = datetime(2027, 2, 6, 3, tzinfo=UTC)
    assert rules.warning_at(severity, opened, default_spec_for_region("EMEA")) == (
        opened + minutes * MIN
    )


def test_warning_at_80_percent_of_a_business_objective_runs_on_business_time():
    zone = ZONES["EMEA"]
    # S3: 80 % of 9 h = 7 h 12 min of business time: Fri 16:00 + 1 h, Mon 08:00 + 6 h 12
    warning = rules.warning_at("S3", at(zone, 2027, 2, 5, 16), default_spec_for_region("EMEA"))
    assert warning == at(zone, 2027, 2, 8, 14, 12)


def test_warning_fraction_is_configurable():
    opened = datetime(2027, 2, 6, 3, tzinfo=UTC)
    spec = default_spec_for_region("EMEA")
    assert rules.warning_at("S2", opened, spec, fraction=0.5) == opened + 15 * MIN
    assert rules.warning_at("S2", opened, spec, fraction=Decimal("0.9")) == opened + 27 * MIN


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.2])
def test_warning_fraction_outside_zero_to_one_is_refused(fraction):
    with pytest.raises(ValueError):
        rules.warning_at(
            "S1", datetime(2027, 1, 1, tzinfo=UTC), default_spec_for_region("EMEA"), fraction
        )


@pytest.mark.parametrize("severity", ORDER)
def test_warning_always_comes_before_the_due_time(severity):
    opened = at(ZONES["AUS"], 2027, 4, 2, 15, 37)
    spec = spec_for("AUS")
    assert rules.warning_at(severity, opened, spec) < rules.response_due_at(severity, opened, spec)


# --- SLO attainment (R-CASE-7) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("met", "breached", "percent"),
    [(19, 1, Decimal("95.0")), (2, 1, Decimal("66.7")), (0, 3, Decimal("0.0")), (0, 0, None)],
)
def test_attainment_percent(met, breached, percent):
    assert rules.attainment_percent(met=met, breached=breached) == percent


@pytest.mark.parametrize(
    ("severity", "percent", "meets"),
    [
        ("S3", Decimal("95.0"), True),
        ("S3", Decimal("94.9"), False),
        ("S4", Decimal("100"), True),
        ("S1", Decimal("50"), None),  # no target for S1/S2
        ("S4", None, None),
    ],
)
def test_s3_s4_attainment_target_is_95_percent(severity, percent, meets):
    assert rules.attainment_meets_target(severity, percent) is meets


# --- R-CASE-12: lifecycle --------------------------------------------------------------------

ALLOWED = {
    ("new", "acknowledged"),
    ("acknowledged", "in_progress"),
    # Decision: awaiting_partner is entered only from in_progress (not from acknowledged)
    ("in_progress", "awaiting_partner"),
    ("in_progress", "monitoring"),
    ("in_progress", "resolved"),  # Decision: monitoring is optional
    ("awaiting_partner", "in_progress"),
    ("awaiting_partner", "monitoring"),  # the chain's awaiting_partner → monitoring
    ("monitoring", "in_progress"),  # Decision: a recurrence during monitoring
    ("monitoring", "resolved"),
    ("resolved", "in_progress"),
    ("resolved", "closed"),
}


@pytest.mark.parametrize(("current", "target"), list(product(Status.values, Status.values)))
def test_r_case_12_transition_table(current, target):
    assert rules.transition_allowed(current, target) is ((current, target) in ALLOWED)


def test_r_case_12_closed_is_final():
    assert not any(rules.transition_allowed("closed", s) for s in Status.values)


def test_r_case_12_partner_moves_are_a_subset_of_the_allowed_ones():
    assert all(rules.transition_allowed(a, b) for a, b in rules.PARTNER_TRANSITIONS)
    assert rules.partner_may_transition("resolved", "in_progress")
    assert rules.partner_may_transition("awaiting_partner", "in_progress")
    assert not rules.partner_may_transition("new", "acknowledged")
    assert not rules.partner_may_transition("in_progress", "resolved")


def test_r_case_12_reopen_is_resolved_back_to_in_progress():
    assert rules.is_reopen("resolved", "in_progress")
    assert not rules.is_reopen("monitoring", "in_progress")


@pytest.mark.parametrize(
    ("after", "allowed"),
    [
        (timedelta(days=13), True),
        (timedelta(days=14), True),
        (timedelta(days=14, seconds=1), False),
    ],
)
def test_r_case_12_reopen_within_the_period(after, allowed):
    resolved = datetime(2027, 1, 1, tzinfo=UTC)
    assert rules.reopen_allowed(resolved_at=resolved, now=resolved + after) is allowed


def test_r_case_9_awaiting_partner_is_the_paused_status():
    assert {Status.AWAITING_PARTNER} == rules.PAUSED_STATUSES
    assert Status.AWAITING_PARTNER in rules.OPEN_STATUSES
    assert Status.RESOLVED not in rules.OPEN_STATUSES


@pytest.mark.parametrize("status", Status.values)
def test_r_case_6_escalation_requests_only_while_the_case_is_open(status):
    assert rules.can_request_escalation(status) is (status not in ("resolved", "closed"))


# --- R-CASE-10 / R-CASE-11 -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "yes"), [("S1", True), ("S2", True), ("S3", False), ("S4", False)]
)
def test_s1_s2_recommend_the_phone_and_are_notified_proactively(severity, yes):
    assert rules.phone_recommended(severity) is yes
    assert rules.notify_partner_proactively(severity) is yes


def test_r_case_11_opening_time_may_not_lie_in_the_future():
    now = datetime(2027, 1, 1, 12, tzinfo=UTC)
    assert rules.opened_at_allowed(opened_at=now, now=now)
    assert rules.opened_at_allowed(opened_at=now - H, now=now)
    assert not rules.opened_at_allowed(opened_at=now + timedelta(seconds=1), now=now)


# --- partner_actions: one answer for pages, API and admin (R-CASE-6, R-CASE-12) -------------


def _case_like(status, severity="S3", resolved_at=None):
    from types import SimpleNamespace

    return SimpleNamespace(status=status, severity=severity, resolved_at=resolved_at)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("severity", ["S1", "S2", "S3", "S4"])
def test_partner_actions_follow_the_transition_table_r_case_12(status, severity):
    now = datetime(2027, 3, 10, 12, tzinfo=UTC)
    resolved = now - timedelta(days=1) if status in ("resolved", "closed") else None
    actions = rules.partner_actions(_case_like(status, severity, resolved), now)
    assert actions.escalate == (
        rules.can_request_escalation(status) and severity != "S1"
    )
    assert actions.resume == (status == "awaiting_partner")
    assert actions.close == (status == "resolved")
    assert actions.reopen == (status == "resolved")
    assert actions.report_recurrence == (status == "monitoring")


def test_reopen_ends_with_the_reopen_period_r_case_12():
    now = datetime(2027, 3, 10, 12, tzinfo=UTC)
    period = timedelta(days=14)
    inside = rules.partner_actions(_case_like("resolved", resolved_at=now - period), now)
    outside = rules.partner_actions(
        _case_like("resolved", resolved_at=now - period - timedelta(seconds=1)), now
    )
    assert inside.reopen and inside.reopen_until == now
    assert not outside.reopen and outside.close
