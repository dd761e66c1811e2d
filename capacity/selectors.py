"""Every read of the capacity app, scoped to the caller through ``for_user``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from portal.models import Customer
from portal.selectors import customers_for

from . import rules
from .choices import RequestStatus, Resource
from .models import (
    CapacityActivation,
    CapacityBaseline,
    CapacityRequest,
    CustomerCapacity,
    ProvisionedReport,
)
from .rules import Counts


@dataclass
class ResourceUse:
    """One resource of one customer: approved, provisioned, utilisation and forecast."""

    resource: str
    label: str
    approved: int
    provisioned: int
    utilisation: Fraction | None
    forecast: date | None

    @property
    def percent(self) -> float | None:
        return rules.as_percent(self.utilisation)

    @property
    def bar_width(self) -> int:
        """Bar length in percent, capped at 100 for drawing."""
        return min(100, round(self.percent or 0))

    @property
    def level(self) -> int:
        return rules.threshold_level(self.utilisation)


@dataclass
class CapacitySummary:
    """A customer's capacity now (R-CAP-1, R-CAP-2, R-CAP-4)."""

    customer: Customer
    approved: Counts
    provisioned: Counts
    approved_at: datetime | None
    provisioned_at: datetime | None
    resources: list[ResourceUse] = field(default_factory=list)

    @property
    def utilisation(self) -> Fraction | None:
        return rules.customer_utilisation(approved=self.approved, provisioned=self.provisioned)

    @property
    def percent(self) -> float | None:
        return rules.as_percent(self.utilisation)

    @property
    def level(self) -> int:
        return rules.threshold_level(self.utilisation)

    @property
    def forecast(self) -> date | None:
        """When the first resource runs out at recent growth (R-CAP-4)."""
        return rules.earliest(r.forecast for r in self.resources)


def reports_for(user: Any) -> QuerySet[ProvisionedReport]:
    return ProvisionedReport.objects.for_user(user).select_related("customer", "reported_by")


def baselines_for(user: Any) -> QuerySet[CapacityBaseline]:
    return CapacityBaseline.objects.for_user(user).select_related("customer", "request")


def requests_for(user: Any) -> QuerySet[CapacityRequest]:
    return CapacityRequest.objects.for_user(user).select_related(
        "customer", "customer__partner", "case", "submitted_by"
    )


def activation_for(user: Any, customer: Customer) -> CapacityActivation | None:
    """The customer's activation counts (R-CAP-1), if the caller may see them."""
    return CapacityActivation.objects.for_user(user).filter(customer=customer).first()


def awaits_activation(customer: Customer) -> bool:
    """No approved capacity yet: the partner gives the activation counts (R-CAP-1)."""
    return not CapacityBaseline.objects.filter(customer=customer).exists()


def partner_may_change(request: CapacityRequest) -> bool:
    """Whether the partner may still update or withdraw the request (R-CAP-3)."""
    return rules.partner_change_violation(request.status) is None


def daily_samples(
    customer_ids: list[int], *, since: datetime
) -> dict[int, dict[str, list[tuple[date, int]]]]:
    """The last reported count of each day since ``since``, per customer and resource.

    One query for all the customers, so a list page costs the same for 1 or 100 of them.
    """
    last_of_day: dict[int, dict[date, tuple[int, int]]] = defaultdict(dict)
    rows = (
        ProvisionedReport.objects.filter(customer_id__in=customer_ids, reported_at__gte=since)
        .order_by("customer_id", "reported_at", "id")
        .values_list("customer_id", "reported_at", "knowledge_workers", "workspace_devices")
    )
    for customer_id, at, kw, wd in rows:
        last_of_day[customer_id][timezone.localdate(at)] = (kw, wd)
    samples: dict[int, dict[str, list[tuple[date, int]]]] = {}
    for customer_id, days in last_of_day.items():
        ordered = sorted(days.items())
        samples[customer_id] = {
            Resource.KNOWLEDGE_WORKERS: [(d, kw) for d, (kw, _wd) in ordered],
            Resource.WORKSPACE_DEVICES: [(d, wd) for d, (_kw, wd) in ordered],
        }
    return samples


