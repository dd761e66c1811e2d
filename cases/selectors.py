"""Every read of the cases app, always scoped to the caller (``for_user``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Case as CaseWhen
from django.db.models import Count, DateTimeField, F, Q, QuerySet, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from portal.tenancy import is_operator

from . import rules
from .choices import Queue, Severity, Status
from .models import Case, CaseAttachment, CaseEvent, CaseWatcher


def cases_for(user: Any) -> QuerySet[Case]:
    """The caller's cases with what a list row shows (no per-row queries)."""
    return (
        Case.objects.for_user(user)
        .select_related("customer", "partner", "owner")
        .defer("search_vector")
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
    # One grouped scan of the open cases gives both the counts and the breaches; the open
    # statuses named (not "not closed") so it reads only case_partner_status.
    grouped = (
        Case.objects.for_partner(partner).filter(status__in=OPEN_STATUS_VALUES).values("severity")
    ).annotate(
        # counts of columns the index holds: a breached case is one whose breached_at is set
        n=Count("severity"),
        breached=Count("breached_at"),
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


# --- the operator's work queue (issue 14) --------------------------------------------------


def queue_soon() -> timedelta:
    """How near the response due time an unacknowledged case counts as breaching soon."""
    return timedelta(minutes=int(settings.CASES_QUEUE_SOON_MINUTES))


def queue_condition(queue: str, *, user: Any, now: datetime) -> Q:
    """Which open cases a queue holds.

    Breaching soon: not acknowledged, due within ``CASES_QUEUE_SOON_MINUTES``. Breached: not
    acknowledged and past the due time, whether or not the sweep has recorded it yet
    (R-CASE-10). Overdue action plans: acknowledged, no status and action plan by its due time
    while its clock runs (R-CASE-9).
    """
    unacked = Q(acknowledged_at__isnull=True)
    conditions = {
        Queue.MINE: Q(owner=user),
        Queue.UNASSIGNED: Q(owner__isnull=True),
        Queue.BREACHING_SOON: unacked
        & Q(response_due_at__gt=now, response_due_at__lte=now + queue_soon()),
        Queue.BREACHED: unacked & Q(response_due_at__lte=now),
        Queue.PLAN_OVERDUE: Q(
            action_plan_at__isnull=True,
            action_plan_due_at__lte=now,
            status__in=list(rules.PLAN_CLOCK_RUNNING),
        ),
    }
    return conditions[Queue(queue)]


def queue_ordering(queue: str) -> tuple[Any, ...]:
    """Sorted by what is due next: the response due time while a case is not acknowledged,
    then its status and action plan (R-CASE-9); cases with nothing due last."""
    if queue == Queue.PLAN_OVERDUE:
        return ("action_plan_due_at", "id")
    next_due = CaseWhen(
        When(acknowledged_at__isnull=True, then=F("response_due_at")),
        When(action_plan_at__isnull=True, then=F("action_plan_due_at")),
        default=None,
        output_field=DateTimeField(),
    )
    return (next_due.asc(nulls_last=True), "response_due_at", "id")


def work_queue(
    queue: str, *, user: Any, now: datetime | None = None, cases: QuerySet[Case] | None = None
) -> QuerySet[Case]:
    """The open cases of one queue for staff ``user``, sorted by what is due first."""
    now = now or timezone.now()
    base = Case.objects.all() if cases is None else cases
    return (
        base.for_user(user)
        .open()
        .filter(queue_condition(queue, user=user, now=now))
        .order_by(*queue_ordering(queue))
    )


def _queue_aggregate(cases: QuerySet[Case], queues: list[Queue], *, user: Any, now: datetime):
    return cases.aggregate(
        **{
            # a column the queue index holds (every case has a status): index-only
            queue.value: Count("status", filter=queue_condition(queue, user=user, now=now))
            for queue in queues
        }
    )


def _cases_version() -> tuple[int, int]:
    """The newest timeline entry and the newest case: every change of a case that moves it
    between queues (opening, claim, assignment, acknowledgement, status, plan) writes a
    timeline entry, so a new pair means the counts may have changed. Two index lookups."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {CaseEvent._meta.db_table}), "
            f"(SELECT MAX(id) FROM {Case._meta.db_table})"
        )
        event, case = cursor.fetchone()
    return int(event or 0), int(case or 0)


def queue_counts(*, user: Any, now: datetime | None = None) -> dict[str, int]:
    """How many open cases each queue holds.

    "Mine" is counted on every call (the owner's range of the queue index). The other queues
    count every open case, the same for every operator: on a large table a scan of all of them
    (200,000 open cases: about 90 ms of the database's CPU in three processes), so they are
    counted once per ``CASES_QUEUE_COUNTS_SECONDS`` and kept in the cache under the newest
    timeline entry and case (:func:`_cases_version`): a change made through the services shows
    at once, the clock's own moves (breaching soon, breached) within that many seconds."""
    now = now or timezone.now()
    cases = Case.objects.for_user(user).open()
    shared = [queue for queue in Queue if queue != Queue.MINE]
    seconds = int(settings.CASES_QUEUE_COUNTS_SECONDS)
    if seconds <= 0 or not is_operator(user):
        counts = _queue_aggregate(cases, list(Queue), user=user, now=now)
        return {queue.value: counts[queue.value] or 0 for queue in Queue}
    # in the WHERE clause, so only the owner's range of the queue index is read
    mine = queue_condition(Queue.MINE, user=user, now=now)
    counts = {Queue.MINE.value: cases.filter(mine).aggregate(n=Count("status"))["n"]}
    key = "cases:queue-counts:{}:{}".format(*_cases_version())
    # The age is the portal's clock (not the cache's expiry): a page counted at 12:00:00
    # serves its counts until 12:00:10, on every cache backend and with the clock moved.
    cached = cache.get(key)
    if cached is None or not 0 <= now.timestamp() - cached["at"] < seconds:
        cached = {"at": now.timestamp(), "counts": _queue_aggregate(cases, shared, user=user, now=now)}
        cache.set(key, cached, timeout=max(60, 6 * seconds))
    counts.update(cached["counts"])
    return {queue.value: counts[queue.value] or 0 for queue in Queue}


def my_queue(*, user: Any, now: datetime | None = None, top: int = 5) -> dict:
    """The admin index's first panel: the staff user's queue counts and their own first
    cases (two queries)."""
    now = now or timezone.now()
    rows = list(
        work_queue(Queue.MINE, user=user, now=now).select_related("customer", "partner")[:top]
    )
    counts = queue_counts(user=user, now=now)
    return {
        "queues": [(queue, counts[queue.value]) for queue in Queue],
        "rows": rows,
        "now": now,
    }


# --- who hears of a case ----------------------------------------------------------------------


def case_audience(case_ids: list[int] | set[int] | tuple[int, ...]) -> dict[int, set[int]]:
    """For each case, the ids of the contacts that receive its messages besides the
    category's subscribers: its reporting contact and its watchers. One query (a LEFT JOIN
    of the watchers); every asked-for case has an entry, empty when nobody follows it."""
    audience: dict[int, set[int]] = {int(pk): set() for pk in case_ids}
    if not audience:
        return audience
    rows = Case.objects.filter(pk__in=audience).values_list(
        "pk", "reporting_contact_id", "watchers__contact_id"
    )
    for case_id, reporting_id, watcher_id in rows:
        audience[case_id].update(i for i in (reporting_id, watcher_id) if i is not None)
    return audience


def case_watchers_for(*, user: Any, case: Case) -> QuerySet[CaseWatcher]:
    """The case's watchers as the caller may see them (the case is already the caller's)."""
    return CaseWatcher.objects.for_user(user).filter(case=case).select_related("contact")


def watchable_contacts(case: Case) -> QuerySet:
    """The contacts that may watch the case and do not yet: the partner's partner-wide
    contacts and the case customer's own."""
    from portal.models import Contact

    return (
        Contact.objects.filter(partner_id=case.partner_id)
        .filter(Q(customer__isnull=True) | Q(customer_id=case.customer_id))
        .exclude(watched_cases__case=case)
        .order_by("name", "pk")
    )
