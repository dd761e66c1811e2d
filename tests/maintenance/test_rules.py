"""Pure change-management rules (R-MNT-1 … R-MNT-10), plain pytest, no database."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from maintenance import rules
from maintenance.choices import ChangeKind, ChangeStatus, EmergencyReason, UpgradeReason
from maintenance.models import Change, RescheduleRequest
from maintenance.windows import window_for_night
from portal.business_time import BusinessCalendarSpec, default_spec_for_region, public_holidays

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
TOKYO = ZoneInfo("Asia/Tokyo")
ALL_KINDS = list(ChangeKind.values)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


# --- kinds ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_only_infrastructure_may_use_weekend_windows_r_mnt_1(kind: str) -> None:
    assert rules.kind_may_use_weekend(kind) is (kind == ChangeKind.INFRASTRUCTURE)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_but_emergency_needs_a_window_r_mnt_2_r_mnt_8(kind: str) -> None:
    assert rules.kind_needs_window(kind) is (kind != ChangeKind.EMERGENCY)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_only_service_impacting_changes_need_the_notice_r_mnt_4(kind: str) -> None:
    assert rules.kind_needs_notice(kind) is (kind == ChangeKind.SERVICE_IMPACTING)


# --- windows (R-MNT-1, R-MNT-2) ---------------------------------------------------------------


def test_a_routine_change_inside_a_weekday_window_passes() -> None:
    wednesday = window_for_night("EMEA", date(2027, 6, 9))

    assert (
        rules.window_violation(
            region="EMEA", kind=ChangeKind.ROUTINE, start=wednesday.start, end=wednesday.end
        )
        is None
    )


@pytest.mark.parametrize("kind", [k for k in ALL_KINDS if k not in ("infrastructure", "emergency")])
def test_weekend_windows_are_refused_for_anything_but_infrastructure_r_mnt_1(kind: str) -> None:
    saturday = window_for_night("EMEA", date(2027, 6, 12))

    violation = rules.window_violation(
        region="EMEA", kind=kind, start=saturday.start, end=saturday.start + timedelta(hours=1)
    )

    assert violation is not None
    assert violation.rule == "R-MNT-1"
    assert violation.field == "start"
    assert "infrastructure" in str(violation.message)


def test_infrastructure_may_use_a_weekend_window_r_mnt_1() -> None:
    sunday = window_for_night("AMER", date(2027, 11, 7))

    assert (
        rules.window_violation(
            region="AMER", kind=ChangeKind.INFRASTRUCTURE, start=sunday.start, end=sunday.end
        )
        is None
    )


def test_a_weekend_alternative_picked_by_the_partner_is_allowed_r_mnt_5() -> None:
    saturday = window_for_night("EMEA", date(2027, 6, 12))

    assert (
        rules.window_violation(
            region="EMEA",
            kind=ChangeKind.SERVICE_IMPACTING,
            start=saturday.start,
            end=saturday.end,
            allow_weekend=True,
        )
        is None
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (paris(2027, 6, 9, 20, 30), paris(2027, 6, 9, 22)),  # opens before 21:00
        (paris(2027, 6, 10, 5), paris(2027, 6, 10, 7)),  # runs past 06:00
        (paris(2027, 6, 10, 10), paris(2027, 6, 10, 11)),  # daytime
        (paris(2027, 6, 9, 22), paris(2027, 6, 10, 22)),  # two windows
    ],
)
def test_an_interval_outside_one_window_is_refused_r_mnt_2(start: datetime, end: datetime) -> None:
    violation = rules.window_violation(
        region="EMEA", kind=ChangeKind.INFRASTRUCTURE, start=start, end=end
    )

    assert violation is not None
    assert violation.rule == "R-MNT-2"
    assert "EMEA" in str(violation.message)


def test_the_window_is_the_customer_region_s_not_the_caller_s_r_mnt_2() -> None:
    # 22:00 in Paris is 05:00 next morning in Tokyo (inside APJC's window) but 16:00 in New York.
    start, end = paris(2027, 6, 9, 22), paris(2027, 6, 9, 22, 30)

    assert rules.window_violation(region="APJC", kind="routine", start=start, end=end) is None
    assert rules.window_violation(region="AMER", kind="routine", start=start, end=end) is not None


def test_an_emergency_may_happen_at_once_outside_any_window_r_mnt_8() -> None:
    noon = paris(2027, 6, 9, 12)

    assert (
        rules.window_violation(
            region="EMEA", kind=ChangeKind.EMERGENCY, start=noon, end=noon + timedelta(hours=1)
        )
        is None
    )


def test_sme_group_changes_use_the_publisher_region_r_mnt_2() -> None:
    assert rules.effective_region("EMEA", "AMER") == "AMER"
    assert rules.effective_region("EMEA", None) == "EMEA"
    assert rules.effective_region("EMEA", "") == "EMEA"


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (None, paris(2027, 6, 9, 22), "start"),
        (paris(2027, 6, 9, 22), None, "end"),
        (paris(2027, 6, 9, 22), paris(2027, 6, 9, 22), "end"),
        (paris(2027, 6, 9, 23), paris(2027, 6, 9, 22), "end"),
    ],
)
def test_a_change_needs_an_end_after_its_start(
    start: datetime | None, end: datetime | None, field: str
) -> None:
    violation = rules.interval_violation(start, end)

    assert violation is not None
    assert violation.field == field


def test_changes_that_touch_do_not_overlap_but_changes_that_share_a_minute_do() -> None:
    a = (paris(2027, 6, 9, 21), paris(2027, 6, 9, 23))

    assert not rules.intervals_overlap(*a, paris(2027, 6, 9, 23), paris(2027, 6, 10, 1))
    assert rules.intervals_overlap(*a, paris(2027, 6, 9, 22, 59), paris(2027, 6, 10, 1))
    assert rules.intervals_overlap(*a, paris(2027, 6, 9, 21, 30), paris(2027, 6, 9, 22))
    assert rules.intervals_overlap(paris(2027, 6, 9, 20), paris(2027, 6, 10, 1), *a)


def test_overlap_violation_names_the_other_change_and_the_customer() -> None:
    violation = rules.overlap_violation("Acme", "Core upgrade")

    assert violation.rule == "R-MNT-2"
    assert "Core upgrade" in str(violation.message)
    assert "Acme" in str(violation.message)


# --- notice (R-MNT-4) ------------------------------------------------------------------------

EMEA_SPEC = BusinessCalendarSpec(timezone="Europe/Paris")


def test_ten_business_days_after_a_monday_morning_notice_is_two_weeks_later() -> None:
    notice = paris(2027, 3, 1, 9)  # Monday

    assert rules.earliest_start_after_notice(EMEA_SPEC, notice) == paris(2027, 3, 15, 9)


def test_a_start_exactly_ten_business_days_after_notice_is_enough_r_mnt_4() -> None:
    notice = paris(2027, 3, 1, 9)

    assert rules.notice_is_sufficient(EMEA_SPEC, notice, paris(2027, 3, 15, 9))
    assert not rules.notice_is_sufficient(EMEA_SPEC, notice, paris(2027, 3, 15, 8, 59))


def test_the_window_two_weeks_after_a_monday_notice_is_allowed_the_friday_before_is_not() -> None:
    notice = paris(2027, 3, 1, 9)
    monday = window_for_night("EMEA", date(2027, 3, 15))
    friday = window_for_night("EMEA", date(2027, 3, 12))

    assert (
        rules.notice_violation(
            kind=ChangeKind.SERVICE_IMPACTING, spec=EMEA_SPEC, notice_at=notice, start=monday.start
        )
        is None
    )
    violation = rules.notice_violation(
        kind=ChangeKind.SERVICE_IMPACTING, spec=EMEA_SPEC, notice_at=notice, start=friday.start
    )
    assert violation is not None
    assert violation.rule == "R-MNT-4"
    assert violation.field == "start"
    assert "10 business days" in str(violation.message)


def test_a_notice_after_working_hours_counts_from_the_next_morning() -> None:
    friday_evening = paris(2027, 3, 5, 19)

    # Counting starts Monday 08:00; ten working days end Friday 2027-03-19 17:00.
    assert rules.earliest_start_after_notice(EMEA_SPEC, friday_evening) == paris(2027, 3, 19, 17)


def test_holidays_of_the_customer_calendar_push_the_earliest_start() -> None:
    notice = paris(2027, 3, 1, 9)
    with_holidays = BusinessCalendarSpec(
        timezone="Europe/Paris", holidays=frozenset({date(2027, 3, 3), date(2027, 3, 10)})
    )

    assert rules.earliest_start_after_notice(with_holidays, notice) == paris(2027, 3, 17, 9)
    assert not rules.notice_is_sufficient(with_holidays, notice, paris(2027, 3, 16, 21))


def test_french_may_holidays_delay_an_emea_change_by_their_weekdays() -> None:
    spec = default_spec_for_region("EMEA", public_holidays("EMEA", [2027]))
    notice = paris(2027, 4, 26, 9)  # Monday; 2027-05-06 (Ascension) and 05-17 (Whit Monday)

    earliest = rules.earliest_start_after_notice(spec, notice)

    assert earliest == paris(2027, 5, 11, 9)  # plain calendar: 05-10; Ascension adds a day


@pytest.mark.parametrize(
    ("region", "zone", "notice", "earliest"),
    [
        # Notices sent a week before the clocks change: wall-clock hours are kept.
        ("EMEA", PARIS, datetime(2027, 3, 22, 9), datetime(2027, 4, 5, 9)),
        ("EMEA", PARIS, datetime(2027, 10, 25, 9), datetime(2027, 11, 8, 9)),
        ("AMER", NEW_YORK, datetime(2027, 3, 8, 9), datetime(2027, 3, 22, 9)),
        ("AMER", NEW_YORK, datetime(2027, 11, 1, 9), datetime(2027, 11, 15, 9)),
        ("AUS", SYDNEY, datetime(2027, 3, 29, 9), datetime(2027, 4, 12, 9)),
        ("AUS", SYDNEY, datetime(2027, 9, 27, 9), datetime(2027, 10, 11, 9)),
        ("APJC", TOKYO, datetime(2027, 3, 8, 9), datetime(2027, 3, 22, 9)),
    ],
)
def test_notice_across_a_dst_change_counts_local_working_hours(
    region: str, zone: ZoneInfo, notice: datetime, earliest: datetime
) -> None:
    spec = default_spec_for_region(region)
    notice, earliest = notice.replace(tzinfo=zone), earliest.replace(tzinfo=zone)

    assert rules.earliest_start_after_notice(spec, notice) == earliest
    assert rules.notice_is_sufficient(spec, notice, earliest)
    assert not rules.notice_is_sufficient(spec, notice, earliest - timedelta(minutes=1))


@pytest.mark.parametrize(
    "kind", [k for k in ALL_KINDS if k not in ("service_impacting", "upgrade")]
)
def test_kinds_outside_the_notice_rule_need_no_notice(kind: str) -> None:
    notice = paris(2027, 3, 1, 9)

    assert (
        rules.notice_violation(
            kind=kind, spec=EMEA_SPEC, notice_at=notice, start=notice + timedelta(hours=12)
        )
        is None
    )


def test_a_start_before_the_notice_is_never_enough() -> None:
    notice = paris(2027, 3, 15, 9)

    assert not rules.notice_is_sufficient(EMEA_SPEC, notice, notice - timedelta(days=30))


# --- reschedule (R-MNT-5) ---------------------------------------------------------------------

SENT = datetime(2027, 3, 1, 9, tzinfo=UTC)


def reschedule(**overrides: object) -> rules.Violation | None:
    arguments: dict = {
        "kind": ChangeKind.SERVICE_IMPACTING,
        "urgent": False,
        "notice_sent_at": SENT,
        "now": SENT + timedelta(days=1),
        "reason": "Quarter-end closing that night.",
    }
    arguments.update(overrides)
    return rules.reschedule_violation(**arguments)


def test_the_reschedule_deadline_is_3_calendar_days_after_the_notice_r_mnt_5() -> None:
    assert rules.reschedule_deadline(SENT) == datetime(2027, 3, 4, 9, tzinfo=UTC)


def test_a_reschedule_request_within_the_period_with_a_reason_is_accepted() -> None:
    assert reschedule() is None
    assert reschedule(now=rules.reschedule_deadline(SENT)) is None


def test_a_reschedule_request_after_the_deadline_is_refused_r_mnt_5() -> None:
    violation = reschedule(now=rules.reschedule_deadline(SENT) + timedelta(seconds=1))

    assert violation is not None
    assert violation.rule == "R-MNT-5"
    assert "3 calendar days" in str(violation.message)


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_a_reschedule_request_needs_a_reason_r_mnt_5(reason: str) -> None:
    violation = reschedule(reason=reason)

    assert violation is not None
    assert violation.field == "reason"
    assert violation.rule == "R-MNT-5"


@pytest.mark.parametrize(
    ("kind", "urgent"),
    [
        (ChangeKind.EMERGENCY, False),
        (ChangeKind.CERTIFICATE_RENEWAL, False),  # certificates about to expire
        (ChangeKind.COP_INSTALL, True),  # severe security fix
        (ChangeKind.SERVICE_IMPACTING, True),
    ],
)
def test_urgent_and_emergency_changes_cannot_be_rescheduled_r_mnt_5(
    kind: str, urgent: bool
) -> None:
    violation = reschedule(kind=kind, urgent=urgent)

    assert violation is not None
    assert violation.rule == "R-MNT-5"
    assert "cannot be rescheduled" in str(violation.message)


def test_a_change_not_yet_notified_cannot_be_rescheduled() -> None:
    violation = reschedule(notice_sent_at=None)

    assert violation is not None
    assert violation.rule == "R-MNT-5"


def test_alternatives_offer_weekday_and_weekend_windows_after_the_instant_r_mnt_5() -> None:
    after = paris(2027, 3, 26, 12)  # Friday noon

    windows = rules.alternative_windows("EMEA", after, weekday=3, weekend=2)

    assert [(w.night, w.kind) for w in windows] == [
        (date(2027, 3, 26), "weekday"),
        (date(2027, 3, 27), "weekend"),
        (date(2027, 3, 28), "weekend"),
        (date(2027, 3, 29), "weekday"),
        (date(2027, 3, 30), "weekday"),
    ]
    assert all(w.start >= after for w in windows)


# --- certificates (R-MNT-6) ------------------------------------------------------------------

EXPIRY = datetime(2027, 6, 18, 12, tzinfo=UTC)  # a Friday


@pytest.mark.parametrize(
    ("before_expiry", "allowed"),
    [
        (timedelta(days=8), False),
        (timedelta(days=7, seconds=1), False),
        (timedelta(days=7), True),
        (timedelta(days=5), True),
        (timedelta(days=3), True),
        (timedelta(days=3) - timedelta(seconds=1), False),
        (timedelta(days=1), False),
        (timedelta(0), False),
    ],
)
def test_a_renewal_may_start_only_3_to_7_days_before_expiry_r_mnt_6(
    before_expiry: timedelta, allowed: bool
) -> None:
    violation = rules.certificate_renewal_violation(expires_at=EXPIRY, start=EXPIRY - before_expiry)

    assert (violation is None) is allowed
    if violation is not None:
        assert violation.rule == "R-MNT-6"
        assert violation.field == "start"


def test_the_renewal_window_is_the_first_weekday_window_of_the_band() -> None:
    window = rules.renewal_window("EMEA", EXPIRY, now=datetime(2027, 6, 1, tzinfo=UTC))

    # Band: 2027-06-11 12:00 UTC … 06-15 12:00 UTC; Friday 06-11 21:00 CEST opens in it.
    assert window is not None
    assert window.start == paris(2027, 6, 11, 21)
    assert rules.certificate_renewal_violation(expires_at=EXPIRY, start=window.start) is None


def test_the_renewal_window_skips_weekend_nights() -> None:
    window = rules.renewal_window("EMEA", EXPIRY, now=paris(2027, 6, 12, 6))

    assert window is not None
    assert window.night == date(2027, 6, 14)  # Monday: Saturday and Sunday nights are skipped


def test_no_renewal_window_once_the_band_has_passed() -> None:
    assert rules.renewal_window("EMEA", EXPIRY, now=EXPIRY - timedelta(days=2)) is None


@pytest.mark.parametrize("region", ["AMER", "APJC", "AUS", "EMEA"])
def test_every_day_of_the_year_has_a_renewal_window_when_scanned_a_week_ahead(region: str) -> None:
    for day in range(365):
        expiry = datetime(2027, 1, 1, 12, tzinfo=UTC) + timedelta(days=day)
        window = rules.renewal_window(region, expiry, now=expiry - timedelta(days=10))

        assert window is not None
        assert rules.certificate_renewal_violation(expires_at=expiry, start=window.start) is None
        assert not window.infrastructure_only


# --- reasons (R-MNT-7, R-MNT-8) --------------------------------------------------------------


@pytest.mark.parametrize(
    "reason", [r for r in UpgradeReason.values if r != "partner_feature_request"]
)
def test_an_upgrade_for_an_operator_reason_passes_r_mnt_7(reason: str) -> None:
    assert (
        rules.reason_violation(kind=ChangeKind.UPGRADE, reason=reason, has_linked_case=False)
        is None
    )


@pytest.mark.parametrize("reason", ["", "customer_asked", "restore_service"])
def test_an_upgrade_without_one_of_the_rule_s_reasons_is_refused_r_mnt_7(reason: str) -> None:
    violation = rules.reason_violation(kind=ChangeKind.UPGRADE, reason=reason, has_linked_case=True)

    assert violation is not None
    assert violation.field == "reason"
    assert violation.rule == "R-MNT-7"


def test_an_upgrade_for_new_features_needs_the_partner_s_tac_case_r_mnt_7() -> None:
    kwargs = {"kind": ChangeKind.UPGRADE, "reason": UpgradeReason.PARTNER_FEATURE_REQUEST}

    violation = rules.reason_violation(**kwargs, has_linked_case=False)

    assert violation is not None
    assert violation.field == "case"
    assert rules.reason_violation(**kwargs, has_linked_case=True) is None


@pytest.mark.parametrize("reason", EmergencyReason.values)
def test_an_emergency_for_one_of_the_four_reasons_passes_r_mnt_8(reason: str) -> None:
    assert (
        rules.reason_violation(kind=ChangeKind.EMERGENCY, reason=reason, has_linked_case=False)
        is None
    )


@pytest.mark.parametrize("reason", ["", "version_below_n_minus_1", "convenience"])
def test_an_emergency_for_another_reason_is_refused_r_mnt_8(reason: str) -> None:
    violation = rules.reason_violation(
        kind=ChangeKind.EMERGENCY, reason=reason, has_linked_case=False
    )

    assert violation is not None
    assert violation.rule == "R-MNT-8"
    assert violation.field == "reason"


def test_exactly_four_emergency_reasons_exist_r_mnt_8() -> None:
    assert len(EmergencyReason.values) == 4


@pytest.mark.parametrize("kind", ["routine", "service_impacting", "infrastructure", "cop_install"])
def test_other_kinds_need_no_reason(kind: str) -> None:
    assert rules.reason_violation(kind=kind, reason="", has_linked_case=False) is None


# --- vulnerability scans (R-MNT-10) ----------------------------------------------------------


def test_the_vulnerability_scan_refusal_explains_the_operator_scans_itself_r_mnt_10() -> None:
    text = str(rules.VULNERABILITY_SCAN_REFUSAL)

    assert "not supported" in text
    assert "penetration tests" in text
    assert "R-MNT-10" not in text  # shown to partners: plain language


# --- status transitions ----------------------------------------------------------------------


def walk(*statuses: str) -> bool:
    return all(rules.can_transition(a, b) for a, b in zip(statuses, statuses[1:], strict=False))


def test_the_operator_path_runs_draft_to_completed() -> None:
    assert walk("draft", "scheduled", "notified", "in_progress", "completed")


def test_the_joint_review_path_runs_submitted_to_completed_r_mnt_9() -> None:
    assert walk(
        "submitted", "under_review", "approved", "scheduled", "notified", "in_progress", "completed"
    )


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("submitted", "approved"),  # review is mandatory
        ("submitted", "scheduled"),
        ("under_review", "scheduled"),
        ("rejected", "scheduled"),
        ("completed", "in_progress"),
        ("cancelled", "scheduled"),
        ("in_progress", "notified"),
    ],
)
def test_skipping_or_reversing_steps_is_refused(current: str, target: str) -> None:
    violation = rules.transition_violation(current, target)

    assert violation is not None
    assert violation.field == "status"


def test_a_refused_review_step_cites_the_joint_review_rule_r_mnt_9() -> None:
    violation = rules.transition_violation("submitted", "scheduled")

    assert violation is not None
    assert violation.rule == "R-MNT-9"


@pytest.mark.parametrize("status", ["completed", "cancelled", "rejected"])
def test_final_statuses_have_no_way_out(status: str) -> None:
    assert rules.CHANGE_TRANSITIONS[status] == frozenset()


def test_every_status_has_a_transition_entry() -> None:
    assert set(rules.CHANGE_TRANSITIONS) == set(ChangeStatus.values)


def test_first_violation_returns_the_first_broken_rule() -> None:
    a = rules.Violation("a", None, "R-MNT-1")
    b = rules.Violation("b", None, "R-MNT-2")

    assert rules.first_violation([None, a, b]) is a
    assert rules.first_violation([None, None]) is None


def test_an_upgrade_is_not_rescheduled_through_the_maintenance_request_r_rel_4() -> None:
    """The once-only upgrade rule (R-REL-4) cannot be bypassed with an R-MNT-5 request."""
    violation = reschedule(kind=ChangeKind.UPGRADE)

    assert violation is not None
    assert violation.rule == "R-REL-4"
    assert "once" in str(violation.message)


# --- named status sets --------------------------------------------------------------------------


def test_the_open_reschedule_statuses_are_those_of_the_one_open_request_constraint_r_mnt_5():
    """The database allows one open reschedule request per change; the set the services, the
    admin and the selectors use is the same one."""
    constraint = next(
        c for c in RescheduleRequest._meta.constraints if c.name == "reschedule_one_open_per_change"
    )
    ((lookup, values),) = constraint.condition.children
    assert lookup == "status__in"
    assert set(values) == set(rules.OPEN_RESCHEDULE_STATUSES)


def test_the_planned_statuses_are_those_of_the_due_start_index():
    index = next(i for i in Change._meta.indexes if i.name == "change_pending_start")
    ((lookup, values),) = index.condition.children
    assert lookup == "status__in"
    assert set(values) == set(rules.PLANNED_STATUSES)


def test_editable_statuses_end_where_the_change_starts_r_mnt_3():
    assert rules.EDITABLE_STATUSES >= rules.KIND_EDITABLE_STATUSES
    assert ChangeStatus.NOTIFIED in rules.EDITABLE_STATUSES
    assert ChangeStatus.NOTIFIED not in rules.KIND_EDITABLE_STATUSES
    assert not rules.EDITABLE_STATUSES & {ChangeStatus.IN_PROGRESS, ChangeStatus.COMPLETED}
    assert not rules.CANCELLABLE_STATUSES & rules.CLOSED_STATUSES
