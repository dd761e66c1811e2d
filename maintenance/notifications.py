"""The maintenance app's notification kinds (R-MNT-4, R-MNT-6, R-MNT-9, R-MNT-11, R-MNT-12).

Events store ids and values; the templates in ``maintenance/templates/maintenance/email/``
render the change, outage or patch in the reader's language with each region's local times."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.dateparse import parse_datetime

from portal.choices import Category
from portal.notifications import register_kind

from .models import Change, Outage, OutageUpdate, PatchRequest


def _regions(customers, sme_publisher_region: str) -> list[str]:
    from . import rules

    return sorted({rules.effective_region(c.region, sme_publisher_region) for c in customers})


def _moments(context: dict[str, Any]) -> dict[str, Any]:
    """Times travel as ISO strings in the stored context; templates get datetimes."""
    return {
        key: parse_datetime(value)
        for key, value in context.items()
        if key.endswith("_at") and isinstance(value, str)
    }


def change_context(events) -> dict[int, dict[str, Any]]:
    changes = (
        Change.objects.select_related("partner")
        .prefetch_related("customers")
        .in_bulk({e.context.get("change") for e in events} - {None})
    )
    out = {}
    for event in events:
        change = changes.get(event.context.get("change"))
        customers = sorted(change.customers.all(), key=lambda c: c.name) if change else []
        out[event.pk] = {
            "change": change,
            "customers": customers,
            "customer_names": [c.name for c in customers],
            # R-MNT-2: the local times of each region whose windows the change fits
            "regions": _regions(customers, change.sme_publisher_region) if change else [],
            "link": (
                reverse("maintenance:sso", args=[event.context["checklist"]])
                if "checklist" in event.context
                else reverse("maintenance:change", args=[change.pk])
                if change
                else ""
            ),
            **_moments(event.context),
            # R-MNT-5: the offered windows, [start, end] pairs stored as ISO strings
            "alternatives": [
                (parse_datetime(start), parse_datetime(end))
                for start, end in event.context.get("alternatives", [])
            ],
        }
    return out


def outage_context(events) -> dict[int, dict[str, Any]]:
    outages = Outage.objects.prefetch_related("customers").in_bulk(
        {e.context.get("outage") for e in events} - {None}
    )
    updates = OutageUpdate.objects.in_bulk({e.context.get("update") for e in events} - {None})
    out = {}
    for event in events:
        outage = outages.get(event.context.get("outage"))
        customers = (
            sorted(
                (c for c in outage.customers.all() if c.partner_id == event.partner_id),
                key=lambda c: c.name,
            )
            if outage
            else []
        )
        out[event.pk] = {
            "outage": outage,
            "customers": customers,
            "customer_names": [c.name for c in customers],
            "link": reverse("maintenance:outage", args=[outage.pk]) if outage else "",
            # an update of the outage's timeline (R-MNT-12): its status and what staff wrote
            "update": updates.get(event.context.get("update")),
        }
    return out


def patch_context(events) -> dict[int, dict[str, Any]]:
    patches = PatchRequest.objects.select_related("customer", "partner").in_bulk(
        {e.context.get("patch") for e in events} - {None}
    )
    return {e.pk: {"patch": patches.get(e.context.get("patch"))} for e in events}


def generic_context(events) -> dict[int, dict[str, Any]]:
    """Kinds whose context holds only values (partner emergencies, change-management requests)."""
    from portal.models import Customer, Partner

    partners = Partner.objects.in_bulk({e.context.get("partner") for e in events} - {None})
    customer_ids = {c for e in events for c in e.context.get("customers", [])}
    customers = Customer.objects.in_bulk(customer_ids)
    return {
        e.pk: {
            "partner_name": getattr(partners.get(e.context.get("partner")), "name", ""),
            "customers": [customers[c] for c in e.context.get("customers", []) if c in customers],
            "customer_names": [
                customers[c].name for c in e.context.get("customers", []) if c in customers
            ],
            **_moments(e.context),
        }
        for e in events
    }


MAINTENANCE = Category.MAINTENANCE_AND_OUTAGES
CHANGE_KINDS = (
    "notice",
    "reminder",
    "rescheduled",
    "emergency",
    "completed",
    "cancelled",
    "review_approved",
    "review_rejected",
    "alternatives_offered",  # R-MNT-5: the windows offered for a reschedule request
)
for _name in CHANGE_KINDS:
    register_kind(
        f"change.{_name}",
        category=MAINTENANCE,
        template=f"maintenance/email/change_{_name}",
        context=change_context,
    )
register_kind(
    "change.sso_follow_up",
    category=MAINTENANCE,
    template="maintenance/email/change_sso_follow_up",
    context=change_context,
)
for _name in ("declared", "update", "resolved"):
    register_kind(
        f"outage.{_name}",
        category=MAINTENANCE,
        template=f"maintenance/email/outage_{_name}",
        context=outage_context,
    )
register_kind(
    "patch.uploaded",
    category=MAINTENANCE,
    template="maintenance/email/patch_uploaded",
    context=patch_context,
)
for _name in ("change_requested", "reschedule_requested", "patch_requested", "partner_emergency"):
    register_kind(
        f"operator.{_name}",
        category=MAINTENANCE,
        template=f"maintenance/email/operator_{_name}",
        context=generic_context,
    )
