"""Every read of the maintenance app, scoped to the caller through ``for_user``."""

from __future__ import annotations

import calendar as pycalendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from portal.models import Customer, Partner
from portal.tenancy import is_operator

from . import rules
from .choices import ChangeStatus, OutageStatus, SlotStatus
from .models import (
    CalendarFeed,
    Campaign,
    CampaignSlot,
    Certificate,
    Change,
    ChangeNotice,
    FreezePeriod,
    Outage,
    OutageUpdate,
    PartnerEmergency,
    PatchRequest,
    RescheduleAlternative,
    RescheduleRequest,
    SsoChecklist,
    SsoChecklistStep,
)
from .windows import Window, region_zone, windows_between

VISIBLE_STATUSES = [s for s in ChangeStatus.values if s != ChangeStatus.DRAFT]


def changes_for(user: Any) -> QuerySet[Change]:
    """Changes the caller may see; partners never see the operator's drafts."""
    qs = (
        Change.objects.for_user(user)
        .select_related("partner")
        .prefetch_related(Prefetch("customers", queryset=Customer.objects.order_by("name")))
    )
    if not user.is_staff:
        qs = qs.filter(status__in=VISIBLE_STATUSES)
    return qs.order_by("start", "pk")


def campaigns_for(user: Any) -> QuerySet[Campaign]:
    """Campaigns are the operator's planning (R-MNT-13): staff see them all, partners none
    (a partner sees its part as ordinary changes)."""
    if not is_operator(user):
        return Campaign.objects.none()
    return Campaign.objects.select_related("target_release", "created_by")


def campaign_slots(campaign: Campaign) -> QuerySet[CampaignSlot]:
    return campaign.slots.select_related("customer", "customer__partner").order_by(
        "position", "pk"
    )


def campaign_progress(campaign: Campaign) -> dict[str, Any]:
    """Counts of the campaign's changes by change status, plus its excluded slots and
    unplaceable customers, overall, per region and per partner (R-MNT-13). Three queries."""
    keys = [*ChangeStatus.values, "excluded", "unplaceable"]

    def empty() -> dict[str, int]:
        return dict.fromkeys(keys, 0)

    total, regions, partners = empty(), defaultdict(empty), defaultdict(empty)

    def add(region: str, partner_id: int, key: str, n: int) -> None:
        total[key] += n
        regions[region][key] += n
        partners[str(partner_id)][key] += n

    changes = (
        Change.customers.through.objects.filter(change__campaign=campaign)
        .values("customer__region", "change__partner_id", "change__status")
        .annotate(n=Count("change_id", distinct=True))
    )
    for row in changes:
        add(row["customer__region"], row["change__partner_id"], row["change__status"], row["n"])
    excluded = (
        campaign.slots.filter(status=SlotStatus.EXCLUDED)
        .values("customer__region", "customer__partner_id")
        .annotate(n=Count("pk"))
    )
    for row in excluded:
        add(row["customer__region"], row["customer__partner_id"], "excluded", row["n"])
    ids = [row["customer"] for row in campaign.unplaceable or []]
    if ids:
        for region, partner_id in Customer.objects.filter(pk__in=ids).values_list(
            "region", "partner_id"
        ):
            add(region, partner_id, "unplaceable", 1)
    return {
        "total": total,
        "regions": dict(sorted(regions.items())),
        "partners": dict(sorted(partners.items(), key=lambda item: int(item[0]))),
    }


def change_detail_for(user: Any) -> QuerySet[Change]:
    return changes_for(user).prefetch_related(
        Prefetch("notices", queryset=ChangeNotice.objects.order_by("sent_at", "pk")),
        Prefetch(
            "reschedule_requests",
            queryset=RescheduleRequest.objects.prefetch_related(
                Prefetch("alternatives", queryset=RescheduleAlternative.objects.order_by("start"))
            ),
        ),
    )


def notices_for_reader(change: Change) -> list[ChangeNotice]:
    """The change's notices, each with ``shown_subject``: its message's subject rendered
    from its kind in the reader's language ("Written for the reader"), as its e-mail's; the
    recorded subject (in the language of whoever caused the notice) only for a notice whose
    outbox event is gone. Three queries beyond the notices (the events, their change and its
    customers), whatever their number."""
    from portal.models import Notification
    from portal.notifications import render_subjects

    notices = list(change.notices.all())
    events = Notification.objects.filter(
        partner_id=change.partner_id,  # the change's own partner's events only
        dedupe_key__in=[n.event_key[:200] for n in notices],
    ).select_related("customer", "partner")
    subjects = render_subjects(list(events))
    for notice in notices:
        notice.shown_subject = subjects.get(notice.event_key[:200], notice.subject)
    return notices


