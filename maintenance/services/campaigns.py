"""Campaigns: one kind of maintenance planned and committed for many customers (R-MNT-13).

Staff create a campaign (``campaign_create``), plan it (``campaign_plan``: the pure planner of
``maintenance.planning`` places every selected customer), adjust the plan (``campaign_slot_move``,
``campaign_slot_exclude``) and commit it (``campaign_commit``: one change per planned slot with its
notice, set-based and all-or-nothing). Kinds that need another app's knowledge (upgrades) are
registered in ``maintenance.campaigns``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.business_time import BusinessCalendarSpec
from portal.calendars import calendar_spec_for_region
from portal.choices import Region
from portal.errors import DomainError, raise_violation
from portal.models import Customer, Partner

from .. import campaigns as registry
from .. import planning, rules, selectors
from ..choices import CampaignStatus, ChangeKind, ChangeStatus, NoticeKind, SlotStatus
from ..models import Campaign, CampaignSlot, Certificate, Change
from ._common import (
    ChangeMessage,
    _initial_reminder_level,
    _require_staff,
    _send_many,
    notice_reschedule_texts,
)

#: R-MNT-1: a window lasts at most 10 hours, so no change of a campaign may last longer.
MAX_DURATION_MINUTES = 600
#: R-MNT-13: how far ahead a campaign may plan (the window engine's range is larger).
MAX_HORIZON = timedelta(days=730)

EDITABLE_CAMPAIGN_STATUSES = frozenset({CampaignStatus.DRAFT, CampaignStatus.PLANNED})

CAMPAIGN_FIELDS = (
    "kind",
    "title",
    "description",
    "reason",
    "advisory",
    "interrupts_calling",
    "duration_minutes",
    "selection",
    "per_window_limit",
    "earliest_start",
    "deadline",
    "target_release",
)


# --- campaign rows ----------------------------------------------------------------------------


def _clean_selection(selection: Any) -> dict[str, list]:
    """R-MNT-13: a selection names lists under known keys, all optional, combined with AND."""
    if selection in (None, ""):
        return {}
    if not isinstance(selection, Mapping):
        raise DomainError(_("The selection must be an object of lists."), field="selection")
    known = registry.selection_keys()
    clean: dict[str, list] = {}
    for key, values in selection.items():
        if key not in known:
            raise DomainError(
                _("Unknown selection key %(key)s; use %(known)s.")
                % {"key": key, "known": ", ".join(known)},
                field="selection",
                rule="R-MNT-13",
            )
        if values in (None, []):
            continue
        if not isinstance(values, list):
            raise DomainError(
                _("Each selection key takes a list."), field="selection", rule="R-MNT-13"
            )
        clean[key] = values
    regions = clean.get("regions", [])
    if any(r not in Region.values for r in regions):
        raise DomainError(_("Unknown region in the selection."), field="selection")
    for key, model in (("partners", Partner), ("customers", Customer)):
        try:
            ids = {int(v) for v in clean.get(key, [])}
        except (TypeError, ValueError):
            raise DomainError(
                _("The selection's %(key)s are ids.") % {"key": key}, field="selection"
            ) from None
        if ids and model.objects.filter(pk__in=ids).count() != len(ids):
            raise DomainError(
                _("The selection names a %(key)s entry that does not exist.") % {"key": key},
                field="selection",
            )
        if key in clean:
            clean[key] = sorted(ids)
    return clean


def _check_campaign(campaign: Campaign, now: datetime) -> None:
    """Campaign-wide rules: a planned kind (R-MNT-8: no emergencies), a reason for upgrades
    (R-MNT-7), a length that fits a window (R-MNT-1), a positive limit, a future deadline."""
    if campaign.kind not in ChangeKind.values:
        raise DomainError(_("Unknown kind of change."), field="kind", rule="R-MNT-3")
    if not rules.kind_needs_window(campaign.kind):
        raise DomainError(
            _("Emergency changes are declared one by one, not planned in a campaign."),
            field="kind",
            rule="R-MNT-8",
        )
    if not (campaign.title or "").strip():
        raise DomainError(_("This field is required."), field="title")
    raise_violation(
        rules.reason_violation(kind=campaign.kind, reason=campaign.reason, has_linked_case=False)
    )
    if campaign.target_release_id and campaign.kind != ChangeKind.UPGRADE:
        raise DomainError(
            _("Only an upgrade campaign names a target release."),
            field="target_release",
            rule="R-REL-4",
        )
    if not campaign.duration_minutes or not 0 < campaign.duration_minutes <= MAX_DURATION_MINUTES:
        raise DomainError(
            _("A change of a campaign lasts between 1 minute and 10 hours (one window)."),
            field="duration_minutes",
            rule="R-MNT-1",
        )
    if not campaign.per_window_limit or campaign.per_window_limit < 1:
        raise DomainError(
            _("Allow at least one change per window."), field="per_window_limit", rule="R-MNT-13"
        )
    if campaign.deadline is None or campaign.deadline <= now:
        raise DomainError(
            _("The deadline must be in the future."), field="deadline", rule="R-MNT-13"
        )
    if campaign.deadline > now + MAX_HORIZON:
        raise DomainError(
            _("A campaign plans at most two years ahead."), field="deadline", rule="R-MNT-13"
        )
    if campaign.earliest_start is not None and campaign.earliest_start >= campaign.deadline:
        raise DomainError(
            _("The earliest start must be before the deadline."),
            field="earliest_start",
            rule="R-MNT-13",
        )
    hooks = registry.kind_hooks(campaign.kind)
    if hooks.check is not None:
        hooks.check(campaign)


@transaction.atomic
def campaign_create(
    *,
    actor: Any,
    kind: str,
    title: str,
    duration_minutes: int,
    per_window_limit: int,
    deadline: datetime,
    selection: Mapping[str, list] | None = None,
    earliest_start: datetime | None = None,
    target_release: Any = None,
    description: str = "",
    reason: str = "",
    advisory: str = "",
    interrupts_calling: bool = False,
    now: datetime | None = None,
) -> Campaign:
    """A draft campaign (staff only, R-MNT-13)."""
    _require_staff(actor)
    now = now or timezone.now()
    campaign = Campaign(
        kind=kind,
        title=(title or "").strip(),
        description=description,
        reason=reason or "",
        advisory=(advisory or "").strip(),
        interrupts_calling=interrupts_calling,
        duration_minutes=duration_minutes,
        per_window_limit=per_window_limit,
        deadline=deadline,
        earliest_start=earliest_start,
        target_release=target_release,
        selection=_clean_selection(selection),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _check_campaign(campaign, now)
    campaign.save()
    return campaign


def _lock(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def _require_editable(campaign: Campaign) -> None:
    if campaign.status not in EDITABLE_CAMPAIGN_STATUSES:
        raise DomainError(
            _("A committed campaign cannot be changed; change its changes instead."),
            field="status",
            rule="R-MNT-13",
        )


@transaction.atomic
def campaign_update(
    *, actor: Any, campaign: Campaign, now: datetime | None = None, **fields: Any
) -> Campaign:
    """Edit a draft or planned campaign (staff). A planned campaign whose terms change goes
    back to draft: its plan no longer answers them."""
    _require_staff(actor)
    now = now or timezone.now()
    campaign = _lock(campaign)
    _require_editable(campaign)
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    changed = False
    for name, value in fields.items():
        if name == "selection":
            value = _clean_selection(value)
        if getattr(campaign, name) != value:
            setattr(campaign, name, value)
            changed = True
    _check_campaign(campaign, now)
    if changed and campaign.status == CampaignStatus.PLANNED:
        campaign.slots.all().delete()
        campaign.unplaceable = []
        campaign.status = CampaignStatus.DRAFT
        campaign.planned_at = None
    campaign.save()
    return campaign


@transaction.atomic
def campaign_delete(*, actor: Any, campaign: Campaign) -> None:
    """Remove a campaign that was never committed (staff)."""
    _require_staff(actor)
    campaign = _lock(campaign)
    _require_editable(campaign)
    campaign.delete()


# --- what the planner needs, loaded set-based -------------------------------------------------


def campaign_customers(campaign: Campaign) -> QuerySet[Customer]:
    """The customers the campaign's selection picks (R-MNT-13): every key is AND-ed."""
    selection = campaign.selection or {}
    customers = Customer.objects.all()
    if selection.get("regions"):
        customers = customers.filter(region__in=selection["regions"])
    if selection.get("partners"):
        customers = customers.filter(partner_id__in=selection["partners"])
    if selection.get("customers"):
        customers = customers.filter(pk__in=selection["customers"])
    for key, values in selection.items():
        narrow = registry.selection_filter(key)
        if narrow is not None and values:
            customers = narrow(customers, values)
    return customers


