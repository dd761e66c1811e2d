"""The notification kinds of cases (portal.notifications: one event, rendered per reader)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from portal.choices import Category
from portal.models import Notification
from portal.notifications import register_kind

from .models import Case

#: R-CASE-10: a breached case still not acknowledged climbs to level 2 (the duty manager) and
#: level 3 (the head of support); the operator's own people only.
CASE_ESCALATED = "case.escalated"


def _escalation_context(events: list[Notification]) -> dict[int, dict[str, Any]]:
    """The cases of a batch of escalation events, in one query; the link opens the case in
    the operator console."""
    ids = {e.context.get("case") for e in events} - {None}
    cases = Case.objects.select_related("customer", "partner", "owner").in_bulk(ids)
    out: dict[int, dict[str, Any]] = {}
    for event in events:
        case = cases.get(event.context.get("case"))
        out[event.pk] = {
            "case": case,
            "customer": case.customer if case else None,
            "link": reverse("admin:cases_case_change", args=[case.pk]) if case else "",
        }
    return out


register_kind(
    CASE_ESCALATED,
    category=Category.CASES,
    template="cases/email/case_escalated",
    context=_escalation_context,
)