def upcoming_changes(user: Any, *, now: datetime | None = None, limit: int = 5) -> list[Change]:
    now = now or timezone.now()
    return list(changes_for(user).filter(status__in=rules.OPEN_STATUSES, end__gte=now)[:limit])


def open_reschedule_deadlines(user: Any, *, now: datetime | None = None) -> list[Change]:
    """Notified changes whose reschedule period is still open (R-MNT-5)."""
    now = now or timezone.now()
    return list(
        changes_for(user)
        .filter(reschedule_open=True, reschedule_deadline__gte=now)
        .order_by("reschedule_deadline")[:10]
    )


def reschedule_requests_for(user: Any) -> QuerySet[RescheduleRequest]:
    return (
        RescheduleRequest.objects.for_user(user)
        .select_related("change", "change__partner")
        .prefetch_related(
            Prefetch("alternatives", queryset=RescheduleAlternative.objects.order_by("start"))
        )
    )


def certificates_for(user: Any) -> QuerySet[Certificate]:
    return Certificate.objects.for_user(user).select_related("customer", "renewal_change")


def sso_checklists_for(user: Any) -> QuerySet[SsoChecklist]:
    return (
        SsoChecklist.objects.for_user(user)
        .select_related("customer", "change")
        .prefetch_related(Prefetch("steps", queryset=SsoChecklistStep.objects.order_by("position")))
    )


def open_sso_checklists(user: Any) -> list[SsoChecklist]:
    return list(sso_checklists_for(user).filter(completed_at__isnull=True)[:10])


def patch_requests_for(user: Any) -> QuerySet[PatchRequest]:
    return PatchRequest.objects.for_user(user).select_related("customer")


def _latest_update(column: str) -> Subquery:
    latest = OutageUpdate.objects.filter(outage=OuterRef("pk")).order_by("-created_at", "-pk")
    return Subquery(latest.values(column)[:1])


def _with_timeline_head(outages: QuerySet[Outage]) -> QuerySet[Outage]:
    """``current_status`` and ``last_update_at``: the latest update's, in the same query."""
    return outages.annotate(
        current_status=_latest_update("status"), last_update_at=_latest_update("created_at")
    )


def outages_for(user: Any) -> QuerySet[Outage]:
    """Outages touching the caller's customers; ``visible_customers`` lists only those."""
    partner_customers = Customer.objects.for_user(user).order_by("name")
    return _with_timeline_head(Outage.objects.for_user(user)).prefetch_related(
        Prefetch("customers", queryset=partner_customers, to_attr="visible_customers")
    )


def outage_detail_for(user: Any) -> QuerySet[Outage]:
    """:func:`outages_for` with each outage's timeline (``updates``, oldest first)."""
    return outages_for(user).prefetch_related(
        Prefetch("updates", queryset=OutageUpdate.objects.order_by("created_at", "pk"))
    )


def outage_updates_for(user: Any, outage: Outage) -> QuerySet[OutageUpdate]:
    """The timeline of an outage the caller may see (the outage was fetched scoped)."""
    return OutageUpdate.objects.for_user(user).filter(outage=outage).order_by("created_at", "pk")


@dataclass
class CustomerStatus:
    """What is affected now for one customer: its open outages (R-MNT-12)."""

    customer: Customer
    outages: list[Outage] = field(default_factory=list)

    @property
    def operational(self) -> bool:
        return not self.outages

    @property
    def applications(self) -> list[str]:
        """Labels of the affected applications of every open outage, each once."""
        seen: dict[str, None] = {}
        for outage in self.outages:
            seen.update(dict.fromkeys(outage.get_applications_display()))
        return list(seen)


def customer_statuses(
    user: Any, customer: Customer | None = None, *, now: datetime | None = None
) -> list[CustomerStatus]:
    """The current status of each of the caller's customers (or of one): three queries,
    whatever the number of customers and outages. Each open outage carries ``open_for``."""
    now = now or timezone.now()
    customers = Customer.objects.for_user(user).order_by("name")
    if customer is not None:
        customers = customers.filter(pk=customer.pk)
    statuses = {c.pk: CustomerStatus(customer=c) for c in customers}
    open_outages = outages_for(user).filter(status=OutageStatus.DECLARED)
    if customer is not None:
        open_outages = open_outages.filter(customers=customer)
    for outage in open_outages.order_by("declared_at", "pk"):
        outage.open_for = now - outage.declared_at
        for c in outage.visible_customers:
            if c.pk in statuses:
                statuses[c.pk].outages.append(outage)
    return list(statuses.values())