def _freeze_intervals(
    customer_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, list[tuple[datetime, datetime]]]:
    """The customers' freeze periods (R-MNT-14) overlapping [start, end), one query."""
    found: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for freeze in selectors.freeze_periods_overlapping(customer_ids, start, end):
        found[freeze.customer_id].append((freeze.start, freeze.end))
    return found


def _busy_intervals(
    customer_ids: Any, start: datetime, end: datetime, *, exclude_campaign: int | None = None
) -> dict[int, list[tuple[datetime, datetime]]]:
    """The customers' other open changes (R-MNT-2) overlapping [start, end), one query."""
    rows = Change.customers.through.objects.filter(
        customer_id__in=customer_ids,
        change__status__in=rules.OPEN_STATUSES,
        change__start__lt=end,
        change__end__gt=start,
    )
    if exclude_campaign is not None:
        rows = rows.exclude(change__campaign_id=exclude_campaign)
    found: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for customer_id, a, b in rows.values_list("customer_id", "change__start", "change__end"):
        found[customer_id].append((a, b))
    return found


def _renewal_bounds(customer_ids: Any, now: datetime) -> dict[int, Certificate]:
    """R-MNT-6: the first certificate to renew of each customer (soonest expiry, not renewed
    by an open change), one query."""
    certificates = (
        Certificate.objects.filter(customer_id__in=customer_ids, expires_at__gt=now)
        .filter(
            Q(renewal_change__isnull=True) | Q(renewal_change__status__in=rules.CLOSED_STATUSES)
        )
        .order_by("customer_id", "expires_at", "pk")
    )
    found: dict[int, Certificate] = {}
    for certificate in certificates:
        found.setdefault(certificate.customer_id, certificate)
    return found


