"""The capacity app's notification kinds (R-CAP-1, R-CAP-3, R-CAP-4). Their events carry the
counts of the moment as values; the templates word them in the reader's language."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from portal.choices import Category
from portal.notifications import register_kind

from .choices import RequestStatus


def capacity_context(events) -> dict[int, dict[str, Any]]:
    out = {}
    for event in events:
        status = event.context.get("status")
        out[event.pk] = {
            "status_label": RequestStatus(status).label if status else "",
            "link": reverse("capacity:customer", args=[event.customer_id])
            if event.customer_id
            else reverse("capacity:index"),
        }
    return out


for _name in ("activation_confirmed", "threshold", "request_status"):
    register_kind(
        f"capacity.{_name}",
        category=Category.CAPACITY,
        template=f"capacity/email/capacity_{_name}",
        context=capacity_context,
    )
