"""Every write of the capacity app (R-CAP-1 … R-CAP-5). Portal views, the API, the admin
and the beat task all call these."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import jobs
from portal.errors import DomainError, raise_violation
from portal.models import Customer
from portal.notifications import Event, notify, notify_many_written
from portal.tenancy import require_operator, require_partner_of
from portal.webhooks import publish

from . import rules
from .choices import (
    ActivationStatus,
    BaselineReasonKind,
    EventNoteKind,
    ReportSource,
    RequestStatus,
)
from .models import (
    CapacityActivation,
    CapacityBaseline,
    CapacityRequest,
    CapacityRequestEvent,
    CustomerCapacity,
    ProvisionedReport,
)
from .rules import Counts


def _require_access(actor: Any, customer: Customer) -> None:
    """Staff act for any customer; a partner user only for its own partner's customers."""
    require_partner_of(
        actor, customer.partner_id, message=_("This customer does not exist."), field="customer"
    )


def _capacity_for_update(customer: Customer) -> CustomerCapacity:
    """The customer's capacity row, created on first use and locked for this transaction."""
    CustomerCapacity.objects.get_or_create(customer=customer)
    return CustomerCapacity.objects.select_for_update().get(customer=customer)


def _level(capacity: CustomerCapacity) -> int:
    return rules.threshold_level(
        rules.customer_utilisation(approved=capacity.approved, provisioned=capacity.provisioned)
    )


# --- R-CAP-1: approved capacity ------------------------------------------------------