def _calendars(regions: Iterable[str]) -> dict[str, BusinessCalendarSpec]:
    return {region: calendar_spec_for_region(region) for region in sorted(set(regions))}


def _request(campaign: Campaign, now: datetime) -> planning.PlanRequest:
    return planning.PlanRequest(
        kind=campaign.kind,
        duration=timedelta(minutes=campaign.duration_minutes),
        per_window_limit=campaign.per_window_limit,
        deadline=campaign.deadline,
        now=now,
        earliest_start=campaign.earliest_start,
        interrupts_calling=campaign.interrupts_calling,
    )


def _plan_customers(
    campaign: Campaign, rows: Sequence[tuple[int, str, int, str]], now: datetime
) -> tuple[list[planning.PlanCustomer], dict[int, Certificate]]:
    ids = [row[0] for row in rows]
    hooks = registry.kind_hooks(campaign.kind)
    excluded = hooks.validate(campaign, ids) if hooks.validate is not None else {}
    certificates: dict[int, Certificate] = {}
    if campaign.kind == ChangeKind.CERTIFICATE_RENEWAL:
        certificates = _renewal_bounds(ids, now)
    customers = []
    for pk, region, partner_id, name in rows:
        kwargs: dict[str, Any] = {}
        if campaign.kind == ChangeKind.CERTIFICATE_RENEWAL:
            certificate = certificates.get(pk)
            if certificate is None:
                kwargs["excluded"] = (
                    "R-MNT-6",
                    _("The customer has no certificate waiting for renewal."),
                )
            else:
                kwargs["start_after"], kwargs["start_before"] = rules.renewal_band(
                    certificate.expires_at
                )
        if pk in excluded:
            kwargs["excluded"] = excluded[pk]
        customers.append(
            planning.PlanCustomer(id=pk, region=region, partner=partner_id, name=name, **kwargs)
        )
    return customers, certificates


