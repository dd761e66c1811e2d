"""Pure capacity rules (R-CAP-2 … R-CAP-4): no database, no clock.

Every surface (portal form, API, admin, beat task) reaches these through
``capacity.services`` so that each rule lives in exactly one function here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from django.utils.translation import gettext as _

from capacity.choices import RequestStatus, Resource, Threshold
from portal.errors import Violation

RESOURCES: tuple[str, ...] = (Resource.KNOWLEDGE_WORKERS, Resource.WORKSPACE_DEVICES)

# R-CAP-4: notify at 80 %, 90 % and 100 % of approved capacity.
THRESHOLDS: tuple[int, ...] = (Threshold.WARNING, Threshold.HIGH, Threshold.FULL)

# R-CAP-4: the forecast looks at recent growth only; older samples describe another phase.
FORECAST_WINDOW_DAYS = 90
# Beyond this horizon a projection says nothing useful, so it is reported as "none".
FORECAST_HORIZON_DAYS = 3650


@dataclass(frozen=True)
class Counts:
    """Knowledge workers and workspace devices, approved or provisioned (R-CAP-1)."""

    knowledge_workers: int
    workspace_devices: int

    def get(self, resource: str) -> int:
        return getattr(self, str(resource))


def _label(resource: str) -> str:
    return str(Resource(resource).label)


# --- R-CAP-2: the provisioning gate -------------------------------------------------


def provisioning_violations(*, approved: Counts, provisioned: Counts) -> list[Violation]:
    """Why a provisioned-count report is refused, or ``[]`` when it is within capacity.

    R-CAP-2: the partner provisions only within approved capacity, so a count above the
    approved limit is refused; the message names the limit so the partner knows what to
    request (R-CAP-3). Counts equal to the limit are within capacity.
    """
    violations: list[Violation] = []
    for resource in RESOURCES:
        count, limit = provisioned.get(resource), approved.get(resource)
        if count < 0:
            violations.append(
                Violation(
                    field=resource,
                    message=_("%(resource)s cannot be negative.") % {"resource": _label(resource)},
                    rule="R-CAP-2",
                )
            )
        elif count > limit:
            violations.append(
                Violation(
                    field=resource,
                    message=_(
                        "%(resource)s: %(count)d is above the approved capacity of %(limit)d. "
                        "Request a capacity change first."
                    )
                    % {"resource": _label(resource), "count": count, "limit": limit},
                    rule="R-CAP-2",
                )
            )
    return violations


# --- R-CAP-4: utilisation and thresholds --------------------------------------------


def utilisation(provisioned: int, approved: int) -> Fraction | None:
    """Provisioned / approved as an exact fraction (``None`` when nothing is approved).

    Exact fractions keep threshold checks free of floating-point surprises
    (800 / 1000 is exactly 80 %).
    """
    if approved <= 0:
        return None
    return Fraction(provisioned, approved)


def customer_utilisation(*, approved: Counts, provisioned: Counts) -> Fraction | None:
    """The tighter of the two resources: whichever runs out first drives the thresholds."""
    values = [
        u
        for u in (utilisation(provisioned.get(r), approved.get(r)) for r in RESOURCES)
        if u is not None
    ]
    return max(values) if values else None


def as_percent(value: Fraction | None) -> float | None:
    """A fraction as a percentage rounded to one decimal, for display."""
    return None if value is None else round(float(value * 100), 1)


def threshold_level(value: Fraction | None) -> int:
    """The highest threshold reached by ``value`` (0 when below 80 % or unknown)."""
    if value is None:
        return Threshold.NONE
    reached = [t for t in THRESHOLDS if value >= Fraction(t, 100)]
    return max(reached) if reached else Threshold.NONE


def thresholds_crossed(before: Fraction | None, after: Fraction | None) -> tuple[int, ...]:
    """Thresholds a move from ``before`` to ``after`` crosses upward, lowest first.

    A threshold is crossed when ``before`` is below it and ``after`` reaches it, so a
    jump from 70 % to 95 % crosses 80 and 90; a fall crosses nothing.
    """
    low, high = threshold_level(before), threshold_level(after)
    return tuple(t for t in THRESHOLDS if low < t <= high)


@dataclass(frozen=True)
class ThresholdStep:
    """What the daily check does for one customer: notify these, then store ``level``."""

    notify: tuple[int, ...]
    level: int


def threshold_step(*, armed_level: int, value: Fraction | None) -> ThresholdStep:
    """One daily threshold check (R-CAP-4: each threshold once per crossing).

    ``armed_level`` is the highest threshold already notified. Thresholds above it that
    the current utilisation reaches are notified; when utilisation drops below a notified
    threshold the stored level falls with it, which re-arms that threshold for the next
    crossing.
    """
    level = threshold_level(value)
    return ThresholdStep(notify=thresholds_to_notify(armed_level, level), level=level)


def thresholds_to_notify(armed_level: int, level: int) -> tuple[int, ...]:
    """Thresholds above the one already notified that the current level reaches."""
    return tuple(t for t in THRESHOLDS if armed_level < t <= level)


# --- R-CAP-4: forecast ---------------------------------------------------------------


def growth_per_day(samples: Sequence[tuple[date, int]]) -> float | None:
    """Least-squares slope (units per day) of ``samples``; ``None`` with fewer than 2 days."""
    if len({d for d, _count in samples}) < 2:
        return None
    origin = min(d for d, _count in samples)
    xs = [(d - origin).days for d, _count in samples]
    ys = [count for _d, count in samples]
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    var = sum((x - mean_x) ** 2 for x in xs)
    cov = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return cov / var


def recent(
    samples: Iterable[tuple[date, int]], *, window_days: int = FORECAST_WINDOW_DAYS
) -> list[tuple[date, int]]:
    """Samples within ``window_days`` of the newest one, oldest first."""
    ordered = sorted(samples)
    if not ordered:
        return []
    since = ordered[-1][0] - timedelta(days=window_days)
    return [(d, c) for d, c in ordered if d >= since]


def forecast_exhaustion(
    samples: Iterable[tuple[date, int]],
    approved: int,
    *,
    window_days: int = FORECAST_WINDOW_DAYS,
) -> date | None:
    """The date provisioning reaches ``approved`` at the recent growth rate (R-CAP-4).

    The slope is a least-squares fit over the last ``window_days``; the projection starts
    from the newest observed count (what is provisioned now), not from the fitted line.
    ``None`` when growth is flat or declining, with too few samples, or beyond the
    horizon. Already at or above the limit: the newest sample's date.
    """
    window = recent(samples, window_days=window_days)
    if not window or approved <= 0:
        return None
    last_day, last_count = window[-1]
    if last_count >= approved:
        return last_day
    slope = growth_per_day(window)
    if slope is None or slope <= 0:
        return None
    days = math.ceil((approved - last_count) / slope)
    if days > FORECAST_HORIZON_DAYS:
        return None
    return last_day + timedelta(days=days)


def earliest(dates: Iterable[date | None]) -> date | None:
    """The first of several forecast dates (the resource that runs out first)."""
    known = [d for d in dates if d is not None]
    return min(known) if known else None


# --- R-CAP-3: change requests -------------------------------------------------------

OPEN_STATUSES: tuple[str, ...] = (
    RequestStatus.SUBMITTED,
    RequestStatus.UNDER_ANALYSIS,
    RequestStatus.PLAN_AGREED,
)

# Decision: a request may be rejected at any open step, not only after the plan.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    RequestStatus.SUBMITTED: (RequestStatus.UNDER_ANALYSIS, RequestStatus.REJECTED),
    RequestStatus.UNDER_ANALYSIS: (RequestStatus.PLAN_AGREED, RequestStatus.REJECTED),
    RequestStatus.PLAN_AGREED: (RequestStatus.CAPACITY_ADDED, RequestStatus.REJECTED),
    RequestStatus.CAPACITY_ADDED: (),
    RequestStatus.REJECTED: (),
    RequestStatus.WITHDRAWN: (),
}

# Decision: the partner may update or withdraw its open request until staff agree a plan.
PARTNER_CHANGEABLE_STATUSES: tuple[str, ...] = (
    RequestStatus.SUBMITTED,
    RequestStatus.UNDER_ANALYSIS,
)


def allowed_transitions(current: str) -> tuple[str, ...]:
    """The statuses a request in ``current`` may move to (R-CAP-3)."""
    return TRANSITIONS.get(current, ())


def transition_violation(current: str, target: str) -> Violation | None:
    """Why a request cannot move from ``current`` to ``target`` (R-CAP-3), or ``None``."""
    if target in allowed_transitions(current):
        return None
    return Violation(
        field="status",
        message=_("A request that is %(current)s cannot become %(target)s.")
        % {
            "current": str(RequestStatus(current).label),
            "target": str(RequestStatus(target).label),
        },
        rule="R-CAP-3",
    )


def request_violations(*, requested: Counts, approved: Counts) -> list[Violation]:
    """Why new totals cannot be requested (R-CAP-3), or ``[]``.

    Counts are non-negative and must change something; approved capacity moves to these
    totals only when the request reaches ``capacity_added``.
    """
    violations = [
        Violation(
            field=resource,
            message=_("%(resource)s cannot be negative.") % {"resource": _label(resource)},
            rule="R-CAP-3",
        )
        for resource in RESOURCES
        if requested.get(resource) < 0
    ]
    if not violations and requested == approved:
        violations.append(
            Violation(
                field=None,
                message=_(
                    "The requested totals equal the approved capacity; change at least one "
                    "count."
                ),
                rule="R-CAP-3",
            )
        )
    return violations


def partner_change_violation(status: str) -> Violation | None:
    """Why the partner can no longer update or withdraw a request (R-CAP-3), or ``None``.

    Decision: the partner may change its open request until staff agree the expansion plan;
    after that the plan is worked on those totals, and a closed request stays as it ended.
    """
    if status in PARTNER_CHANGEABLE_STATUSES:
        return None
    if status == RequestStatus.PLAN_AGREED:
        message = _("The expansion plan is agreed: this request can no longer be changed.")
    else:
        message = _("This request is closed: it can no longer be changed.")
    return Violation(field=None, message=message, rule="R-CAP-3")


def activation_violations(*, counts: Counts) -> list[Violation]:
    """Why activation counts cannot be submitted (R-CAP-1), or ``[]``: the end-state totals
    are non-negative and size at least something."""
    violations = [
        Violation(
            field=resource,
            message=_("%(resource)s cannot be negative.") % {"resource": _label(resource)},
            rule="R-CAP-1",
        )
        for resource in RESOURCES
        if counts.get(resource) < 0
    ]
    if not violations and counts == Counts(0, 0):
        violations.append(
            Violation(
                field=Resource.KNOWLEDGE_WORKERS,
                message=_("Give the end-state totals the customer's applications are sized on."),
                rule="R-CAP-1",
            )
        )
    return violations
