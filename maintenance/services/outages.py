"""Outages (R-MNT-12): declare, post updates on the timeline, resolve, and notify.

The timeline is a status page's: the declaration is its first update (investigating), staff
post updates as they learn more (investigating, identified, monitoring, in any order), and the
resolution is its last (resolved). Posting a ``resolved`` update resolves the outage through
``outage_resolve``, the one path that resolves. Every entry reaches the subscribers of every
affected customer once per contact.
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

from portal.errors import DomainError, raise_violation
from portal.models import Customer
from portal.notifications import notify
from portal.webhooks import Event as WebhookEvent
from portal.webhooks import publish_many

from .. import rules
from ..choices import (
    OutageStatus,
    OutageUpdateStatus,
)
from ..models import (
    Outage,
    OutageUpdate,
)
from ._common import MAINTENANCE, _require_staff

# --- outages (R-MNT-12) ------------------------------------------------------------------------


def outage_notify(*, outage: Outage, event: str, update: OutageUpdate | None = None) -> int:
    """Tell the subscribers of every affected customer (R-MNT-12); once per event and contact.

    ``event`` is ``declared``, ``resolved`` or ``update`` (then ``update`` is the entry, and
    the event key is the update's own, so each update is sent once)."""
    if event == "declared":
        subject = _("Outage: %(title)s") % {"title": outage.title}
        body = outage.description or outage.title
        key = f"outage:{outage.pk}:declared"
    elif event == "resolved":
        subject = _("Resolved: %(title)s") % {"title": outage.title}
        body = outage.resolution or outage.title
        key = f"outage:{outage.pk}:resolved"
    else:
        assert update is not None
        subject = _("Outage update (%(status)s): %(title)s") % {
            "status": update.get_status_display(),
            "title": outage.title,
        }
        body = update.text
        key = f"outage:{outage.pk}:update:{update.pk}"
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
            dedupe_key=f"{key}:{customer.partner_id}",
        )
    return sent


def _scope(applications: Iterable[str], regions: Iterable[str]) -> tuple[list[str], list[str]]:
    apps, regs = sorted(set(applications)), sorted(set(regions))
    raise_violation(rules.outage_scope_violation(applications=apps, regions=regs))
    return apps, regs


def outage_publish(*, outage: Outage, type_: str) -> int:
    """R-NOT-4: one ``outage.*`` webhook per affected partner, naming only its own customers."""
    by_partner: dict[int, list[int]] = {}
    for customer_id, partner_id in outage.customers.values_list("pk", "partner_id"):
        by_partner.setdefault(partner_id, []).append(customer_id)
    data = {
        "outage_id": outage.pk,
        "title": outage.title,
        "description": outage.description,
        "status": outage.status,
        "declared_at": outage.declared_at,
        "resolved_at": outage.resolved_at,
        "resolution": outage.resolution,
    }
    return publish_many(
        [
            WebhookEvent(
                partner_id=partner_id,
                type=type_,
                data={**data, "customer_ids": sorted(ids)},
                dedupe_key=f"{type_}:{outage.pk}",
            )
            for partner_id, ids in sorted(by_partner.items())
        ]
    )


@transaction.atomic
def outage_declare(
    *,
    actor: Any,
    title: str,
    customers: Iterable[Customer | int],
    description: str = "",
    applications: Iterable[str] = (),
    regions: Iterable[str] = (),
    now: datetime | None = None,
) -> Outage:
    """Declare an outage; subscribers of every affected customer are told (R-MNT-12). The
    declaration opens the timeline as its first update (investigating)."""
    _require_staff(actor)
    ids = [c.pk if isinstance(c, Customer) else int(c) for c in customers]
    if not ids:
        raise DomainError(_("Name at least one affected customer."), field="customers")
    apps, regs = _scope(applications, regions)
    at = now or timezone.now()
    outage = Outage.objects.create(
        title=title, description=description, declared_at=at, applications=apps, regions=regs
    )
    outage.customers.set(ids)
    OutageUpdate.objects.create(
        outage=outage,
        status=OutageUpdateStatus.INVESTIGATING,
        text=description or title,
        created_by=actor,
        created_at=at,
    )
    outage_notify(outage=outage, event="declared")
    outage_publish(outage=outage, type_="outage.declared")
    return outage


@transaction.atomic
def outage_resolve(
    *, actor: Any, outage: Outage, resolution: str = "", now: datetime | None = None
) -> Outage:
    """Resolve an outage (the only path that does): the timeline's last update, and the
    resolution sent to the subscribers (R-MNT-12)."""
    _require_staff(actor)
    at = now or timezone.now()
    updated = Outage.objects.filter(pk=outage.pk, status=OutageStatus.DECLARED).update(
        status=OutageStatus.RESOLVED, resolved_at=at, resolution=resolution
    )
    if not updated:
        raise DomainError(_("This outage is already resolved."), field="status", rule="R-MNT-12")
    outage.refresh_from_db()
    OutageUpdate.objects.create(
        outage=outage,
        status=OutageUpdateStatus.RESOLVED,
        text=resolution or _("Resolved."),
        created_by=actor,
        created_at=at,
    )
    outage_notify(outage=outage, event="resolved")
    outage_publish(outage=outage, type_="outage.resolved")
    return outage


@transaction.atomic
def outage_update_post(
    *, actor: Any, outage: Outage, status: str, text: str, now: datetime | None = None
) -> OutageUpdate:
    """Post an update on an open outage's timeline, sent to the subscribers (R-MNT-12).
    ``resolved`` resolves the outage through :func:`outage_resolve`; a resolved outage takes
    no more updates."""
    _require_staff(actor)
    # The row lock makes concurrent posts on one outage line up: none lands after resolved.
    locked = Outage.objects.select_for_update().get(pk=outage.pk)
    raise_violation(
        rules.outage_update_violation(
            resolved=locked.status == OutageStatus.RESOLVED, status=status, text=text
        )
    )
    if status == OutageUpdateStatus.RESOLVED:
        outage_resolve(actor=actor, outage=outage, resolution=text.strip(), now=now)
        return outage.updates.order_by("-created_at", "-pk").first()  # type: ignore[return-value]
    update = OutageUpdate.objects.create(
        outage=outage,
        status=status,
        text=text.strip(),
        created_by=actor,
        created_at=now or timezone.now(),
    )
    outage_notify(outage=outage, event="update", update=update)
    return update