# --- plan -------------------------------------------------------------------------------------


@transaction.atomic
def campaign_plan(*, actor: Any, campaign: Campaign, now: datetime | None = None) -> dict:
    """Place the selected customers (R-MNT-13) and store the plan, replacing the previous one:
    ``{"planned": n, "unplaceable": [{"customer", "rule", "reason"}]}``. A constant number of
    queries, whatever the number of customers."""
    _require_staff(actor)
    now = now or timezone.now()
    campaign = _lock(campaign)
    _require_editable(campaign)
    _check_campaign(campaign, now)
    selected = campaign_customers(campaign)
    rows = list(
        selected.order_by("region", "partner_id", "name", "pk").values_list(
            "pk", "region", "partner_id", "name"
        )
    )
    ids = [row[0] for row in rows]
    customers, certificates = _plan_customers(campaign, rows, now)
    plan = planning.plan_campaign(
        _request(campaign, now),
        customers,
        calendars=_calendars(row[1] for row in rows),
        busy_changes=_busy_intervals(ids, now, campaign.deadline, exclude_campaign=campaign.pk),
        freezes=_freeze_intervals(ids, now, campaign.deadline),
    )
    campaign.slots.all().delete()
    order = {c.id: i for i, c in enumerate(sorted(customers, key=lambda c: c.order))}
    CampaignSlot.objects.bulk_create(
        [
            CampaignSlot(
                campaign=campaign,
                customer_id=slot.customer,
                position=order[slot.customer],
                start=slot.start,
                end=slot.end,
                window_kind=slot.window_kind,
                certificate=certificates.get(slot.customer),
            )
            for slot in plan.slots
        ],
        batch_size=1000,
    )
    campaign.unplaceable = [u.as_dict() for u in plan.unplaceable]
    campaign.status = CampaignStatus.PLANNED
    campaign.planned_at = now
    campaign.save()
    return {"planned": len(plan.slots), "unplaceable": campaign.unplaceable}


# --- one slot against the rules (move, commit) ---------------------------------------------


def _window_key(window: Any) -> tuple[str, datetime]:
    return (window.region, window.start_utc)


