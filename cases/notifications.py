"""The cases app's notification kinds (R-CASE-9, R-CASE-10, R-CASE-12, R-NOT-2).

Each event stores the case id and the values of the moment (the severity then, a reason or a
plan someone typed); its templates in ``cases/templates/cases/email/`` render the rest from the
case, in the reader's language, with the customer's local times."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from portal.choices import Category
from portal.notifications import register_kind

from .models import Case
from .replies import reply_address


def case_context(events) -> dict[int, dict[str, Any]]:
    """One query for the cases of a batch of events (with their customers)."""
    ids = {e.context.get("case") for e in events} - {None}
    cases = Case.objects.select_related("customer", "partner", "owner").in_bulk(ids)
    out: dict[int, dict[str, Any]] = {}
    for event in events:
        case = cases.get(event.context.get("case"))
        out[event.pk] = {
            "case": case,
            "customer": case.customer if case else None,
            "link": reverse("cases:detail", args=[case.pk]) if case else "",
        }
    return out


KINDS = {
    "case.opened": "case_opened",  # S1/S2 opened (R-CASE-10)
    "case.raised": "case_raised",  # severity raised to S1/S2 (R-NOT-2)
    "case.escalated": "case_escalated",  # escalation request (R-CASE-6)
    "case.recurrence": "case_recurrence",  # the partner reports a recurrence
    "case.plan_posted": "case_plan_posted",  # status and action plan (R-CASE-9)
    "case.breach_warning": "case_breach_warning",  # due soon (R-CASE-10)
    "case.breached": "case_breached",  # not acknowledged in time (R-CASE-10)
    "case.plan_overdue": "case_plan_overdue",  # action plan overdue (R-CASE-9)
    "case.monitoring_resolved": "case_monitoring_resolved",  # R-CASE-12
}

def case_reply_to(delivery) -> str | None:
    """A contact's e-mail about a case carries the contact's own signed reply address for that
    case: a reply becomes a comment on it (``manage.py receive_mail``)."""
    case_id = delivery.notification.context.get("case")
    if not case_id or not delivery.contact_id:
        return None
    return reply_address(int(case_id), delivery.contact_id)


for _name, _template in KINDS.items():
    register_kind(
        _name,
        category=Category.CASES,
        template=f"cases/email/{_template}",
        context=case_context,
        reply_to=case_reply_to,
    )


#: R-CASE-10: a breached case still not acknowledged climbs to level 2 (the duty manager) and
#: level 3 (the head of support); the operator's own people only.
CASE_ESCALATION_LEVEL = "case.escalation_level"


def _escalation_level_context(events) -> dict[int, dict[str, Any]]:
    """:func:`case_context`, the link opening the case in the operator console (the operator's
    own people only)."""
    out = case_context(events)
    for values in out.values():
        case = values["case"]
        values["link"] = reverse("admin:cases_case_change", args=[case.pk]) if case else ""
    return out


register_kind(
    CASE_ESCALATION_LEVEL,
    category=Category.CASES,
    template="cases/email/case_escalation_level",
    context=_escalation_level_context,
)