def summaries(customers: list[Customer], *, now: datetime | None = None) -> list[CapacitySummary]:
    """Capacity of each customer with its forecast, in two queries whatever the count
    (their capacity rows, then their recent reports)."""
    now = now or timezone.now()
    ids = [c.pk for c in customers]
    rows = {c.customer_id: c for c in CustomerCapacity.objects.filter(customer_id__in=ids)}
    samples = daily_samples(ids, since=now - timedelta(days=rules.FORECAST_WINDOW_DAYS))
    result = []
    for customer in customers:
        capacity = rows.get(customer.pk) or CustomerCapacity(customer_id=customer.pk)
        summary = CapacitySummary(
            customer=customer,
            approved=capacity.approved,
            provisioned=capacity.provisioned,
            approved_at=capacity.approved_at,
            provisioned_at=capacity.provisioned_at,
        )
        for resource in rules.RESOURCES:
            approved = capacity.approved.get(resource)
            summary.resources.append(
                ResourceUse(
                    resource=resource,
                    label=str(Resource(resource).label),
                    approved=approved,
                    provisioned=capacity.provisioned.get(resource),
                    utilisation=rules.utilisation(capacity.provisioned.get(resource), approved),
                    forecast=rules.forecast_exhaustion(
                        samples.get(customer.pk, {}).get(resource, []), approved
                    ),
                )
            )
        result.append(summary)
    return result


def summaries_for(user: Any, *, now: datetime | None = None) -> list[CapacitySummary]:
    return summaries(list(customers_for(user)), now=now)


def summary_for_customer(customer: Customer, *, now: datetime | None = None) -> CapacitySummary:
    return summaries([customer], now=now)[0]


def trend(customer: Customer, *, days: int = 365, now: datetime | None = None) -> dict[str, Any]:
    """Provisioned counts over time and the approved capacity steps, for the trend chart."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    samples = daily_samples([customer.pk], since=since).get(customer.pk, {})
    baselines = list(
        CapacityBaseline.objects.filter(customer=customer)
        .order_by("effective_at", "id")
        .values_list("effective_at", "knowledge_workers", "workspace_devices")
    )
    # The chart spans the data it has (at least two weeks), not an empty year.
    today = timezone.localdate(now)
    first = [d for points in samples.values() for d, _count in points[:1]]
    first += [timezone.localdate(at) for at, _kw, _wd in baselines]
    start = max(timezone.localdate(since), min(first, default=today))
    start = min(start, today - timedelta(days=14))
    return {"samples": samples, "baselines": baselines, "since": start}


def dashboard_counts(user: Any) -> dict[str, Any]:
    """What the dashboard card shows: customers near or at capacity, open requests."""
    # Both levels in one aggregate of the partner's capacities.
    levels = CustomerCapacity.objects.for_user(user).aggregate(
        at_80=Count("pk", filter=Q(current_level__gte=80)),
        at_100=Count("pk", filter=Q(current_level__gte=100)),
    )
    return {
        "customers_at_80": levels["at_80"],
        "customers_at_100": levels["at_100"],
        "open_requests": CapacityRequest.objects.for_user(user)
        .filter(status__in=rules.OPEN_STATUSES)
        .count(),
    }


def request_steps(request: CapacityRequest) -> list[dict[str, Any]]:
    """The R-CAP-3 path with each step marked done, current or to come, for the progress bar."""
    path = [
        RequestStatus.SUBMITTED,
        RequestStatus.UNDER_ANALYSIS,
        RequestStatus.PLAN_AGREED,
        RequestStatus.CAPACITY_ADDED,
    ]
    if request.status in (RequestStatus.REJECTED, RequestStatus.WITHDRAWN):
        reached = {e.to_status for e in request.events.all()}
        path = [s for s in path if s in reached] + [request.status]
    current = path.index(request.status)
    return [
        {
            "status": status,
            "label": RequestStatus(status).label,
            "state": "done" if i < current else "current" if i == current else "todo",
        }
        for i, status in enumerate(path)
    ]


def staff_near_capacity_by_partner(partner_ids: list[int]) -> dict[int, int]:
    """Staff overview: customers at 80 % or more of approved capacity, per partner."""
    rows = CustomerCapacity.objects.filter(
        customer__partner_id__in=partner_ids, current_level__gte=80
    ).values("customer__partner_id")
    return dict(rows.annotate(n=Count("id")).values_list("customer__partner_id", "n"))