class _SlotChecker:
    """Every rule of a campaign's slot (R-MNT-1/2/4/6/13/14, R-REL-4), with what it needs
    loaded once for a set of customers, so checking ten thousand slots takes a few queries."""

    def __init__(self, campaign: Campaign, customer_ids: Any, now: datetime):
        self.campaign = campaign
        self.now = now
        self.request = _request(campaign, now)
        self.length = self.request.duration
        self.busy = _busy_intervals(
            customer_ids, now, campaign.deadline, exclude_campaign=campaign.pk
        )
        self.freezes = _freeze_intervals(customer_ids, now, campaign.deadline)
        self.notice_bounds: dict[str, tuple[datetime, str] | None] = {}

    def violation(
        self, customer: Customer, start: datetime, certificate: Certificate | None = None
    ) -> tuple[str, str] | None:
        """(rule, reason) of the first rule the slot [start, start + duration) breaks."""
        end = start + self.length
        campaign = self.campaign
        if start <= self.now:
            return "R-MNT-2", _("A planned change must start in the future.")
        if campaign.earliest_start is not None and start < campaign.earliest_start:
            return "R-MNT-13", _("The slot starts before the campaign's earliest start.")
        if end > campaign.deadline:
            return "R-MNT-13", _("The slot ends after the campaign's deadline.")
        window = rules.window_violation(
            region=customer.region, kind=campaign.kind, start=start, end=end
        )
        if window is not None:
            return window.rule, str(window.message)
        if customer.region not in self.notice_bounds:
            # R-MNT-4 / R-REL-4: the earliest start the notice allows, once per region (the
            # business time to a later start only grows).
            self.notice_bounds[customer.region] = planning.notice_bound(
                kind=campaign.kind,
                spec=calendar_spec_for_region(customer.region),
                now=self.now,
                interrupts_calling=campaign.interrupts_calling,
            )
        bound = self.notice_bounds[customer.region]
        if bound is not None and start < bound[0]:
            notice = rules.notice_violation(
                kind=campaign.kind,
                spec=calendar_spec_for_region(customer.region),
                notice_at=self.now,
                start=start,
                interrupts_calling=campaign.interrupts_calling,
            )
            if notice is not None:
                return notice.rule, str(notice.message)
        if certificate is not None:
            renewal = rules.certificate_renewal_violation(
                expires_at=certificate.expires_at, start=start
            )
            if renewal is not None:
                return renewal.rule, str(renewal.message)
        for a, b in self.busy.get(customer.pk, ()):
            if rules.intervals_overlap(start, end, a, b):
                return "R-MNT-2", _("The slot overlaps another change of the customer.")
        for a, b in self.freezes.get(customer.pk, ()):
            if rules.intervals_overlap(start, end, a, b):
                return "R-MNT-14", _("The slot falls in a freeze period of the customer.")
        return None


def _room_violation(
    counts: Mapping[tuple[str, datetime], int], campaign: Campaign, window: Any
) -> tuple[str, str] | None:
    if counts.get(_window_key(window), 0) >= campaign.per_window_limit:
        return "R-MNT-13", _("This window already holds the campaign's limit of changes.")
    return None


def _window_counts(slots: Iterable[CampaignSlot], kind: str) -> dict[tuple[str, datetime], int]:
    counts: dict[tuple[str, datetime], int] = defaultdict(int)
    for slot in slots:
        window = planning.slot_window(slot.customer.region, kind, slot.start, slot.end)
        if window is not None:
            counts[_window_key(window)] += 1
    return counts


def _slot(campaign: Campaign, slot: CampaignSlot) -> CampaignSlot:
    slot = CampaignSlot.objects.select_for_update().get(pk=slot.pk)
    if slot.campaign_id != campaign.pk:
        raise DomainError(_("This slot does not exist."), field="slot")
    return slot


@transaction.atomic
def campaign_slot_move(
    *,
    actor: Any,
    campaign: Campaign,
    slot: CampaignSlot,
    start: datetime,
    now: datetime | None = None,
) -> CampaignSlot:
    """Move one slot of a planned campaign to ``start``; checked by the planner's rules,
    including the room left in the new window (R-MNT-13)."""
    _require_staff(actor)
    now = now or timezone.now()
    campaign = _lock(campaign)
    if campaign.status != CampaignStatus.PLANNED:
        raise DomainError(
            _("Only the slots of a planned campaign can be moved."),
            field="status",
            rule="R-MNT-13",
        )
    slot = _slot(campaign, slot)
    customer = slot.customer
    checker = _SlotChecker(campaign, [customer.pk], now)
    found = checker.violation(customer, start, slot.certificate)
    window = planning.slot_window(customer.region, campaign.kind, start, start + checker.length)
    if found is None and window is not None:
        others = campaign.slots.filter(status=SlotStatus.PLANNED).exclude(pk=slot.pk)
        counts = _window_counts(
            others.filter(start__gte=window.start_utc, start__lt=window.end_utc).select_related(
                "customer"
            ),
            campaign.kind,
        )
        found = _room_violation(counts, campaign, window)
    if found is not None:
        raise DomainError(found[1], field="start", rule=found[0])
    assert window is not None
    slot.start, slot.end = start, start + checker.length
    slot.window_kind = window.kind
    slot.status = SlotStatus.PLANNED
    slot.save()
    return slot


