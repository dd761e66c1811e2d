"""Outages (R-MNT-12): declare, resolve and notify.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
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
from ._common import MAINTENANCE, _require_staff

# --- outages (R-MNT-12) ------------------------------------------------------------------------


def outage_notify(*, outage: Outage, event: str) -> int:
    """Tell the subscribers of every affected customer (R-MNT-12); once per event and contact."""
    if event == "declared":
        subject = _("Outage: %(title)s") % {"title": outage.title}
        body = outage.description or outage.title
    else:
        subject = _("Resolved: %(title)s") % {"title": outage.title}
        body = outage.resolution or outage.title
    link = settings.SITE_URL + reverse("maintenance:outage", args=[outage.pk])
    sent = 0
    for customer in outage.customers.select_related("partner"):
        sent += notify(
            partner=customer.partner,
            category=MAINTENANCE,
            customer=customer,
            subject=subject,
            body=f"{body}\n\n{link}",
            related=outage,
            # one event per partner: an outage may hit customers of several partners
            dedupe_key=f"outage:{outage.pk}:{event}:{customer.partner_id}",
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
