"""Pure rules of TAC cases (DOMAIN.md R-CASE-3 … R-CASE-12).

No database here: every function takes plain values, so each rule is tested exhaustively and
every face (admin, portal, API, sweep) calls the same function.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

from portal.business_time import BusinessCalendarSpec, add_business_time, business_time_between
from portal.errors import Violation

from .choices import Clock, Impact, Severity, Status, Urgency

# --- R-CASE-5: severity = matrix(urgency, impact) -------------------------------------------

_I, _U, _S = Impact, Urgency, Severity
SEVERITY_MATRIX: dict[tuple[Urgency, Impact], Severity] = {
    (_U.CRITICAL, _I.WIDESPREAD): _S.S1,
    (_U.CRITICAL, _I.LARGE): _S.S1,
    (_U.CRITICAL, _I.LOCALIZED): _S.S2,
    (_U.CRITICAL, _I.INDIVIDUALIZED): _S.S3,
    (_U.HIGH, _I.WIDESPREAD): _S.S1,
    (_U.HIGH, _I.LARGE): _S.S2,
    (_U.HIGH, _I.LOCALIZED): _S.S2,
    (_U.HIGH, _I.INDIVIDUALIZED): _S.S3,
    (_U.MEDIUM, _I.WIDESPREAD): _S.S2,
    (_U.MEDIUM, _I.LARGE): _S.S3,
    (_U.MEDIUM, _I.LOCALIZED): _S.S3,
    (_U.MEDIUM, _I.INDIVIDUALIZED): _S.S3,
    (_U.LOW, _I.WIDESPREAD): _S.S4,
    (_U.LOW, _I.LARGE): _S.S4,
    (_U.LOW, _I.LOCALIZED): _S.S4,
    (_U.LOW, _I.INDIVIDUALIZED): _S.S4,
}


def severity_for(*, urgency: str, impact: str) -> Severity:
    """The severity of a case from its urgency and impact (R-CASE-5)."""
    return SEVERITY_MATRIX[(Urgency(urgency), Impact(impact))]


# --- R-CASE-3: impact from the affected share --------------------------------------------------


# Each level above its lower bound, highest first: the share must be *greater* than the bound
# (Decision: exactly 3/4 is large, exactly 1/2 localized, exactly 1/4 individualized).
IMPACT_LOWER_BOUNDS: tuple[tuple[Fraction, Impact], ...] = (
    (Fraction(3, 4), _I.WIDESPREAD),
    (Fraction(1, 2), _I.LARGE),
    (Fraction(1, 4), _I.LOCALIZED),
)
# The stored share keeps this many decimal places (the impact is derived from the exact value);
# 15 places of a number in [0, 1] survive a round trip through a double (DBL_DIG).
SHARE_DECIMAL_PLACES = 15


def exact_share(share: float | Decimal | Fraction | int | str) -> Fraction:
    """The affected share as an exact fraction, checked to lie in [0, 1] (R-CASE-3).

    A float is read as the decimal it was written as (``0.7501`` is 7501/10000, not the
    binary value nearest to it). Raises TypeError for a boolean and ValueError for anything
    else that is not a number in [0, 1].
    """
    if isinstance(share, bool) or share is None:
        raise TypeError("The affected share must be a number.")
    try:
        if isinstance(share, float | str):
            exact = Fraction(Decimal(str(share).strip()))
        else:
            exact = Fraction(share)
    except (ArithmeticError, TypeError, ValueError):
        raise ValueError("The affected share must be a number.") from None
    if not 0 <= exact <= 1:
        raise ValueError("The affected share must lie between 0 and 1.")
    return exact


def impact_for_share(share: float | Decimal | Fraction | int | str) -> Impact:
    """The impact level of an affected share between 0 and 1 (R-CASE-3).

    Decision (R-CASE-3): exactly 3/4 is ``large``, exactly 1/2 is ``localized``, exactly 1/4
    is ``individualized``: each boundary belongs to the lower level. The share is compared
    exactly (as a fraction) at any precision, so 0.75 is ``large`` and 0.7501 ``widespread``.
    """
    exact = exact_share(share)
    for bound, impact in IMPACT_LOWER_BOUNDS:
        if exact > bound:
            return impact
    return Impact.INDIVIDUALIZED


def share_for_storage(share: float | Decimal | Fraction | int | str) -> Decimal:
    """The share as stored (``SHARE_DECIMAL_PLACES`` places), on the same impact level.

    Rounded up: every bound is exact at that precision, so a share just above a bound stays
    above it (0.75 followed by 25 zeros and a 1 is stored as 0.75…01, still widespread).
    """
    exact = exact_share(share)
    places = 10**SHARE_DECIMAL_PLACES
    numerator = -((-exact.numerator * places) // exact.denominator)  # ceiling
    return Decimal(numerator).scaleb(-SHARE_DECIMAL_PLACES)


# --- R-CASE-6: severity order and escalation -----------------------------------------------

SEVERITY_RANK: dict[Severity, int] = {_S.S1: 1, _S.S2: 2, _S.S3: 3, _S.S4: 4}


def is_raise(current: str, requested: str) -> bool:
    """True when ``requested`` is a higher severity than ``current`` (S1 is the highest).

    A partner's escalation request must be a raise (R-CASE-6); staff may move either way.
    """
    return SEVERITY_RANK[Severity(requested)] < SEVERITY_RANK[Severity(current)]


# --- R-CASE-7 / R-CASE-8: response objectives and due times ----------------------------------


@dataclass(frozen=True)
class ResponseObjective:
    """Time for the operator to acknowledge a case of one severity (R-CASE-7)."""

    clock: Clock
    wall: timedelta | None = None  # 24x7 objectives
    business_days: int = 0  # business-time objectives, in days of the calendar

    def duration(self, spec: BusinessCalendarSpec) -> timedelta:
        """The objective as a duration on its clock (business days depend on the calendar)."""
        if self.clock == Clock.WALL:
            assert self.wall is not None
            return self.wall
        return spec.business_day * self.business_days


RESPONSE_OBJECTIVES: dict[Severity, ResponseObjective] = {
    _S.S1: ResponseObjective(Clock.WALL, wall=timedelta(minutes=15)),
    _S.S2: ResponseObjective(Clock.WALL, wall=timedelta(minutes=30)),
    _S.S3: ResponseObjective(Clock.BUSINESS, business_days=1),
    _S.S4: ResponseObjective(Clock.BUSINESS, business_days=3),
}

DEFAULT_WARNING_FRACTION = 0.8


def response_objective(severity: str) -> ResponseObjective:
    return RESPONSE_OBJECTIVES[Severity(severity)]


def _aware_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone).")
    return value.astimezone(UTC)


def _due_after(
    severity: str, opened_at: datetime, spec: BusinessCalendarSpec, fraction: Fraction
) -> datetime:
    objective = response_objective(severity)
    start = _aware_utc(opened_at, "opened_at")
    duration = objective.duration(spec) * fraction.numerator / fraction.denominator
    duration = timedelta(seconds=round(duration.total_seconds()))  # whole seconds
    if objective.clock == Clock.WALL:
        return start + duration
    return add_business_time(spec, start, duration)


def response_due_at(severity: str, opened_at: datetime, spec: BusinessCalendarSpec) -> datetime:
    """When the acknowledgement is due (R-CASE-7), in UTC.

    S1/S2 run on the 24x7 wall clock; S3/S4 on the business calendar of the customer's region
    (R-CASE-8). Recomputing after a severity change uses the same ``opened_at`` (R-CASE-7
    decision), so a raise can make a case overdue at once.
    """
    return _due_after(severity, opened_at, spec, Fraction(1))


def warning_at(
    severity: str,
    opened_at: datetime,
    spec: BusinessCalendarSpec,
    fraction: float | Decimal | Fraction = DEFAULT_WARNING_FRACTION,
) -> datetime:
    """When a not-yet-acknowledged case gets its one warning: at ``fraction`` of the objective
    (default 80 %), measured on the objective's own clock (R-CASE-10)."""
    exact = Fraction(str(fraction)) if isinstance(fraction, float) else Fraction(fraction)
    if not 0 < exact < 1:
        raise ValueError("The warning fraction must lie strictly between 0 and 1.")
    return _due_after(severity, opened_at, spec, exact)


