"""Partner-requested changes with joint review (R-MNT-9).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import DomainError
from portal.models import Customer, Partner
from portal.tenancy import (
    partner_for,
)

from ..choices import (
    ChangeKind,
    ChangeOrigin,
    ChangeStatus,
    NoticeKind,
)
from ..models import (
    Change,
)
from ._common import (
    _customers_of,
    _lock,
    _require_partner_of,
    _require_staff,
    _send,
    _tell_change_management,
    _transition,
)

# --- partner-requested changes with joint review (R-MNT-9) -------------------------------------


@transaction.atomic
def change_request_by_partner(
    *,
    actor: Any,
    customers: Iterable[Customer | int],
    title: str,
    description: str,
    partner_request_kind: str,
    partner: Partner | None = None,
) -> Change:
    """A partner asks for a change; it waits for the joint review before any scheduling."""
    partner = partner or partner_for(actor)
    if partner is None:
        raise DomainError(_("Only partner users can request changes."), rule="R-MNT-9")
    _require_partner_of(actor, partner.pk)
    if not (description or "").strip():
        raise DomainError(
            _("Describe the change and its impact."), field="description", rule="R-MNT-9"
        )
    members = _customers_of(partner, customers)
    change = Change.objects.create(
        partner=partner,
        kind=ChangeKind.ROUTINE,
        origin=ChangeOrigin.PARTNER,
        partner_request_kind=partner_request_kind,
        title=title,
        description=description,
        status=ChangeStatus.SUBMITTED,
        created_by=actor,
    )
    change.customers.set(members)
    _tell_change_management(
        kind="operator.change_requested",
        context={"title": title, "description": description},
        related=change,
        dedupe_key=f"change:{change.pk}:submitted",
    )
    return change


@transaction.atomic
def change_review(
    *,
    actor: Any,
    change: Change,
    decision: str,
    note: str = "",
    kind: str | None = None,
    now: datetime | None = None,
) -> Change:
    """Joint review steps (R-MNT-9): ``start`` review, then ``approve`` or ``reject``."""
    _require_staff(actor)
    now = now or timezone.now()
    change = _lock(change)
    target = {
        "start": ChangeStatus.UNDER_REVIEW,
        "approve": ChangeStatus.APPROVED,
        "reject": ChangeStatus.REJECTED,
    }.get(decision)
    if target is None:
        raise DomainError(_("Unknown review decision."), field="decision", rule="R-MNT-9")
    _transition(change, target)
    if note:
        change.review_note = note
    if kind and target == ChangeStatus.APPROVED:
        change.kind = kind
    change.save()
    if target in (ChangeStatus.APPROVED, ChangeStatus.REJECTED):
        headline = (
            _("Change request approved")
            if target == ChangeStatus.APPROVED
            else _("Change request rejected")
        )
        _send(
            change,
            kind=NoticeKind.NOTICE,
            event_key=f"change:{change.pk}:review:{target}",
            headline=headline,
            extra=note,
            message="change.review_approved"
            if target == ChangeStatus.APPROVED
            else "change.review_rejected",
            values={"note": note or ""},
            now=now,
        )
    return change