def recent_outages_of(
    user: Any, customer: Customer, *, now: datetime | None = None, days: int = 30
) -> list[Outage]:
    """Outages of ``customer`` resolved in the last ``days`` days, newest first."""
    now = now or timezone.now()
    return list(
        outages_for(user)
        .filter(
            customers=customer,
            status=OutageStatus.RESOLVED,
            resolved_at__gte=now - timedelta(days=days),
        )
        .order_by("-resolved_at")[:20]
    )


def calendar_feed_by_token(token: str) -> CalendarFeed:
    """The partner's secret feed address (iCalendar and Atom alike): a bad token is a 404."""
    return get_object_or_404(CalendarFeed.objects.select_related("partner"), token=token)


def feed_outages(partner: Partner, *, now: datetime | None = None) -> list[Outage]:
    """What the Atom feed shows: the partner's outages open or declared in the last 90 days,
    each with its timeline and the partner's own affected customers (four queries)."""
    now = now or timezone.now()
    customers = Customer.objects.for_partner(partner).order_by("name")
    return list(
        _with_timeline_head(Outage.objects.for_partner(partner))
        .filter(Q(declared_at__gte=now - timedelta(days=90)) | Q(status=OutageStatus.DECLARED))
        .prefetch_related(
            Prefetch("customers", queryset=customers, to_attr="visible_customers"),
            Prefetch("updates", queryset=OutageUpdate.objects.order_by("created_at", "pk")),
        )
        .order_by("-last_update_at", "-pk")[:50]
    )


def partner_emergencies_for(user: Any) -> QuerySet[PartnerEmergency]:
    """Emergency changes in partners' own networks (R-MNT-8), the caller's only."""
    return (
        PartnerEmergency.objects.for_user(user)
        .select_related("partner", "case")
        .prefetch_related("customers")
    )


def partner_emergencies_near(change: Change, margin: timedelta = timedelta(days=1)):
    """For staff: partner emergencies on the change's customers around its time (R-MNT-8)."""
    if change.start is None or change.end is None:
        return PartnerEmergency.objects.none()
    return (
        PartnerEmergency.objects.filter(
            customers__in=change.customers.all(),
            start__lt=change.end + margin,
            end__gt=change.start - margin,
        )
        .distinct()
        .order_by("start")
    )


def freeze_periods_for(user: Any) -> QuerySet[FreezePeriod]:
    """Freeze periods the caller may see (R-MNT-14): staff all, a partner its customers'."""
    return FreezePeriod.objects.for_user(user).select_related("customer", "customer__partner")


def freeze_periods_overlapping(
    customer_ids: Iterable[int], start: datetime, end: datetime
) -> list[FreezePeriod]:
    """The freeze periods of any of ``customer_ids`` that overlap ``[start, end)`` (R-MNT-14).

    One indexed query whatever the number of customers (set-based, for campaigns too);
    half-open, so a period ending at ``start`` or beginning at ``end`` is not returned. Not
    scoped to a user: services call it to enforce the rule on customers already checked.
    """
    ids = list(customer_ids)
    if not ids:
        return []
    return list(
        FreezePeriod.objects.filter(customer_id__in=ids, start__lt=end, end__gt=start)
        .select_related("customer")
        .order_by("start", "pk")
    )


def freeze_periods_between(
    customer_ids: Iterable[int], start: datetime, end: datetime
) -> dict[int, list[FreezePeriod]]:
    """The same periods grouped by customer id: what a planner needs to test many windows
    against each customer's freezes in memory (one query)."""
    grouped: dict[int, list[FreezePeriod]] = {}
    for freeze in freeze_periods_overlapping(customer_ids, start, end):
        grouped.setdefault(freeze.customer_id, []).append(freeze)
    return grouped


# --- the month calendar -----------------------------------------------------------------------


@dataclass
class Day:
    day: date
    in_month: bool
    window: Window | None = None
    changes: list[Change] = field(default_factory=list)
    freezes: list[FreezePeriod] = field(default_factory=list)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, pycalendar.monthrange(year, month)[1])