@transaction.atomic
def campaign_slot_exclude(*, actor: Any, campaign: Campaign, slot: CampaignSlot) -> CampaignSlot:
    """Leave one customer out of a planned campaign; committing creates no change for it."""
    _require_staff(actor)
    campaign = _lock(campaign)
    if campaign.status != CampaignStatus.PLANNED:
        raise DomainError(
            _("Only the slots of a planned campaign can be excluded."),
            field="status",
            rule="R-MNT-13",
        )
    slot = _slot(campaign, slot)
    slot.status = SlotStatus.EXCLUDED
    slot.save(update_fields=["status"])
    return slot


# --- commit -----------------------------------------------------------------------------------


def _change_for(campaign: Campaign, slot: CampaignSlot, actor: Any, now: datetime) -> Change:
    reschedulable = rules.change_is_reschedulable(campaign.kind, False)
    return Change(
        partner_id=slot.customer.partner_id,
        kind=campaign.kind,
        title=campaign.title,
        description=campaign.description,
        start=slot.start,
        end=slot.end,
        reason=campaign.reason,
        interrupts_calling=campaign.interrupts_calling,
        status=ChangeStatus.NOTIFIED,
        notice_sent_at=now,
        reschedule_deadline=rules.reschedule_deadline(now) if reschedulable else None,
        reschedule_open=reschedulable,
        reminder_level=_initial_reminder_level(slot.start, now),
        created_by=actor if getattr(actor, "pk", None) else None,
        campaign=campaign,
    )


@transaction.atomic
def campaign_commit(*, actor: Any, campaign: Campaign, now: datetime | None = None) -> Campaign:
    """Create the campaign's changes (R-MNT-13): one per planned slot, each for its customer's
    partner, already notified (R-MNT-4) with its notice and outbox rows, plus the kind's own
    records (upgrades). Every slot is checked again first; one broken rule refuses the whole
    commit, and nothing is written. Set-based: a few dozen queries for ten thousand slots."""
    _require_staff(actor)
    now = now or timezone.now()
    campaign = _lock(campaign)
    if campaign.status != CampaignStatus.PLANNED:
        raise DomainError(
            _("Plan the campaign before committing it."), field="status", rule="R-MNT-13"
        )
    slots = list(
        campaign.slots.filter(status=SlotStatus.PLANNED)
        .select_related("customer", "certificate")
        .order_by("position", "pk")
    )
    if not slots:
        raise DomainError(_("The plan has no slot to commit."), field="status", rule="R-MNT-13")
    ids = [slot.customer_id for slot in slots]
    hooks = registry.kind_hooks(campaign.kind)
    refused = hooks.validate(campaign, ids) if hooks.validate is not None else {}
    checker = _SlotChecker(campaign, ids, now)
    windows = [
        planning.slot_window(slot.customer.region, campaign.kind, slot.start, slot.end)
        for slot in slots
    ]
    counts: dict[tuple[str, datetime], int] = defaultdict(int)
    for window in windows:
        if window is not None:
            counts[_window_key(window)] += 1
    for slot, window in zip(slots, windows, strict=True):
        found = refused.get(slot.customer_id) or checker.violation(
            slot.customer, slot.start, slot.certificate
        )
        if (
            found is None
            and window is not None
            and counts[_window_key(window)] > campaign.per_window_limit
        ):
            found = _room_violation(counts, campaign, window)
        if found is not None:
            raise DomainError(
                _("%(customer)s: %(reason)s Move or exclude its slot, or plan again.")
                % {"customer": slot.customer.name, "reason": found[1]},
                field="slots",
                rule=found[0],
            )
    changes = [_change_for(campaign, slot, actor, now) for slot in slots]
    changes = Change.objects.bulk_create(changes, batch_size=2000)
    if any(change.pk is None for change in changes):  # a database that returns no ids
        by_start = {(c.partner_id, c.start): c for c in Change.objects.filter(campaign=campaign)}
        changes = [by_start[(c.partner_id, c.start)] for c in changes]
    _history_created(campaign, actor, now)
    Change.customers.through.objects.bulk_create(
        [
            Change.customers.through(change_id=change.pk, customer_id=slot.customer_id)
            for change, slot in zip(changes, slots, strict=True)
        ],
        batch_size=1000,
    )
    # Each slot and each renewed certificate points at its change: one UPDATE each, joined on
    # the customer (a campaign has one change per customer).
    change_of_customer = Change.customers.through.objects.filter(
        change__campaign_id=campaign.pk, customer_id=OuterRef("customer_id")
    ).values("change_id")[:1]
    CampaignSlot.objects.filter(pk__in=[slot.pk for slot in slots]).update(
        status=SlotStatus.COMMITTED, change_id=Subquery(change_of_customer)
    )
    renewed = [slot.certificate_id for slot in slots if slot.certificate_id is not None]
    if renewed:
        Certificate.objects.filter(pk__in=renewed).update(
            renewal_change_id=Subquery(
                CampaignSlot.objects.filter(
                    campaign_id=campaign.pk, certificate_id=OuterRef("pk")
                ).values("change_id")[:1]
            )
        )
    _send_many(
        [
            ChangeMessage(
                change,
                [slot.customer],
                f"change:{change.pk}:notice",
                *notice_reschedule_texts(change, slot.customer),
            )
            for change, slot in zip(changes, slots, strict=True)
        ],
        kind=NoticeKind.NOTICE,
        headline=_("Planned maintenance"),
        now=now,
    )
    if hooks.on_commit is not None:
        hooks.on_commit(campaign, changes, now)
    campaign.status = CampaignStatus.COMMITTED
    campaign.committed_at = now
    campaign.save()
    return campaign