def objective_met(*, acknowledged_at: datetime, due_at: datetime) -> bool:
    """Met when the acknowledgement happens at or before the due time (R-CASE-7)."""
    return acknowledged_at <= due_at


# --- R-CASE-7: SLO attainment ------------------------------------------------------------------

# The provider's standard: S3 and S4 acknowledged in time at least 95 % of the time.
SLO_TARGET_PERCENT: dict[Severity, Decimal] = {_S.S3: Decimal(95), _S.S4: Decimal(95)}


def attainment_percent(*, met: int, breached: int) -> Decimal | None:
    """Share of cases that met the objective, in percent with one decimal; None without data."""
    total = met + breached
    if total == 0:
        return None
    return (Decimal(100) * met / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def attainment_meets_target(severity: str, percent: Decimal | None) -> bool | None:
    """Whether an attainment meets the severity's target; None when there is no target/data."""
    target = SLO_TARGET_PERCENT.get(Severity(severity))
    if target is None or percent is None:
        return None
    return percent >= target


# --- R-CASE-12: lifecycle ------------------------------------------------------------------------

_St = Status
# The lifecycle as DOMAIN.md decides it: new → acknowledged → in_progress ⇄ awaiting_partner
# → monitoring → resolved → closed, where
# - awaiting_partner is entered only from in_progress (Decision);
# - monitoring is optional: in_progress → resolved (Decision), and the chain's
#   in_progress/awaiting_partner → monitoring;
# - a recurrence reported during monitoring returns the case to in_progress (Decision), and
#   monitoring ends in resolved (by staff, or by itself when the period ends);
# - a resolved case may be reopened (back to in_progress) or closed; closed is final.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    _St.NEW: frozenset({_St.ACKNOWLEDGED}),
    _St.ACKNOWLEDGED: frozenset({_St.IN_PROGRESS}),
    _St.IN_PROGRESS: frozenset({_St.AWAITING_PARTNER, _St.MONITORING, _St.RESOLVED}),
    _St.AWAITING_PARTNER: frozenset({_St.IN_PROGRESS, _St.MONITORING}),
    _St.MONITORING: frozenset({_St.IN_PROGRESS, _St.RESOLVED}),
    _St.RESOLVED: frozenset({_St.IN_PROGRESS, _St.CLOSED}),
    _St.CLOSED: frozenset(),
}

