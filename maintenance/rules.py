"""Pure rules of change management (R-MNT-1 … R-MNT-10). No database.

Each rule is one function that returns a `Violation` (or None when the rule holds), so that a
service can collect every violation of a scheduling request and refuse it with all of them,
each naming its field and citing its rule. Services turn a `Violation` into
`portal.errors.DomainError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from portal.business_time import BusinessCalendarSpec, add_business_days, business_time_between
from portal.errors import Violation

from .choices import ChangeKind, ChangeStatus, EmergencyReason, UpgradeReason
from .windows import Window, next_windows, window_containing, windows_between


def _interpolate(template: str, params: dict[str, object]) -> str:
    return str(template) % params


# Interpolates when the message is shown, so it speaks the language of whoever reads it.
interpolate_lazy = lazy(_interpolate, str)


# --- Kinds ----------------------------------------------------------------------------------

# R-MNT-1 / R-MNT-3: weekend windows serve only the operator's own infrastructure.
WEEKEND_KINDS = frozenset({ChangeKind.INFRASTRUCTURE})

# R-MNT-8: an emergency change may be done at once, outside any window.
WINDOW_EXEMPT_KINDS = frozenset({ChangeKind.EMERGENCY})

# R-MNT-4: the notice rule covers maintenance that interrupts calling capability.
NOTICE_RULE_KINDS = frozenset({ChangeKind.SERVICE_IMPACTING})

# R-MNT-5: urgent or emergency changes (severe security fix, certificates about to expire)
# cannot be rescheduled. Other kinds can be marked urgent on the change itself.
NEVER_RESCHEDULABLE_KINDS = frozenset({ChangeKind.EMERGENCY, ChangeKind.CERTIFICATE_RENEWAL})


def kind_may_use_weekend(kind: str) -> bool:
    """R-MNT-1: only infrastructure changes may use Saturday and Sunday night windows."""
    return kind in WEEKEND_KINDS


def kind_needs_window(kind: str) -> bool:
    """R-MNT-2 / R-MNT-8: every planned change happens in a window; emergencies need not."""
    return kind not in WINDOW_EXEMPT_KINDS


def kind_needs_notice(kind: str) -> bool:
    """R-MNT-4: service-impacting changes need the 10-business-day notice."""
    return kind in NOTICE_RULE_KINDS


def change_is_reschedulable(kind: str, urgent: bool = False) -> bool:
    """R-MNT-5: urgent and emergency changes cannot be rescheduled."""
    return not urgent and kind not in NEVER_RESCHEDULABLE_KINDS


# --- Interval and windows (R-MNT-1, R-MNT-2) ------------------------------------------------


def interval_violation(start: datetime | None, end: datetime | None) -> Violation | None:
    """A change needs a start and an end after it."""
    if start is None:
        return Violation(_("A change needs a start."), "start", "R-MNT-2")
    if end is None:
        return Violation(_("A change needs an end."), "end", "R-MNT-2")
    if end <= start:
        return Violation(_("The end must be after the start."), "end", "R-MNT-2")
    return None


def window_violation(
    *, region: str, kind: str, start: datetime, end: datetime, allow_weekend: bool = False
) -> Violation | None:
    """Whether [start, end] fits inside one window of `region` the change's kind may use.

    R-MNT-2: every planned change happens inside a window of the affected region.
    R-MNT-1: weekend windows are for infrastructure only. R-MNT-8: emergencies are exempt.
    `allow_weekend`: R-MNT-5 lets staff offer weekend alternatives to a reschedule request;
    a weekend window the partner picked from those is allowed (Decision).
    """
    if not kind_needs_window(kind):
        return None
    window = window_containing(region, start, end)
    if window is None:
        return Violation(
            interpolate_lazy(
                _(
                    "The change must lie inside one maintenance window of region %(region)s "
                    "(21:00–06:00 local time) (R-MNT-2)."
                ),
                {"region": region},
            ),
            "start",
            "R-MNT-2",
        )
    if window.infrastructure_only and not (allow_weekend or kind_may_use_weekend(kind)):
        return Violation(
            _(
                "Weekend windows (Saturday and Sunday nights) are reserved for infrastructure "
                "changes (R-MNT-1)."
            ),
            "start",
            "R-MNT-1",
        )
    return None


def effective_region(customer_region: str, sme_publisher_region: str | None = None) -> str:
    """R-MNT-2: SME group maintenance follows the SME publisher's region, not the customer's."""
    return sme_publisher_region or customer_region


def intervals_overlap(
    a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime
) -> bool:
    """Half-open overlap: a change ending at 23:00 does not clash with one starting at 23:00."""
    return a_start < b_end and b_start < a_end


def overlap_violation(customer_name: str, other_title: str) -> Violation:
    """Conflict detection: two changes may not overlap on the same customer (R-MNT-2)."""
    return Violation(
        interpolate_lazy(
            _("It overlaps the change “%(title)s” on customer %(customer)s (R-MNT-2)."),
            {"title": other_title, "customer": customer_name},
        ),
        "start",
        "R-MNT-2",
    )


# --- Notice (R-MNT-4) -------------------------------------------------------------------------

NOTICE_BUSINESS_DAYS = 10


def notice_is_sufficient(
    spec: BusinessCalendarSpec,
    notice_at: datetime,
    start: datetime,
    business_days: int = NOTICE_BUSINESS_DAYS,
) -> bool:
    """R-MNT-4: at least `business_days` business days between the notice and the start.

    Counted on the customer region's business calendar (working hours, weekends, holidays).
    """
    if start <= notice_at:
        return False
    return business_time_between(spec, notice_at, start) >= spec.business_day * business_days


def earliest_start_after_notice(
    spec: BusinessCalendarSpec, notice_at: datetime, business_days: int = NOTICE_BUSINESS_DAYS
) -> datetime:
    """The earliest start a notice sent at `notice_at` allows (R-MNT-4)."""
    return add_business_days(spec, notice_at, business_days)


def notice_violation(
    *,
    kind: str,
    spec: BusinessCalendarSpec,
    notice_at: datetime,
    start: datetime,
    business_days: int = NOTICE_BUSINESS_DAYS,
) -> Violation | None:
    """R-MNT-4 as a violation; kinds outside the rule always pass."""
    if not kind_needs_notice(kind) or notice_is_sufficient(spec, notice_at, start, business_days):
        return None
    return Violation(
        interpolate_lazy(
            _(
                "A service-impacting change needs written notice at least %(days)s business "
                "days before it starts (R-MNT-4)."
            ),
            {"days": business_days},
        ),
        "start",
        "R-MNT-4",
    )


# --- Reschedule (R-MNT-5) ----------------------------------------------------------------------

RESCHEDULE_PERIOD = timedelta(days=3)


def reschedule_deadline(notice_sent_at: datetime) -> datetime:
    """R-MNT-5 (Decision): requests are accepted until 3 calendar days after the notice."""
    return notice_sent_at + RESCHEDULE_PERIOD


def reschedule_violation(
    *,
    kind: str,
    urgent: bool,
    notice_sent_at: datetime | None,
    now: datetime,
    reason: str,
) -> Violation | None:
    """Whether a partner may ask to reschedule a change now (R-MNT-5)."""
    if kind == ChangeKind.UPGRADE:
        # R-REL-4: an upgrade is rescheduled through its own rule (once, up to a week before).
        return Violation(
            _(
                "Upgrades are rescheduled from the upgrade itself: once, up to one week before "
                "it starts (R-REL-4)."
            ),
            "non_field_errors",
            "R-REL-4",
        )
    if not change_is_reschedulable(kind, urgent):
        return Violation(
            _("Urgent and emergency changes cannot be rescheduled (R-MNT-5)."),
            "non_field_errors",
            "R-MNT-5",
        )
    if notice_sent_at is None:
        return Violation(
            _("A change can be rescheduled only after its notice is sent (R-MNT-5)."),
            "non_field_errors",
            "R-MNT-5",
        )
    if now > reschedule_deadline(notice_sent_at):
        return Violation(
            _(
                "Reschedule requests are accepted only until 3 calendar days after the notice "
                "was sent (R-MNT-5)."
            ),
            "non_field_errors",
            "R-MNT-5",
        )
    if not (reason or "").strip():
        return Violation(
            _("A reschedule request must give a detailed reason (R-MNT-5)."),
            "reason",
            "R-MNT-5",
        )
    return None


# --- Certificates (R-MNT-6) ---------------------------------------------------------------------

RENEWAL_EARLIEST_BEFORE_EXPIRY = timedelta(days=7)
RENEWAL_LATEST_BEFORE_EXPIRY = timedelta(days=3)


def renewal_band(expires_at: datetime) -> tuple[datetime, datetime]:
    """R-MNT-6: a renewal may start only 3 to 7 days before expiry (both borders included)."""
    return expires_at - RENEWAL_EARLIEST_BEFORE_EXPIRY, expires_at - RENEWAL_LATEST_BEFORE_EXPIRY


def certificate_renewal_violation(*, expires_at: datetime, start: datetime) -> Violation | None:
    earliest, latest = renewal_band(expires_at)
    if earliest <= start <= latest:
        return None
    return Violation(
        _("A certificate renewal may be scheduled only 3 to 7 days before expiry (R-MNT-6)."),
        "start",
        "R-MNT-6",
    )


def renewal_window(region: str, expires_at: datetime, now: datetime) -> Window | None:
    """The first weekday window in the renewal band that opens at or after `now` (R-MNT-6).

    Certificate renewals are not infrastructure, so weekend windows are left out (R-MNT-1).
    None when no window of the band is still ahead (the daily scan then reports it).
    """
    earliest, latest = renewal_band(expires_at)
    for window in next_windows(region, max(now, earliest), 1):
        if window.start <= latest:
            return window
    return None


# --- Reasons (R-MNT-7, R-MNT-8) ---------------------------------------------------------------


def reason_violation(*, kind: str, reason: str, has_linked_case: bool) -> Violation | None:
    """Upgrades and emergency changes need one of their rule's reasons.

    R-MNT-7: the operator upgrades only for a vulnerability, a version lower than n-1 or near
    end of life, or the partner's feature request made through a TAC case (so that reason needs
    a linked case). R-MNT-8: an emergency change is made only for one of four reasons.
    """
    if kind == ChangeKind.UPGRADE:
        if reason not in UpgradeReason.values:
            return Violation(
                _(
                    "An upgrade needs one of the reasons: security vulnerability, version lower "
                    "than n-1 or approaching end of life, or a partner feature request "
                    "(R-MNT-7)."
                ),
                "reason",
                "R-MNT-7",
            )
        if reason == UpgradeReason.PARTNER_FEATURE_REQUEST and not has_linked_case:
            return Violation(
                _(
                    "An upgrade for new features must be linked to the partner's TAC case (R-MNT-7)."
                ),
                "case",
                "R-MNT-7",
            )
    elif kind == ChangeKind.EMERGENCY and reason not in EmergencyReason.values:
        return Violation(
            _(
                "An emergency change needs one of the reasons: restore service, reduce an "
                "outage's impact, prevent a possible outage, or fix a security "
                "vulnerability (R-MNT-8)."
            ),
            "reason",
            "R-MNT-8",
        )
    return None


# --- Vulnerability scans (R-MNT-10) -------------------------------------------------------------

VULNERABILITY_SCAN_REFUSAL = _(
    "Vulnerability scanning of the dedicated instance by partners or customers is not "
    "supported: the operator runs its own vulnerability scanning and independent penetration "
    "tests of the instance (R-MNT-10)."
)


# --- Status transitions -------------------------------------------------------------------------

S = ChangeStatus
CHANGE_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SCHEDULED, S.NOTIFIED, S.CANCELLED}),
    # R-MNT-9: joint review of partner-requested changes.
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.CANCELLED}),
    S.UNDER_REVIEW: frozenset({S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.SCHEDULED, S.CANCELLED}),
    S.REJECTED: frozenset(),
    S.SCHEDULED: frozenset({S.NOTIFIED, S.IN_PROGRESS, S.CANCELLED, S.SCHEDULED}),
    S.NOTIFIED: frozenset({S.IN_PROGRESS, S.CANCELLED, S.NOTIFIED}),
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}
del S

OPEN_STATUSES = frozenset(
    {
        ChangeStatus.SCHEDULED,
        ChangeStatus.NOTIFIED,
        ChangeStatus.IN_PROGRESS,
    }
)


_REVIEW_STATUSES = frozenset(
    {
        ChangeStatus.SUBMITTED,
        ChangeStatus.UNDER_REVIEW,
        ChangeStatus.APPROVED,
        ChangeStatus.REJECTED,
    }
)


def can_transition(current: str, target: str) -> bool:
    return target in CHANGE_TRANSITIONS.get(current, frozenset())


def transition_violation(current: str, target: str) -> Violation | None:
    if can_transition(current, target):
        return None
    return Violation(
        interpolate_lazy(
            _("A change cannot go from %(current)s to %(target)s."),
            {"current": ChangeStatus(current).label, "target": ChangeStatus(target).label},
        ),
        "status",
        "R-MNT-9" if current in _REVIEW_STATUSES else "R-MNT-3",
    )


# --- Alternatives for a reschedule (R-MNT-5) ------------------------------------------------------

ALTERNATIVES_HORIZON = timedelta(days=28)


def alternative_windows(
    region: str, after: datetime, weekday: int = 3, weekend: int = 2
) -> list[Window]:
    """Candidate windows staff may offer: the next weekday and weekend nights (R-MNT-5).

    Only windows that open at or after `after` count, in order of start.
    """
    upcoming = [w for w in windows_between(region, after, after + ALTERNATIVES_HORIZON)]
    upcoming = [w for w in upcoming if w.start >= after]
    weekdays = [w for w in upcoming if not w.infrastructure_only][:weekday]
    weekends = [w for w in upcoming if w.infrastructure_only][:weekend]
    return sorted(weekdays + weekends, key=lambda w: w.start)


def first_violation(violations: Iterable[Violation | None]) -> Violation | None:
    """The first rule broken, in the order the caller checks them."""
    return next((v for v in violations if v is not None), None)
