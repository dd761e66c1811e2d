"""Freeze periods (R-MNT-14): a partner declares when a customer wants no planned maintenance.

Planned changes, reschedule alternatives and campaigns avoid them through
``validate_schedule`` (which every scheduling path calls); emergency changes ignore them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import DomainError, raise_violation
from portal.models import Customer
from portal.tenancy import require_partner_of

from .. import rules
from ..models import FreezePeriod


def _require_partner_of_customer(actor: Any, customer: Customer) -> None:
    """Staff, or a user of the customer's partner; anybody else is told the customer does not
    exist, on the ``customer`` field."""
    require_partner_of(
        actor, customer.partner_id, message=_("This customer does not exist."), field="customer"
    )


def _check(*, start: datetime | None, end: datetime | None, reason: str, now: datetime,
           start_changed: bool = True) -> str:
    raise_violation(
        rules.freeze_period_violation(start=start, end=end, now=now, start_changed=start_changed)
    )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Say why the customer needs this freeze."), field="reason", rule="R-MNT-14"
        )
    return reason


@transaction.atomic
def freeze_period_create(
    *,
    actor: Any,
    customer: Customer,
    start: datetime | None,
    end: datetime | None,
    reason: str,
    now: datetime | None = None,
) -> FreezePeriod:
    """Declare a freeze period for a customer (R-MNT-14): ahead, end after start, at most
    ``rules.FREEZE_MAX_LENGTH`` long, with a reason. Changes already planned in it are not
    moved: staff see the freeze on the change's admin page and reschedule as R-MNT-5 says."""
    _require_partner_of_customer(actor, customer)
    now = now or timezone.now()
    reason = _check(start=start, end=end, reason=reason, now=now)
    return FreezePeriod.objects.create(
        customer=customer, start=start, end=end, reason=reason, created_by=actor
    )


@transaction.atomic
def freeze_period_update(
    *,
    actor: Any,
    freeze: FreezePeriod,
    customer: Customer | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> FreezePeriod:
    """Change a freeze period that has not ended. A period under way keeps its start (it may
    not move into the past) but may be shortened or lengthened; omitted values are kept."""
    freeze = FreezePeriod.objects.select_for_update().select_related("customer").get(pk=freeze.pk)
    _require_partner_of_customer(actor, freeze.customer)
    now = now or timezone.now()
    if freeze.end <= now:
        raise DomainError(
            _("A freeze period that has ended can no longer be changed."),
            field="end",
            rule="R-MNT-14",
        )
    if customer is not None and customer.pk != freeze.customer_id:
        _require_partner_of_customer(actor, customer)
        freeze.customer = customer
    new_start = freeze.start if start is None else start
    new_end = freeze.end if end is None else end
    freeze.reason = _check(
        start=new_start,
        end=new_end,
        reason=freeze.reason if reason is None else reason,
        now=now,
        start_changed=new_start != freeze.start,
    )
    freeze.start, freeze.end = new_start, new_end
    freeze.save()
    return freeze


@transaction.atomic
def freeze_period_delete(*, actor: Any, freeze: FreezePeriod) -> None:
    """Withdraw a freeze period: planned changes may use its time again."""
    freeze = FreezePeriod.objects.select_for_update().select_related("customer").get(pk=freeze.pk)
    _require_partner_of_customer(actor, freeze.customer)
    freeze.delete()