# What a partner user may do himself; every other move is the operator's.
# awaiting_partner -> in_progress: the partner answered; monitoring -> in_progress: the partner
# reports a recurrence; resolved -> in_progress: reopen; resolved -> closed: the partner
# confirms the fix.
PARTNER_TRANSITIONS: frozenset[tuple[Status, Status]] = frozenset(
    {
        (_St.AWAITING_PARTNER, _St.IN_PROGRESS),
        (_St.MONITORING, _St.IN_PROGRESS),
        (_St.RESOLVED, _St.IN_PROGRESS),
        (_St.RESOLVED, _St.CLOSED),
    }
)

OPEN_STATUSES: frozenset[Status] = frozenset(set(Status) - {_St.RESOLVED, _St.CLOSED})
# R-CASE-9: while a case waits on the partner the clock is paused (shown apart).
PAUSED_STATUSES: frozenset[Status] = frozenset({_St.AWAITING_PARTNER})
# Escalation requests make sense only while the operator is still working on the case.
ESCALATION_STATUSES: frozenset[Status] = frozenset(
    {_St.NEW, _St.ACKNOWLEDGED, _St.IN_PROGRESS, _St.AWAITING_PARTNER, _St.MONITORING}
)

DEFAULT_REOPEN_PERIOD = timedelta(days=14)
DEFAULT_MONITORING_DAYS = 7
MAX_MONITORING_DAYS = 90


def transition_allowed(current: str, target: str) -> bool:
    """True when R-CASE-12 allows moving from ``current`` to ``target``."""
    return Status(target) in TRANSITIONS[Status(current)]


def partner_may_transition(current: str, target: str) -> bool:
    """True when a partner user (not only staff) may make this move (R-CASE-12)."""
    return (Status(current), Status(target)) in PARTNER_TRANSITIONS


def is_reopen(current: str, target: str) -> bool:
    return Status(current) == _St.RESOLVED and Status(target) == _St.IN_PROGRESS


