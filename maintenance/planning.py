"""The campaign planner (R-MNT-13). Pure: no database.

Customers are placed one after another in the stated order (region, partner, customer), each
at the earliest start that

- lies inside one window of its region that the change kind may use (R-MNT-1, R-MNT-2),
- is after the written notice the kind needs, counted from the moment of planning in the
  region's business days and holidays (R-MNT-4) or in calendar days for upgrades (R-REL-4),
- is at or after the campaign's earliest start and ends by its deadline (R-MNT-13),
- falls in the renewal band of the customer's certificate for a renewal (R-MNT-6),
- is free of the customer's other changes (R-MNT-2) and freeze periods (R-MNT-14),
- and finds room in its window: at most ``per_window_limit`` changes of the campaign per
  window of a region (R-MNT-13).

A customer without such a start is unplaceable, with the rule that excluded its last candidate
window (or the limit: "no window with room before the deadline").

Windows are computed once per region and shared by its customers; each customer's busy
intervals come in as plain values, loaded set-based by the caller.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

from portal.business_time import BusinessCalendarSpec

from . import rules
from .choices import ChangeKind
from .windows import Window, _utc, windows_between

Interval = tuple[datetime, datetime]

# Rule ids of the reasons a customer finds no window.
RULE_LIMIT = "R-MNT-13"


@dataclass(frozen=True)
class PlanCustomer:
    """One customer to place: its id, region, partner and name (the order), and optional
    bounds of its start (a certificate's renewal band, R-MNT-6)."""

    id: int
    region: str
    partner: int
    name: str = ""
    start_after: datetime | None = None
    start_before: datetime | None = None
    bound_rule: str = "R-MNT-6"
    #: Excluded before planning (e.g. R-REL-4 by the upgrade kind): (rule, reason).
    excluded: tuple[str, str] | None = None

    @property
    def order(self) -> tuple:
        return (self.region, self.partner, self.name, self.id)


@dataclass(frozen=True)
class PlannedSlot:
    customer: int
    region: str
    start: datetime
    end: datetime
    window: Window

    @property
    def window_kind(self) -> str:
        return self.window.kind


@dataclass(frozen=True)
class Unplaceable:
    customer: int
    rule: str
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"customer": self.customer, "rule": self.rule, "reason": str(self.reason)}


@dataclass
class Plan:
    slots: list[PlannedSlot] = field(default_factory=list)
    unplaceable: list[Unplaceable] = field(default_factory=list)


@dataclass(frozen=True)
class PlanRequest:
    """What the planner needs of the campaign and the moment."""

    kind: str
    duration: timedelta
    per_window_limit: int
    deadline: datetime
    now: datetime
    earliest_start: datetime | None = None
    interrupts_calling: bool = False


REASONS = {
    "R-MNT-1": _("No window of the region is long enough for the change."),
    "R-MNT-2": _("Every window with room overlaps another change of the customer."),
    "R-MNT-4": _("The written notice of 10 business days does not leave a window before the "
                 "deadline."),
    "R-REL-4": _("The upgrade notice of 10 days does not leave a window before the deadline."),
    "R-MNT-6": _("No window falls in the certificate's renewal band (3 to 7 days before "
                 "expiry) before the deadline."),
    "R-MNT-14": _("Every window with room falls in a freeze period of the customer."),
    RULE_LIMIT: _("No window with room before the deadline."),
}


def kind_windows(region: str, kind: str, start: datetime, end: datetime) -> list[Window]:
    """The windows of ``region`` the kind may use that overlap [start, end) (R-MNT-1):
    weekend windows only for infrastructure changes."""
    weekend = rules.kind_may_use_weekend(kind)
    return [
        w for w in windows_between(region, start, end) if weekend or not w.infrastructure_only
    ]


def notice_bound(
    *, kind: str, spec: BusinessCalendarSpec, now: datetime, interrupts_calling: bool
) -> tuple[datetime, str] | None:
    """The earliest start the kind's written notice allows when it goes out at ``now``, and
    the rule behind it: R-MNT-4's 10 business days of the region's calendar, R-REL-4's 10
    calendar days for an upgrade (both when an upgrade interrupts calling)."""
    bounds: list[tuple[datetime, str]] = []
    if kind == ChangeKind.UPGRADE:
        bounds.append((_utc(now, "now") + timedelta(days=rules.UPGRADE_NOTICE_DAYS), "R-REL-4"))
    if rules.kind_needs_notice(kind, interrupts_calling):
        bounds.append((_utc(rules.earliest_start_after_notice(spec, now), "now"), "R-MNT-4"))
    return max(bounds) if bounds else None


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    return sorted((_utc(a, "start"), _utc(b, "end")) for a, b in intervals)


