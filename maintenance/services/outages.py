"""Outages (R-MNT-12): declare, resolve and notify.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import DomainError
from portal.models import Customer
from portal.notifications import notify

from ..choices import (
    OutageStatus,
)
from ..models import (
    Outage,
)
from ._common import _require_staff

# --- outages (R-MNT-12) ------------------------------------------------------------------------


def outage_notify(*, outage: Outage, event: str) -> int:
    """Tell the subscribers of every affected customer (R-MNT-12); once per event and contact."""
    sent = 0
    partners = sorted({c.partner_id: c for c in outage.customers.all()}.items())
    for partner_id, _customer in partners:
        own = [c.pk for c in outage.customers.all() if c.partner_id == partner_id]
        sent += notify(
            kind=f"outage.{event}",
            partner=partner_id,
            customer=own[0] if len(own) == 1 else None,
            customers=own,
            context={"outage": outage.pk},
            related=outage,
            # one event per partner: an outage may hit customers of several partners
            dedupe_key=f"outage:{outage.pk}:{event}:{partner_id}",
        )
    return sent


@transaction.atomic
def outage_declare(
    *,
    actor: Any,
    title: str,
    customers: Iterable[Customer | int],
    description: str = "",
    now: datetime | None = None,
) -> Outage:
    """Declare an outage; subscribers of every affected customer are told (R-MNT-12)."""
    _require_staff(actor)
    ids = [c.pk if isinstance(c, Customer) else int(c) for c in customers]
    if not ids:
        raise DomainError(_("Name at least one affected customer."), field="customers")
    outage = Outage.objects.create(
        title=title, description=description, declared_at=now or timezone.now()
    )
    outage.customers.set(ids)
    outage_notify(outage=outage, event="declared")
    return outage


@transaction.atomic
def outage_resolve(
    *, actor: Any, outage: Outage, resolution: str = "", now: datetime | None = None
) -> Outage:
    _require_staff(actor)
    updated = Outage.objects.filter(pk=outage.pk, status=OutageStatus.DECLARED).update(
        status=OutageStatus.RESOLVED, resolved_at=now or timezone.now(), resolution=resolution
    )
    if not updated:
        raise DomainError(_("This outage is already resolved."), field="status", rule="R-MNT-12")
    outage.refresh_from_db()
    outage_notify(outage=outage, event="resolved")
    return outage