def reopen_allowed(
    *, resolved_at: datetime, now: datetime, period: timedelta = DEFAULT_REOPEN_PERIOD
) -> bool:
    """A resolved case may be reopened within ``period`` of its resolution (R-CASE-12)."""
    return now <= resolved_at + period


def can_request_escalation(status: str) -> bool:
    return Status(status) in ESCALATION_STATUSES


def is_recurrence(current: str, target: str) -> bool:
    """A monitored problem came back: monitoring → in progress (R-CASE-12)."""
    return Status(current) == _St.MONITORING and Status(target) == _St.IN_PROGRESS


def monitoring_days_allowed(days: int) -> bool:
    """Staff set the monitoring period in whole days, 1 to ``MAX_MONITORING_DAYS``."""
    return not isinstance(days, bool) and 1 <= days <= MAX_MONITORING_DAYS


def monitoring_ends_at(*, start: datetime, days: int) -> datetime:
    """The end of a monitoring period of ``days`` from ``start`` (R-CASE-12); wall-clock days,
    since stability is observed around the clock."""
    return _aware_utc(start, "start") + timedelta(days=days)


def monitoring_over(*, monitoring_until: datetime | None, now: datetime) -> bool:
    """The monitoring period has ended: the case resolves itself (R-CASE-12)."""
    return monitoring_until is not None and monitoring_until <= now


# --- R-CASE-9: the status and action plan ------------------------------------------------------

# While a case waits on the partner (or is resolved, until it is reopened) the plan's clock
# stands still; it runs in every other open state after the acknowledgement.
PLAN_CLOCK_STOPPED: frozenset[Status] = frozenset({_St.AWAITING_PARTNER, _St.RESOLVED})
PLAN_CLOCK_RUNNING: frozenset[Status] = frozenset(
    {_St.ACKNOWLEDGED, _St.IN_PROGRESS, _St.MONITORING}
)


def plan_clock_runs(status: str) -> bool:
    return Status(status) in PLAN_CLOCK_RUNNING


def _on_clock_between(
    objective: ResponseObjective, spec: BusinessCalendarSpec, start: datetime, end: datetime
) -> timedelta:
    if objective.clock == Clock.WALL:
        return end - start
    return business_time_between(spec, start, end)


def _on_clock_add(
    objective: ResponseObjective, spec: BusinessCalendarSpec, start: datetime, duration: timedelta
) -> datetime:
    if objective.clock == Clock.WALL:
        return start + duration
    return add_business_time(spec, start, duration)


def action_plan_due_at(
    severity: str,
    acknowledged_at: datetime,
    spec: BusinessCalendarSpec,
    pauses: Iterable[tuple[datetime, datetime]] = (),
) -> datetime:
    """When the status and action plan are due (R-CASE-9 Decision), in UTC.

    One objective interval (R-CASE-7) after the acknowledgement, on the severity's clock
    (24x7 for S1/S2, business time on the region's calendar for S3/S4), not counting the
    ``pauses`` (closed intervals spent waiting on the partner or resolved).
    """
    objective = response_objective(severity)
    remaining = objective.duration(spec)
    cursor = _aware_utc(acknowledged_at, "acknowledged_at")
    for start, end in sorted((_aware_utc(a, "pause"), _aware_utc(b, "pause")) for a, b in pauses):
        if end <= cursor:
            continue
        start = max(start, cursor)
        active = _on_clock_between(objective, spec, cursor, start)
        if active >= remaining:
            break  # due before this pause began
        remaining -= active
        cursor = end
    return _on_clock_add(objective, spec, cursor, remaining)


# --- R-CASE-10: the escalation chain after a breach --------------------------------------------

#: The levels the sweep raises after the breach (level 1): the duty manager, the head of support.
DUTY_MANAGER_LEVEL = 2
HEAD_OF_SUPPORT_LEVEL = 3