@transaction.atomic
def capacity_set_baseline(
    *,
    customer: Customer,
    knowledge_workers: int,
    workspace_devices: int,
    actor: Any,
    reason: str = "",
    reason_kind: str = "",
    reason_params: dict[str, Any] | None = None,
    request: CapacityRequest | None = None,
    at: datetime | None = None,
) -> CapacityBaseline:
    """Record approved capacity (R-CAP-1): at activation, or when a change request adds
    capacity (R-CAP-3). Staff only; each value is a new history row."""
    require_operator(actor)
    if knowledge_workers < 0 or workspace_devices < 0:
        raise DomainError(_("Approved capacity cannot be negative."), rule="R-CAP-1")
    at = at or timezone.now()
    capacity = _capacity_for_update(customer)
    baseline = CapacityBaseline.objects.create(
        customer=customer,
        knowledge_workers=knowledge_workers,
        workspace_devices=workspace_devices,
        effective_at=at,
        reason=reason.strip(),
        reason_kind=reason_kind,
        reason_params=reason_params or {},
        request=request,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    capacity.approved_knowledge_workers = knowledge_workers
    capacity.approved_workspace_devices = workspace_devices
    capacity.approved_at = at
    capacity.current_level = _level(capacity)
    capacity.save(
        update_fields=[
            "approved_knowledge_workers",
            "approved_workspace_devices",
            "approved_at",
            "current_level",
        ]
    )
    return baseline


@transaction.atomic
def capacity_activation_submit(
    *,
    customer: Customer,
    knowledge_workers: int,
    workspace_devices: int,
    actor: Any,
    now: datetime | None = None,
) -> CapacityActivation:
    """The partner gives a new customer's end-state totals (R-CAP-1 Decision).

    Only a customer without approved capacity is activated; until staff confirm, the
    partner may submit the counts again, which replaces them. Later growth is a change
    request (R-CAP-3).
    """
    _require_access(actor, customer)
    now = now or timezone.now()
    counts = Counts(knowledge_workers, workspace_devices)
    violations = rules.activation_violations(counts=counts)
    if violations:
        raise_violation(violations[0])
    _capacity_for_update(customer)  # serialises submissions for one customer
    activation = CapacityActivation.objects.filter(customer=customer).first()
    if (activation is not None and activation.status == ActivationStatus.CONFIRMED) or (
        CapacityBaseline.objects.filter(customer=customer).exists()
    ):
        raise DomainError(
            _(
                "This customer's capacity is already approved: to change it, request a "
                "capacity change."
            ),
            rule="R-CAP-1",
        )
    submitted_by = actor if getattr(actor, "pk", None) else None
    activation, _created = CapacityActivation.objects.update_or_create(
        customer=customer,
        defaults={
            "knowledge_workers": knowledge_workers,
            "workspace_devices": workspace_devices,
            "submitted_by": submitted_by,
            "submitted_at": now,
            "status": ActivationStatus.SUBMITTED,
        },
    )
    return activation


@transaction.atomic
def capacity_activation_confirm(
    *, activation: CapacityActivation, actor: Any, now: datetime | None = None
) -> CapacityBaseline:
    """Staff confirm the activation counts: they become the approved capacity (R-CAP-1)."""
    require_operator(actor)
    now = now or timezone.now()
    claimed = CapacityActivation.objects.filter(
        pk=activation.pk, status=ActivationStatus.SUBMITTED
    ).update(
        status=ActivationStatus.CONFIRMED,
        confirmed_at=now,
        confirmed_by=actor if getattr(actor, "pk", None) else None,
    )
    if claimed != 1:
        raise DomainError(_("These activation counts are already confirmed."), rule="R-CAP-1")
    activation.refresh_from_db()
    baseline = capacity_set_baseline(
        customer=activation.customer,
        knowledge_workers=activation.knowledge_workers,
        workspace_devices=activation.workspace_devices,
        actor=actor,
        reason_kind=BaselineReasonKind.ACTIVATION,
        at=now,
    )
    customer = activation.customer
    notify(
        kind="capacity.activation_confirmed",
        partner=customer.partner_id,
        customer=customer,
        context={"kw": activation.knowledge_workers, "wd": activation.workspace_devices},
        related=customer,
        dedupe_key=f"capacity-activation:{activation.pk}:confirmed",
    )
    return baseline


# --- R-CAP-2: provisioned counts through the gate ----------------------------------------


@transaction.atomic
def provisioned_report(
    *,
    customer: Customer,
    knowledge_workers: int,
    workspace_devices: int,
    actor: Any,
    source: str = ReportSource.PORTAL,
    at: datetime | None = None,
) -> ProvisionedReport:
    """Record the currently provisioned counts; refused above approved capacity (R-CAP-2).

    The capacity row is locked so two concurrent reports cannot both pass against a stale
    limit. A crossing of 80/90/100 % is notified at once (R-CAP-4).
    """
    _require_access(actor, customer)
    capacity = _capacity_for_update(customer)
    counts = Counts(knowledge_workers, workspace_devices)
    violations = rules.provisioning_violations(approved=capacity.approved, provisioned=counts)
    if violations:
        raise_violation(violations[0])
    at = at or timezone.now()
    report = ProvisionedReport.objects.create(
        customer=customer,
        knowledge_workers=knowledge_workers,
        workspace_devices=workspace_devices,
        reported_at=at,
        source=source,
        reported_by=actor if getattr(actor, "pk", None) else None,
    )
    capacity.provisioned_knowledge_workers = knowledge_workers
    capacity.provisioned_workspace_devices = workspace_devices
    capacity.provisioned_at = at
    capacity.current_level = _level(capacity)
    capacity.save(
        update_fields=[
            "provisioned_knowledge_workers",
            "provisioned_workspace_devices",
            "provisioned_at",
            "current_level",
        ]
    )
    capacity_notify_thresholds(customer_ids=[customer.pk])
    return report


# --- R-CAP-4: threshold notifications ---------------------------------------------------


def capacity_notify_thresholds(*, customer_ids: list[int] | None = None) -> int:
    """Notify each 80/90/100 % threshold once per upward crossing (R-CAP-4).

    Set-based: one query over a partial index finds the customers whose level moved since
    the last notification. A batch of them is claimed through ``portal.jobs`` (rows another
    run holds are skipped on PostgreSQL; writers of the level lock the same row), notified
    from the level last notified, and stored with one update, so of two concurrent runs
    exactly one notifies; a level that fell is stored without notifying, which re-arms the
    thresholds above it. A failing batch is retried in halves, so one bad row cannot stop the
    others. Returns notifications written.
    """

    def due() -> QuerySet:
        qs = CustomerCapacity.objects.filter(~Q(current_level=F("notified_level")))
        if customer_ids is not None:
            qs = qs.filter(customer_id__in=customer_ids)
        return qs

    run = jobs.run_batches(
        name="capacity thresholds",
        due=due,
        handle=_notify_level_changes,
        order_by=("customer_id",),
    )
    return run.counts.get("written", 0)


def _notify_level_changes(ids: list[int]) -> dict[str, int]:
    """Notify a claimed batch, then store each level as notified: one read, the outbox's
    INSERT, one update, whatever the batch's size."""
    rows = CustomerCapacity.objects.filter(pk__in=ids).select_related("customer")
    events = [event for row in rows.order_by("customer_id") for event in _level_change_events(row)]
    written = sum(notify_many_written(events).values())
    CustomerCapacity.objects.filter(pk__in=ids).update(
        notified_level=F("current_level"), level_epoch=F("level_epoch") + 1
    )
    return {"written": written}


def _level_change_events(row: CustomerCapacity) -> list[Event]:
    """The events of one level change: each threshold crossed upwards since the level last
    notified (R-CAP-4), keyed by the change's epoch so a new crossing is a new event."""
    epoch = row.level_epoch + 1
    customer = row.customer
    return [
        Event(
            kind="capacity.threshold",
            partner_id=customer.partner_id,
            customer_id=customer.pk,
            context={
                "threshold": threshold,
                "kw": row.provisioned_knowledge_workers,
                "kw_max": row.approved_knowledge_workers,
                "wd": row.provisioned_workspace_devices,
                "wd_max": row.approved_workspace_devices,
            },
            related=customer,
            dedupe_key=f"capacity:{customer.pk}:threshold:{threshold}:{epoch}",
        )
        for threshold in rules.thresholds_to_notify(row.notified_level, row.current_level)
    ]


# --- R-CAP-3: change requests ---------------------------------------------------------


def _publish_request(request: CapacityRequest, event: CapacityRequestEvent) -> int:
    """R-NOT-4: ``capacity.request_changed`` for the partner's automation, once per event."""
    return publish(
        partner=request.customer.partner_id,
        type="capacity.request_changed",
        data={
            "request_id": request.pk,
            "customer_id": request.customer_id,
            "from_status": event.from_status or None,
            "to_status": event.to_status,
            "knowledge_workers": request.knowledge_workers,
            "workspace_devices": request.workspace_devices,
            "note": event.note,
            "changed_at": event.at,
        },
        dedupe_key=f"capacity.request_changed:{event.pk}",
    )


def _notify_request(request: CapacityRequest, event: CapacityRequestEvent) -> None:
    customer = request.customer
    notify(
        kind="capacity.request_status",
        partner=customer.partner_id,
        customer=customer,
        context={
            "id": request.pk,
            "status": request.status,
            "kw": request.knowledge_workers,
            "wd": request.workspace_devices,
            "note": event.note,
        },
        related=request,
        dedupe_key=f"capacity-request:{request.pk}:{request.status}",
    )


@transaction.atomic
def capacity_request_submit(
    *,
    customer: Customer,
    knowledge_workers: int,
    workspace_devices: int,
    reason: str,
    case: Any,
    actor: Any,
    now: datetime | None = None,
) -> CapacityRequest:
    """Ask for new approved totals, linked to the TAC case that works out the plan (R-CAP-3)."""
    _require_access(actor, customer)
    if not reason or not reason.strip():
        raise DomainError(_("Give the reason for the change."), field="reason", rule="R-CAP-3")
    if case is None or case.customer_id != customer.pk:
        raise DomainError(
            _("Link the TAC case raised for this customer's expansion."),
            field="case",
            rule="R-CAP-3",
        )
    capacity = _capacity_for_update(customer)
    violations = rules.request_violations(
        requested=Counts(knowledge_workers, workspace_devices), approved=capacity.approved
    )
    if violations:
        raise_violation(violations[0])
    open_request = CapacityRequest.objects.filter(
        customer=customer, status__in=rules.OPEN_STATUSES
    ).first()
    if open_request is not None:
        raise DomainError(
            _(
                "This customer already has an open capacity request (#%(id)s): update or "
                "withdraw that one instead."
            )
            % {"id": open_request.pk},
            rule="R-CAP-3",
        )
    request = CapacityRequest.objects.create(
        customer=customer,
        knowledge_workers=knowledge_workers,
        workspace_devices=workspace_devices,
        reason=reason.strip(),
        case=case,
        previous_knowledge_workers=capacity.approved_knowledge_workers,
        previous_workspace_devices=capacity.approved_workspace_devices,
        submitted_by=actor if getattr(actor, "pk", None) else None,
    )
    event = CapacityRequestEvent.objects.create(
        request=request,
        from_status="",
        to_status=RequestStatus.SUBMITTED,
        note=request.reason,
        actor=request.submitted_by,
        at=now or timezone.now(),
    )
    _notify_request(request, event)
    _publish_request(request, event)
    return request


@transaction.atomic
def capacity_request_transition(
    *,
    request: CapacityRequest,
    status: str,
    actor: Any,
    note: str = "",
    now: datetime | None = None,
) -> CapacityRequest:
    """Move a request one step (R-CAP-3; staff only) and notify the partner.

    At ``capacity_added`` the requested totals become the approved capacity. A rejection
    needs a reason.
    """
    require_operator(actor)
    locked = CapacityRequest.objects.select_for_update().get(pk=request.pk)
    violation = rules.transition_violation(locked.status, status)
    if violation:
        raise_violation(violation)
    if status == RequestStatus.REJECTED and not note.strip():
        raise DomainError(
            _("Give the reason for rejecting the request."), field="note", rule="R-CAP-3"
        )
    previous = locked.status
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    event = CapacityRequestEvent.objects.create(
        request=locked,
        from_status=previous,
        to_status=status,
        note=note.strip(),
        actor=actor if getattr(actor, "pk", None) else None,
        at=now or timezone.now(),
    )
    if status == RequestStatus.CAPACITY_ADDED:
        capacity_set_baseline(
            customer=locked.customer,
            knowledge_workers=locked.knowledge_workers,
            workspace_devices=locked.workspace_devices,
            actor=actor,
            reason_kind=BaselineReasonKind.REQUEST,
            reason_params={"request": locked.pk},
            request=locked,
        )
    _notify_request(locked, event)
    _publish_request(locked, event)
    request.refresh_from_db()
    return locked


def _partner_change_lock(actor: Any, request: CapacityRequest) -> CapacityRequest:
    """The request, locked, once the actor may still change it (R-CAP-3)."""
    _require_access(actor, request.customer)
    locked = CapacityRequest.objects.select_for_update().get(pk=request.pk)
    raise_violation(rules.partner_change_violation(locked.status))
    return locked


@transaction.atomic
def capacity_request_update(
    *,
    request: CapacityRequest,
    actor: Any,
    knowledge_workers: int | None = None,
    workspace_devices: int | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> CapacityRequest:
    """The partner changes the totals or the reason of its open request until staff agree a
    plan (R-CAP-3 Decision). The new totals must still change the approved capacity."""
    locked = _partner_change_lock(actor, request)
    now = now or timezone.now()
    if reason is not None and not reason.strip():
        raise DomainError(_("Give the reason for the change."), field="reason", rule="R-CAP-3")
    requested = Counts(
        locked.knowledge_workers if knowledge_workers is None else knowledge_workers,
        locked.workspace_devices if workspace_devices is None else workspace_devices,
    )
    capacity = _capacity_for_update(locked.customer)
    violations = rules.request_violations(requested=requested, approved=capacity.approved)
    if violations:
        raise_violation(violations[0])
    locked.knowledge_workers = requested.knowledge_workers
    locked.workspace_devices = requested.workspace_devices
    if reason is not None:
        locked.reason = reason.strip()
    locked.save(update_fields=["knowledge_workers", "workspace_devices", "reason", "updated_at"])
    CapacityRequestEvent.objects.create(
        request=locked,
        from_status=locked.status,
        to_status=locked.status,
        note_kind=EventNoteKind.UPDATED,
        note_params={"kw": requested.knowledge_workers, "wd": requested.workspace_devices},
        actor=actor if getattr(actor, "pk", None) else None,
        at=now,
    )
    request.refresh_from_db()
    return locked


@transaction.atomic
def capacity_request_withdraw(
    *, request: CapacityRequest, actor: Any, note: str = "", now: datetime | None = None
) -> CapacityRequest:
    """The partner withdraws its open request until staff agree a plan (R-CAP-3 Decision);
    the customer may then submit a new one."""
    locked = _partner_change_lock(actor, request)
    now = now or timezone.now()
    previous = locked.status
    locked.status = RequestStatus.WITHDRAWN
    locked.save(update_fields=["status", "updated_at"])
    event = CapacityRequestEvent.objects.create(
        request=locked,
        from_status=previous,
        to_status=RequestStatus.WITHDRAWN,
        note=note.strip(),
        actor=actor if getattr(actor, "pk", None) else None,
        at=now,
    )
    _notify_request(locked, event)
    _publish_request(locked, event)
    request.refresh_from_db()
    return locked