def calendar_month(user: Any, customer: Customer, year: int, month: int) -> list[list[Day]]:
    """Weeks (Monday first) of the month: each night's window of the customer's region, the
    changes on the customer that start that local day and the customer's freeze periods that
    touch it. Three queries at most."""
    first, last = month_bounds(year, month)
    grid_start = first - timedelta(days=first.weekday())
    grid_end = last + timedelta(days=6 - last.weekday())
    windows = {w.night: w for w in windows_between(customer.region, grid_start, grid_end)}
    zone = region_zone(customer.region)
    lo = datetime.combine(grid_start, datetime.min.time(), tzinfo=zone)
    hi = datetime.combine(grid_end + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    by_day: dict[date, list[Change]] = {}
    for change in changes_for(user).filter(customers=customer, start__gte=lo, start__lt=hi):
        by_day.setdefault(change.start.astimezone(zone).date(), []).append(change)
    # R-MNT-14: a freeze shows on every local day it touches.
    frozen: dict[date, list[FreezePeriod]] = {}
    for freeze in freeze_periods_for(user).filter(customer=customer, start__lt=hi, end__gt=lo):
        night = max(freeze.start.astimezone(zone).date(), grid_start)
        last_day = min((freeze.end - timedelta(microseconds=1)).astimezone(zone).date(), grid_end)
        while night <= last_day:
            frozen.setdefault(night, []).append(freeze)
            night += timedelta(days=1)
    weeks: list[list[Day]] = []
    day = grid_start
    while day <= grid_end:
        week = []
        for _ in range(7):
            week.append(
                Day(
                    day=day,
                    in_month=day.month == month,
                    window=windows.get(day),
                    changes=by_day.get(day, []),
                    freezes=frozen.get(day, []),
                )
            )
            day += timedelta(days=1)
        weeks.append(week)
    return weeks


def feed_changes(partner: Partner, *, now: datetime | None = None) -> QuerySet[Change]:
    """What the iCalendar feed shows: the partner's visible changes from 90 days back."""
    now = now or timezone.now()
    return (
        Change.objects.for_partner(partner)
        .filter(status__in=VISIBLE_STATUSES, start__isnull=False, end__gte=now - timedelta(days=90))
        .exclude(status__in=rules.IN_REVIEW_STATUSES)
        .prefetch_related(Prefetch("customers", queryset=Customer.objects.order_by("name")))
        .order_by("start")
    )


def feed_freeze_periods(partner: Partner, *, now: datetime | None = None) -> QuerySet[FreezePeriod]:
    """The freeze periods the iCalendar feed shows: the partner's customers', from 90 days
    back (R-MNT-14)."""
    now = now or timezone.now()
    return (
        FreezePeriod.objects.for_partner(partner)
        .filter(end__gte=now - timedelta(days=90))
        .select_related("customer")
        .order_by("start", "pk")
    )


def frozen_alternative_ids(change: Change, request: RescheduleRequest | None) -> set[int]:
    """The offered alternatives of ``request`` that now fall in a freeze period of the change's
    customers (declared after the offer, R-MNT-14): the partner cannot choose them. One query."""
    alternatives = list(request.alternatives.all()) if request is not None else []
    if not alternatives:
        return set()
    freezes = freeze_periods_overlapping(
        [c.pk for c in change.customers.all()],
        min(a.start for a in alternatives),
        max(a.end for a in alternatives),
    )
    return {
        a.pk for a in alternatives if rules.freeze_conflict(freezes, a.start, a.end) is not None
    }


def open_reschedule_request(change: Change) -> RescheduleRequest | None:
    for request in change.reschedule_requests.all():
        if request.status in rules.OPEN_RESCHEDULE_STATUSES:
            return request
    return None


def staff_upcoming_by_partner(
    partner_ids: list[int], *, now: datetime | None = None
) -> dict[int, int]:
    """Staff overview: planned changes not yet started, per partner (one grouped query)."""
    now = now or timezone.now()
    rows = Change.objects.filter(
        partner_id__in=partner_ids,
        start__gte=now,
        status__in=rules.PLANNED_STATUSES,
    ).values("partner_id")
    return dict(rows.annotate(n=Count("id")).values_list("partner_id", "n"))


def staff_open_reschedules_by_partner(partner_ids: list[int]) -> dict[int, int]:
    """Staff overview: reschedule requests waiting for the operator or the partner."""
    rows = RescheduleRequest.objects.filter(
        change__partner_id__in=partner_ids,
        status__in=rules.OPEN_RESCHEDULE_STATUSES,
    ).values("change__partner_id")
    return dict(rows.annotate(n=Count("id")).values_list("change__partner_id", "n"))