def escalation_due_at(
    severity: str, response_due_at: datetime, spec: BusinessCalendarSpec, level: int
) -> datetime:
    """When escalation ``level`` (2 or 3) is due if the case is still not acknowledged
    (R-CASE-10 Decision), in UTC.

    The breach happens at the response due time (level 1); each further level comes one more
    objective interval (R-CASE-7) later, on the severity's clock: 24x7 for S1/S2, business
    time of the region's calendar for S3/S4. Counted from the due time, not from when a sweep
    noticed the breach, so a late sweep does not push the chain back.
    """
    if level not in (DUTY_MANAGER_LEVEL, HEAD_OF_SUPPORT_LEVEL):
        raise ValueError("Escalation levels after the breach are 2 and 3.")
    objective = response_objective(severity)
    start = _aware_utc(response_due_at, "response_due_at")
    return _on_clock_add(objective, spec, start, objective.duration(spec) * (level - 1))


def action_plan_overdue(
    *,
    status: str,
    due_at: datetime | None,
    plan_given_at: datetime | None,
    now: datetime,
) -> bool:
    """No plan given by its due time while the clock runs (R-CASE-9)."""
    return (
        plan_given_at is None and due_at is not None and plan_clock_runs(status) and due_at <= now
    )


# --- R-CASE-11: channels and opening time ----------------------------------------------------


def phone_recommended(severity: str) -> bool:
    """For S1 and S2 the source recommends the phone; S3/S4 are for the web (R-CASE-11)."""
    return Severity(severity) in (_S.S1, _S.S2)


def opened_at_allowed(*, opened_at: datetime, now: datetime) -> bool:
    """A recorded opening time may not lie in the future (R-CASE-11)."""
    return opened_at <= now


def notify_partner_proactively(severity: str) -> bool:
    """S1/S2: the partner's contacts are e-mailed on opening and on breach (R-CASE-10)."""
    return Severity(severity) in (_S.S1, _S.S2)


# --- what a partner may do with a case now: one answer for pages, API and admin --------------


@dataclass(frozen=True)
class PartnerActions:
    """The moves a partner user may make on a case at ``now`` (R-CASE-6, R-CASE-12). The
    services check each move with the same rules; pages and the API only show these."""

    escalate: bool
    resume: bool
    reopen: bool
    close: bool
    report_recurrence: bool
    reopen_until: datetime | None

    def as_dict(self) -> dict[str, bool]:
        return {
            "escalate": self.escalate,
            "resume": self.resume,
            "reopen": self.reopen,
            "close": self.close,
            "report_recurrence": self.report_recurrence,
        }


def partner_actions(
    case: Any, now: datetime, *, reopen_period: timedelta = DEFAULT_REOPEN_PERIOD
) -> PartnerActions:
    """What a partner may do with ``case`` (anything with ``status``, ``severity`` and
    ``resolved_at``) at ``now``."""
    status = Status(case.status)
    reopen_until = (
        case.resolved_at + reopen_period
        if status == _St.RESOLVED and case.resolved_at is not None
        else None
    )
    return PartnerActions(
        escalate=can_request_escalation(status)
        and any(is_raise(case.severity, s) for s in Severity),
        resume=partner_may_transition(status, _St.IN_PROGRESS) and status in PAUSED_STATUSES,
        reopen=reopen_until is not None
        and partner_may_transition(status, _St.IN_PROGRESS)
        and reopen_allowed(resolved_at=case.resolved_at, now=now, period=reopen_period),
        close=partner_may_transition(status, _St.CLOSED),
        report_recurrence=is_recurrence(status, _St.IN_PROGRESS)
        and partner_may_transition(status, _St.IN_PROGRESS),
        reopen_until=reopen_until,
    )


# --- who hears of a case: its reporting contact and watchers (R-CASE-1, R-NOT-1) -------------


def case_contact_violation(
    *,
    field: str,
    contact_partner_id: int,
    contact_customer_id: int | None,
    case_partner_id: int,
    case_customer_id: int,
    rule: str = "R-NOT-1",
) -> Violation | None:
    """A case's reporting contact or watcher is a contact of the case's partner: a
    partner-wide one, or one of the case's own customer (a customer's contact hears only of
    that customer, R-NOT-1). Another partner's contact reads as one that does not exist."""
    if contact_partner_id != case_partner_id:
        return Violation(_("This contact does not exist."), field, rule)
    if contact_customer_id is not None and contact_customer_id != case_customer_id:
        return Violation(
            _("This contact receives only another customer's messages."), field, rule
        )
    return None
