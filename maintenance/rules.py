"""Pure rules of change management (R-MNT-1 … R-MNT-14). No database.

Each rule is one function that returns a `Violation` (or None when the rule holds), so that a
service can collect every violation of a scheduling request and refuse it with all of them,
each naming its field and citing its rule. Services turn a `Violation` into
`portal.errors.DomainError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Protocol

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from portal.business_time import BusinessCalendarSpec, add_business_days, business_time_between
from portal.choices import Application, Region
from portal.errors import Violation

from .choices import (
    ChangeKind,
    ChangeStatus,
    EmergencyReason,
    OutageUpdateStatus,
    RescheduleStatus,
    UpgradeReason,
)
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

# R-MNT-5 (Decision): an alternative may be a weekend window only for an infrastructure change
# or an upgrade (the source names weekends for the alternatives of upgrades).
WEEKEND_ALTERNATIVE_KINDS = frozenset({ChangeKind.INFRASTRUCTURE, ChangeKind.UPGRADE})

# R-REL-4 (Decision): the maintenance notice of an upgrade reaches the partner and the customer
# at least 10 calendar days before the change window.
UPGRADE_NOTICE_DAYS = 10

# R-MNT-5: urgent or emergency changes (severe security fix, certificates about to expire)
# cannot be rescheduled. Other kinds can be marked urgent on the change itself.
NEVER_RESCHEDULABLE_KINDS = frozenset({ChangeKind.EMERGENCY, ChangeKind.CERTIFICATE_RENEWAL})


def kind_may_use_weekend(kind: str) -> bool:
    """R-MNT-1: only infrastructure changes may use Saturday and Sunday night windows."""
    return kind in WEEKEND_KINDS


def kind_needs_window(kind: str) -> bool:
    """R-MNT-2 / R-MNT-8: every planned change happens in a window; emergencies need not."""
    return kind not in WINDOW_EXEMPT_KINDS


def kind_needs_notice(kind: str, interrupts_calling: bool = False) -> bool:
    """R-MNT-4: maintenance that interrupts calling needs the 10-business-day notice:
    service-impacting changes, and (R-REL-4) an upgrade that interrupts calling."""
    return kind in NOTICE_RULE_KINDS or (kind == ChangeKind.UPGRADE and interrupts_calling)


def kind_may_be_offered_weekend(kind: str) -> bool:
    """R-MNT-5 (Decision): weekend alternatives only for infrastructure changes and upgrades."""
    return kind in WEEKEND_ALTERNATIVE_KINDS


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


def future_start_violation(*, kind: str, start: datetime, now: datetime) -> Violation | None:
    """R-MNT-2 (Decision): a planned change starts in the future when it is scheduled.
    An emergency change may start at once (R-MNT-8)."""
    if not kind_needs_window(kind) or start > now:
        return None
    return Violation(_("A planned change must start in the future."), "start", "R-MNT-2")


def record_violation(*, kind: str, start: datetime | None, now: datetime) -> Violation | None:
    """R-MNT-2 (Decision): a planned change is recorded as started or completed only at or
    after its start; an emergency change may start at once (R-MNT-8)."""
    if not kind_needs_window(kind) or start is None or now >= start:
        return None
    return Violation(
        _(
            "A planned change can be recorded as started or completed only at or after its "
            "start."
        ),
        "status",
        "R-MNT-2",
    )


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
                    "(21:00–06:00 local time)."
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
                "changes."
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
            _("It overlaps the change “%(title)s” on customer %(customer)s."),
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
    interrupts_calling: bool = False,
) -> Violation | None:
    """R-MNT-4 and R-REL-4 as a violation; kinds outside both rules always pass.

    R-REL-4: an upgrade's notice goes out at least 10 calendar days before its window; an
    upgrade that interrupts calling also needs R-MNT-4's 10 business days.
    """
    if kind == ChangeKind.UPGRADE and start - notice_at < timedelta(days=UPGRADE_NOTICE_DAYS):
        return Violation(
            interpolate_lazy(
                _(
                    "An upgrade needs its maintenance notice at least %(days)s days before "
                    "its window."
                ),
                {"days": UPGRADE_NOTICE_DAYS},
            ),
            "start",
            "R-REL-4",
        )
    if not kind_needs_notice(kind, interrupts_calling) or notice_is_sufficient(
        spec, notice_at, start, business_days
    ):
        return None
    return Violation(
        interpolate_lazy(
            _(
                "Maintenance that interrupts calling needs written notice at least %(days)s "
                "business days before it starts."
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
                "it starts."
            ),
            "non_field_errors",
            "R-REL-4",
        )
    if not change_is_reschedulable(kind, urgent):
        return Violation(
            _("Urgent and emergency changes cannot be rescheduled."),
            "non_field_errors",
            "R-MNT-5",
        )
    if notice_sent_at is None:
        return Violation(
            _("A change can be rescheduled only after its notice is sent."),
            "non_field_errors",
            "R-MNT-5",
        )
    if now > reschedule_deadline(notice_sent_at):
        return Violation(
            _(
                "Reschedule requests are accepted only until 3 calendar days after the notice "
                "was sent."
            ),
            "non_field_errors",
            "R-MNT-5",
        )
    if not (reason or "").strip():
        return Violation(
            _("A reschedule request must give a detailed reason."),
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
        _("A certificate renewal may be scheduled only 3 to 7 days before expiry."),
        "start",
        "R-MNT-6",
    )


def certificate_link_violation(
    *,
    kind: str,
    certificate_customer_id: int | None,
    customer_ids: Iterable[int],
    linked_change_id: int | None,
    linked_change_open: bool,
    change_id: int | None = None,
) -> Violation | None:
    """R-MNT-6: a certificate renewal names a certificate of one of its customers, and
    linking it never re-points a certificate another open change already renews.

    ``certificate_customer_id`` is None when no certificate is named.
    """
    if certificate_customer_id is None:
        if kind == ChangeKind.CERTIFICATE_RENEWAL:
            return Violation(
                _("A certificate renewal must name the certificate it renews."),
                "certificate",
                "R-MNT-6",
            )
        return None
    if kind != ChangeKind.CERTIFICATE_RENEWAL:
        return Violation(
            _("Only a certificate renewal names a certificate."),
            "certificate",
            "R-MNT-6",
        )
    if certificate_customer_id not in set(customer_ids):
        return Violation(
            _("The certificate must belong to one of the change's customers."),
            "certificate",
            "R-MNT-6",
        )
    if linked_change_id is not None and linked_change_id != change_id and linked_change_open:
        return Violation(
            _("Another open change already renews this certificate."),
            "certificate",
            "R-MNT-6",
        )
    return None


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
                    "An upgrade for new features must be linked to the partner's TAC case."
                ),
                "case",
                "R-MNT-7",
            )
    elif kind == ChangeKind.EMERGENCY and reason not in EmergencyReason.values:
        return Violation(
            _(
                "An emergency change needs one of the reasons: restore service, reduce an "
                "outage's impact, prevent a possible outage, or fix a security "
                "vulnerability."
            ),
            "reason",
            "R-MNT-8",
        )
    return None


# --- Vulnerability scans (R-MNT-10) -------------------------------------------------------------

VULNERABILITY_SCAN_REFUSAL = _(
    "Vulnerability scanning of the dedicated instance by partners or customers is not "
    "supported: the operator runs its own vulnerability scanning and independent penetration "
    "tests of the instance."
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

# --- Named status sets: each spelled once, used by services, selectors, admin and API --------

#: Announced and not yet started: the calendar's upcoming changes, the ones ``changes_start_due``
#: starts, and the ones a completion starts first.
PLANNED_STATUSES = frozenset({ChangeStatus.SCHEDULED, ChangeStatus.NOTIFIED})

#: Planned or running: the changes that hold a window (R-MNT-2) and may be completed.
OPEN_STATUSES = frozenset(
    {
        ChangeStatus.SCHEDULED,
        ChangeStatus.NOTIFIED,
        ChangeStatus.IN_PROGRESS,
    }
)

#: R-MNT-3: a change's times can be set or moved until it starts (``change_schedule``).
EDITABLE_STATUSES = frozenset(
    {
        ChangeStatus.DRAFT,
        ChangeStatus.APPROVED,
        ChangeStatus.SCHEDULED,
        ChangeStatus.NOTIFIED,
    }
)

#: The kind of a change can change only before its notice went out.
KIND_EDITABLE_STATUSES = frozenset(
    {ChangeStatus.DRAFT, ChangeStatus.APPROVED, ChangeStatus.SCHEDULED}
)

#: Not finished: a change in one of these may still be cancelled by the operator.
CANCELLABLE_STATUSES = frozenset(
    {
        ChangeStatus.DRAFT,
        ChangeStatus.SUBMITTED,
        ChangeStatus.APPROVED,
        ChangeStatus.SCHEDULED,
        ChangeStatus.NOTIFIED,
        ChangeStatus.IN_PROGRESS,
    }
)

#: Finished for good: a renewal change in one of these no longer covers its certificate.
CLOSED_STATUSES = frozenset(
    {ChangeStatus.COMPLETED, ChangeStatus.CANCELLED, ChangeStatus.REJECTED}
)

#: R-MNT-9: partner requests still in (or just out of) the joint review, not on the calendar.
IN_REVIEW_STATUSES = frozenset(
    {ChangeStatus.SUBMITTED, ChangeStatus.UNDER_REVIEW, ChangeStatus.REJECTED}
)

#: R-MNT-5: a reschedule request waiting for the operator or the partner.
OPEN_RESCHEDULE_STATUSES = frozenset(
    {RescheduleStatus.REQUESTED, RescheduleStatus.ALTERNATIVES_OFFERED}
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
# Far enough for 10 business days of notice plus holidays, then a few windows.
ALTERNATIVES_SEARCH_HORIZON = timedelta(days=56)


def alternative_windows(
    region: str,
    after: datetime,
    weekday: int = 3,
    weekend: int = 2,
    horizon: timedelta = ALTERNATIVES_HORIZON,
) -> list[Window]:
    """Candidate windows staff may offer: the next weekday and weekend nights (R-MNT-5).

    Only windows that open at or after `after` count, in order of start. Which of them a
    change may really use is the service's ``reschedule_alternatives_for``.
    """
    upcoming = [w for w in windows_between(region, after, after + horizon)]
    upcoming = [w for w in upcoming if w.start >= after]
    weekdays = [w for w in upcoming if not w.infrastructure_only][:weekday]
    weekends = [w for w in upcoming if w.infrastructure_only][:weekend]
    return sorted(weekdays + weekends, key=lambda w: w.start)


def holiday_violation(*, night: date, holidays: Iterable[date]) -> Violation | None:
    """R-MNT-5 (Decision): an alternative avoids the holidays of the customer's calendar (the
    window's night, in the region's local date)."""
    if night not in set(holidays):
        return None
    return Violation(
        _("This window falls on a holiday of the customer's calendar."),
        "alternatives",
        "R-MNT-5",
    )


def first_violation(violations: Iterable[Violation | None]) -> Violation | None:
    """The first rule broken, in the order the caller checks them."""
    return next((v for v in violations if v is not None), None)


# --- Freeze periods (R-MNT-14) ----------------------------------------------------------------

#: R-MNT-14 (Decision): a freeze period lasts at most this long, so that a customer cannot be
#: frozen out of the maintenance it must have (R-REL-2's end of sale, R-MNT-6's renewals). A
#: longer business priority is declared as several periods, each a deliberate choice.
FREEZE_MAX_LENGTH = timedelta(days=31)


class FreezeSpan(Protocol):
    """What the freeze rules read of a freeze period (a model row or any such object)."""

    start: datetime
    end: datetime


def kind_respects_freezes(kind: str) -> bool:
    """R-MNT-14: planned changes avoid freeze periods; emergency changes ignore them (R-MNT-8)."""
    return kind != ChangeKind.EMERGENCY


def freeze_overlaps(freeze: FreezeSpan, start: datetime, end: datetime) -> bool:
    """R-MNT-14: half-open overlap, so a change that ends as the freeze begins (or starts as it
    ends) is not in it."""
    return intervals_overlap(freeze.start, freeze.end, start, end)


def freeze_conflict(
    freezes: Iterable[FreezeSpan],
    start: datetime,
    end: datetime,
    *,
    kind: str | None = None,
    field: str = "start",
) -> Violation | None:
    """R-MNT-14: a planned change may not overlap a freeze period of any of its customers.

    ``freezes`` are the freeze periods of the change's customers (the selector
    ``freeze_periods_overlapping`` finds them); ``kind`` exempts emergency changes (R-MNT-8).
    The message names the customer and the period when the row carries them.
    """
    if kind is not None and not kind_respects_freezes(kind):
        return None
    hit = next((f for f in freezes if freeze_overlaps(f, start, end)), None)
    if hit is None:
        return None
    customer = getattr(hit, "customer", None)
    if customer is None:
        return Violation(
            _("This time falls in a freeze period declared for the customer."), field, "R-MNT-14"
        )
    return Violation(
        interpolate_lazy(
            _("This time falls in a freeze period declared for customer %(customer)s."),
            {"customer": str(customer)},
        ),
        field,
        "R-MNT-14",
    )


def freeze_period_violation(
    *, start: datetime | None, end: datetime | None, now: datetime, start_changed: bool = True
) -> Violation | None:
    """R-MNT-14 (Decision): a freeze period has a start and a later end, lies ahead (its start
    not in the past, in the manner of R-MNT-2; a period already under way may keep its start),
    and lasts at most :data:`FREEZE_MAX_LENGTH`."""
    if start is None:
        return Violation(_("A freeze period needs a start."), "start", "R-MNT-14")
    if end is None:
        return Violation(_("A freeze period needs an end."), "end", "R-MNT-14")
    if end <= start:
        return Violation(_("The end must be after the start."), "end", "R-MNT-14")
    if start_changed and start < now:
        return Violation(_("A freeze period cannot start in the past."), "start", "R-MNT-14")
    if end <= now:
        return Violation(_("A freeze period must end in the future."), "end", "R-MNT-14")
    if end - start > FREEZE_MAX_LENGTH:
        return Violation(
            interpolate_lazy(
                _("A freeze period lasts at most %(days)s days."),
                {"days": FREEZE_MAX_LENGTH.days},
            ),
            "end",
            "R-MNT-14",
        )
    return None


# --- the years the calendars answer for ------------------------------------------------------

#: Windows, calendars and feeds are computed for these years only: far enough either way for
#: every real plan, and safe from the date arithmetic's limits (years 1 and 9999).
FIRST_YEAR, LAST_YEAR = 1970, 2200


def year_violation(year: int, *, field: str = "year") -> Violation | None:
    """A year outside :data:`FIRST_YEAR`..:data:`LAST_YEAR` is refused, naming the field."""
    if FIRST_YEAR <= year <= LAST_YEAR:
        return None
    return Violation(
        _("Choose a year between %(first)s and %(last)s.")
        % {"first": FIRST_YEAR, "last": LAST_YEAR},
        field,
        "R-MNT-1",
    )


# --- outage updates (R-MNT-12) ----------------------------------------------------------------

#: An outage's timeline: any open status may follow any other; ``resolved`` ends it.
OUTAGE_OPEN_UPDATE_STATUSES = frozenset(
    {
        OutageUpdateStatus.INVESTIGATING,
        OutageUpdateStatus.IDENTIFIED,
        OutageUpdateStatus.MONITORING,
    }
)


def outage_update_violation(*, resolved: bool, status: str, text: str) -> Violation | None:
    """May an update of ``status`` be posted on an outage (resolved or not)? (R-MNT-12)"""
    if status not in OutageUpdateStatus.values:
        return Violation(
            _("Choose investigating, identified, monitoring or resolved."), "status", "R-MNT-12"
        )
    if resolved:
        return Violation(
            _("This outage is resolved: it takes no more updates."), "status", "R-MNT-12"
        )
    if not text.strip():
        return Violation(_("Say what is known in the update."), "text", "R-MNT-12")
    return None


def outage_scope_violation(
    *, applications: Iterable[str], regions: Iterable[str]
) -> Violation | None:
    """Affected applications and regions are named from the portal's lists (R-REL-1)."""
    unknown = sorted(set(applications) - set(Application.values))
    if unknown:
        return Violation(
            _("Unknown application: %(names)s.") % {"names": ", ".join(unknown)},
            "applications",
            "R-MNT-12",
        )
    unknown = sorted(set(regions) - set(Region.values))
    if unknown:
        return Violation(
            _("Unknown region: %(names)s.") % {"names": ", ".join(unknown)},
            "regions",
            "R-MNT-12",
        )
    return None