class _Busy:
    """One customer's intervals, tagged with the rule that forbids overlapping them."""

    def __init__(self, changes: Iterable[Interval], freezes: Iterable[Interval]):
        self.items = sorted(
            [(a, b, "R-MNT-2") for a, b in _merge(changes)]
            + [(a, b, "R-MNT-14") for a, b in _merge(freezes)]
        )

    def earliest_free(self, start: datetime, length: timedelta) -> tuple[datetime, str | None]:
        """The earliest start >= ``start`` whose [start, start+length) overlaps nothing, and
        the rule of the last interval that pushed it (None when nothing did)."""
        pushed_by = None
        moved = True
        while moved:
            moved = False
            for a, b, rule in self.items:
                if a < start + length and start < b:
                    start, pushed_by, moved = b, rule, True
        return start, pushed_by


def plan_campaign(
    request: PlanRequest,
    customers: Sequence[PlanCustomer],
    *,
    calendars: Mapping[str, BusinessCalendarSpec],
    busy_changes: Mapping[int, Sequence[Interval]] | None = None,
    freezes: Mapping[int, Sequence[Interval]] | None = None,
) -> Plan:
    """Place ``customers`` (R-MNT-13): see the module docstring. ``calendars`` holds the
    business calendar of every region the customers are in."""
    busy_changes = busy_changes or {}
    freezes = freezes or {}
    now = _utc(request.now, "now")
    deadline = _utc(request.deadline, "deadline")
    length = request.duration
    plan = Plan()
    # Per region: its windows (once), the lower bound of every start, the slots per window.
    regions: dict[str, tuple[list[Window], list[datetime], datetime, str, list[int]]] = {}

    def region_state(region: str):
        if region not in regions:
            floor, floor_rule = now + timedelta(minutes=1), RULE_LIMIT  # R-MNT-2: in the future
            if request.earliest_start is not None:
                earliest = _utc(request.earliest_start, "earliest_start")
                if earliest > floor:
                    floor = earliest
            bound = notice_bound(
                kind=request.kind,
                spec=calendars[region],
                now=now,
                interrupts_calling=request.interrupts_calling,
            )
            if bound is not None and bound[0] > floor:
                floor, floor_rule = bound
            windows = kind_windows(region, request.kind, now, deadline) if floor < deadline else []
            regions[region] = (
                windows,
                [w.end_utc for w in windows],
                floor,
                floor_rule,
                [0] * len(windows),
            )
        return regions[region]

    for customer in sorted(customers, key=lambda c: c.order):
        if customer.excluded is not None:
            plan.unplaceable.append(Unplaceable(customer.id, *customer.excluded))
            continue
        windows, ends, floor, floor_rule, used = region_state(customer.region)
        low, low_rule = floor, floor_rule
        if customer.start_after is not None and _utc(customer.start_after, "start") > low:
            low, low_rule = _utc(customer.start_after, "start"), customer.bound_rule
        high = _utc(customer.start_before, "end") if customer.start_before is not None else None
        busy = _Busy(busy_changes.get(customer.id, ()), freezes.get(customer.id, ()))
        # Windows before the lower bound are excluded by its rule; so is everything when no
        # window is left before the deadline.
        last_rule, placed = low_rule, None
        for index in range(bisect.bisect_right(ends, low), len(windows)):
            window = windows[index]
            start = max(window.start_utc, low)
            if start + length > deadline:
                break  # this window and the later ones end past the deadline: no candidates
            if high is not None and start > high:
                last_rule = customer.bound_rule
                break
            if used[index] >= request.per_window_limit:
                last_rule = RULE_LIMIT
                continue
            start, pushed_by = busy.earliest_free(start, length)
            end = start + length
            if end > window.end_utc or end > deadline:
                last_rule = pushed_by or "R-MNT-1"
                continue
            if high is not None and start > high:
                last_rule = customer.bound_rule
                continue
            placed = PlannedSlot(customer.id, customer.region, start, end, window)
            used[index] += 1
            break
        if placed is not None:
            plan.slots.append(placed)
        else:
            plan.unplaceable.append(
                Unplaceable(customer.id, last_rule, REASONS.get(last_rule, REASONS[RULE_LIMIT]))
            )
    return plan


def slot_window(region: str, kind: str, start: datetime, end: datetime) -> Window | None:
    """The window of ``region`` the kind may use that holds [start, end] (R-MNT-1/2)."""
    from .windows import window_containing

    window = window_containing(region, start, end)
    if window is None or (window.infrastructure_only and not rules.kind_may_use_weekend(kind)):
        return None
    return window
