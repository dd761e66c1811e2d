"""Emergency changes in the partner's own network (R-MNT-8).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.services import case_link_check
from portal.errors import DomainError, raise_violation
from portal.limits import partner_request_check
from portal.models import Customer
from portal.notifications import notify
from portal.tenancy import (
    partner_for,
)

from .. import rules
from ..models import (
    PartnerEmergency,
)
from ._common import _customers_of

# --- emergency changes in the partner's own network (R-MNT-8) ----------------------------------


@transaction.atomic
def partner_emergency_report(
    *,
    actor: Any,
    title: str,
    description: str,
    start: datetime,
    end: datetime,
    customers: Iterable[Customer | int],
    visible_impact: str,
    case: Any = None,
) -> PartnerEmergency:
    """A partner tells the operator of an emergency change in its own network (R-MNT-8):
    what, when, which customers, the impact visible to the operator and optionally its TAC
    case. It needs no window; the operator's on-call hears of it at once (outbox)."""
    partner = partner_for(actor)
    if partner is None:
        raise DomainError(
            _("Only partner users report emergency changes in their network."), rule="R-MNT-8"
        )
    for name, value in (
        ("title", title),
        ("description", description),
        ("visible_impact", visible_impact),
    ):
        if not (value or "").strip():
            raise DomainError(_("This field is required."), field=name, rule="R-MNT-8")
    raise_violation(rules.interval_violation(start, end))
    members = _customers_of(partner, customers)
    linked = case_link_check(user=actor, case_id=getattr(case, "pk", case), partner=partner)
    partner_request_check(partner_id=partner.pk)
    emergency = PartnerEmergency.objects.create(
        partner=partner,
        title=title.strip(),
        description=description.strip(),
        start=start,
        end=end,
        visible_impact=visible_impact.strip(),
        case=linked,
        reported_by=actor,
    )
    emergency.customers.set(members)
    notify(
        kind="operator.partner_emergency",
        partner=None,
        context={
            "partner": partner.pk,
            "title": emergency.title,
            "description": emergency.description,
            "customers": [c.pk for c in members],
            "start_at": start.isoformat(),
            "end_at": end.isoformat(),
            "impact": emergency.visible_impact,
            "case": linked.pk if linked else None,
            "link": reverse("admin:maintenance_partneremergency_change", args=[emergency.pk]),
        },
        related=emergency,
        dedupe_key=f"partner-emergency:{emergency.pk}:reported",
        operator_emails=[settings.OPERATOR_ONCALL_EMAIL],
    )
    return emergency
