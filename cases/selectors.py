"""Every read of the cases app, always scoped to the caller (``for_user``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from . import rules
from .choices import Severity, Status
from .models import Case, CaseAttachment, CaseEvent


def cases_for(user: Any) -> QuerySet[Case]:
    """The caller's cases with what a list row shows (no per-row queries)."""
    return (
        Case.objects.for_user(user).select_related("customer", "partner").defer("search_vector")
    )


def case_for_user(*, user: Any, case_id: int | str) -> Case | None:
    """One case if the caller may see it, else None (other apps link cases by id)."""
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        return None
    return cases_for(user).filter(pk=pk).first()


def linkable_cases() -> QuerySet[Case]:
    """Every case, as the base of another app's field that links one; the field narrows it to
    the caller (``TenantPrimaryKeyRelatedField`` applies ``for_user``)."""
    return Case.objects.all()


def cases_of_customer(user: Any, customer: Any) -> QuerySet[Case]:
    """The caller's cases of one customer, newest first (another app's case picker)."""
    return Case.objects.for_user(user).filter(customer=customer).order_by("-opened_at")


def case_events_for(*, user: Any, case: Case) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.for_user(user).filter(case=case).select_related("actor")


def cases_for_partner(partner: Any) -> QuerySet[Case]:
    return Case.objects.for_partner(partner).select_related("customer", "partner")


@dataclass(frozen=True)
class SloRow:
    """Response-objective attainment of one severity in one month (R-CASE-7)."""

    month: datetime
    severity: str
    met: int
    breached: int
    pending: int
    percent: Decimal | None
    target: Decimal | None
    meets_target: bool | None


def slo_report(
    *, user: Any, since: datetime | None = None, until: datetime | None = None
) -> list[SloRow]:
    """Met / breached / pending per severity and month of opening, in one grouped query.

    A case met its objective when it was acknowledged without a recorded breach; it breached
    when the sweep (or a late acknowledgement) recorded one; it is pending while neither
    happened. The percentage counts decided cases only; S3 and S4 carry the 95 % target.
    """
    qs = Case.objects.for_user(user)
    if since is not None:
        qs = qs.filter(opened_at__gte=since)
    if until is not None:
        qs = qs.filter(opened_at__lt=until)
    return slo_rows(qs)


def slo_rows(qs: QuerySet[Case]) -> list[SloRow]:
    """Attainment rows (month × severity) of the cases in ``qs``, in one grouped query."""
    grouped = (
        qs.annotate(month=TruncMonth("opened_at", tzinfo=UTC))
        .values("month", "severity")
        .annotate(
            met=Count("id", filter=Q(acknowledged_at__isnull=False, breached_at__isnull=True)),
            breached=Count("id", filter=Q(breached_at__isnull=False)),
            pending=Count("id", filter=Q(acknowledged_at__isnull=True, breached_at__isnull=True)),
        )
        .order_by("-month", "severity")
    )
    rows = []
    for row in grouped:
        percent = rules.attainment_percent(met=row["met"], breached=row["breached"])
        rows.append(
            SloRow(
                month=row["month"],
                severity=row["severity"],
                met=row["met"],
                breached=row["breached"],
                pending=row["pending"],
                percent=percent,
                target=rules.SLO_TARGET_PERCENT.get(Severity(row["severity"])),
                meets_target=rules.attainment_meets_target(row["severity"], percent),
            )
        )
    return rows


def dashboard_summary(partner: Any, *, now: datetime | None = None) -> dict:
    """The dashboard card: open cases by severity, the nearest due times, breaches."""
    now = now or timezone.now()
    open_cases = Case.objects.for_partner(partner).open()
    # One grouped scan of the open cases gives both the counts and the breaches.
    grouped = open_cases.values("severity").annotate(
        n=Count("id"), breached=Count("id", filter=Q(breached_at__isnull=False))
    )
    counts, breached_open = {}, 0
    for row in grouped.order_by():
        counts[row["severity"]] = row["n"]
        breached_open += row["breached"]
    by_severity = [(s, counts.get(s.value, 0)) for s in Severity]
    nearest = list(
        open_cases.filter(acknowledged_at__isnull=True, breached_at__isnull=True)
        .select_related("customer")
        .order_by("response_due_at")[:5]
    )
    month_start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    this_month = Case.objects.for_partner(partner).filter(opened_at__gte=month_start)
    return {
        "slo_month": [row for row in slo_rows(this_month) if row.month == month_start],
        "by_severity": by_severity,
        "open_total": sum(counts.values()),
        "nearest": nearest,
        "breached_open": breached_open,
        "now": now,
    }


OPEN_STATUS_VALUES = [s.value for s in Status if s in rules.OPEN_STATUSES]


def staff_open_by_partner(partner_ids: list[int]) -> dict[int, int]:
    """Staff overview: open cases per partner (one grouped query)."""
    rows = Case.objects.filter(partner_id__in=partner_ids).open().values("partner_id")
    return dict(rows.annotate(n=Count("id")).values_list("partner_id", "n"))


def staff_breached_open_by_partner(partner_ids: list[int]) -> dict[int, int]:
    """Staff overview: open cases whose response objective was breached, per partner."""
    rows = Case.objects.filter(partner_id__in=partner_ids, breached_at__isnull=False).open()
    return dict(rows.values("partner_id").annotate(n=Count("id")).values_list("partner_id", "n"))


def staff_s3s4_attainment_by_partner(
    partner_ids: list[int], *, now: datetime | None = None
) -> dict[int, str]:
    """Staff overview: this month's S3/S4 attainment per partner against the 95 % target."""
    now = now or timezone.now()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = (
        Case.objects.filter(
            partner_id__in=partner_ids, opened_at__gte=month_start, severity__in=["S3", "S4"]
        )
        .values("partner_id")
        .annotate(
            met=Count("id", filter=Q(acknowledged_at__isnull=False, breached_at__isnull=True)),
            breached=Count("id", filter=Q(breached_at__isnull=False)),
        )
    )
    out: dict[int, str] = {}
    for row in rows:
        percent = rules.attainment_percent(met=row["met"], breached=row["breached"])
        if percent is not None:
            out[row["partner_id"]] = f"{percent} %"
    return out


def breached_unacknowledged_metrics() -> list:
    """Prometheus gauge: unacknowledged breached cases by severity (R-CASE-10), for
    ``/metrics`` (registered in CasesConfig.ready)."""
    from prometheus_client.core import GaugeMetricFamily

    counts = dict(
        Case.objects.filter(breached_at__isnull=False, acknowledged_at__isnull=True)
        .values_list("severity")
        .annotate(n=Count("id"))
        .order_by()
    )
    gauge = GaugeMetricFamily(
        "portal_cases_breached_unacknowledged",
        "Cases past their response objective and still not acknowledged",
        labels=["severity"],
    )
    for severity in Severity.values:
        gauge.add_metric([severity], counts.get(severity, 0))
    return [gauge]


def attachments_for(*, user: Any, case: Case) -> QuerySet[CaseAttachment]:
    """The case's attachments the caller may see, oldest first (no per-row queries)."""
    return CaseAttachment.objects.for_user(user).filter(case=case).order_by("created_at", "id")


def attachment_for(*, user: Any, pk: int) -> CaseAttachment | None:
    """One attachment if the caller may see it (staff: any; a partner user: its own)."""
    return CaseAttachment.objects.for_user(user).select_related("case").filter(pk=pk).first()