def _history_created(campaign: Campaign, actor: Any, now: datetime) -> int:
    """The audit history's "created" row of every change of the campaign, in one
    INSERT … SELECT (what ``simple_history`` writes for a change created one by one)."""
    history = Change.history.model
    quote = connection.ops.quote_name
    kept = {f.column for f in history._meta.concrete_fields}
    columns = [f.column for f in Change._meta.concrete_fields if f.column in kept]
    names = ", ".join(quote(c) for c in columns)
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({names}, {quote('history_date')}, "
        f"{quote('history_change_reason')}, {quote('history_type')}, "
        f"{quote('history_user_id')}) SELECT {names}, %s, NULL, '+', %s "
        f"FROM {quote(Change._meta.db_table)} WHERE {quote('campaign_id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, getattr(actor, "pk", None), campaign.pk])
        return cursor.rowcount


# --- reschedules inside the campaign (R-MNT-5, R-REL-4) -----------------------------------


def campaign_room_violation(
    *, change: Change, start: datetime, end: datetime
) -> tuple[str, str] | None:
    """R-MNT-13: a campaign's change is rescheduled only to a window of the campaign (by its
    deadline) that still has room under the campaign's limit. None for other changes."""
    if change.campaign_id is None:
        return None
    campaign = Campaign.objects.get(pk=change.campaign_id)
    if end > campaign.deadline:
        return "R-MNT-13", _("The campaign of this change ends before that window.")
    regions = sorted(set(change.customers.values_list("region", flat=True)))
    for region in regions:
        window = planning.slot_window(region, campaign.kind, start, end) or planning.slot_window(
            region, ChangeKind.INFRASTRUCTURE, start, end
        )
        if window is None:
            continue  # the window rules themselves refuse it
        taken = (
            Change.objects.filter(
                campaign_id=campaign.pk,
                status__in=rules.OPEN_STATUSES,
                customers__region=region,
                start__gte=window.start_utc,
                start__lt=window.end_utc,
            )
            .exclude(pk=change.pk)
            .distinct()
            .count()
        )
        if taken >= campaign.per_window_limit:
            return "R-MNT-13", _("This window has no room left in the change's campaign.")
    return None
