"""The releases app's notification kinds (R-REL-2, R-REL-4): compliance changes and upgrades.

Compliance events store the states told (application, release id, state, target id), so the
message says what was true when it was decided, in the reader's language."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from portal.choices import Application, Category
from portal.notifications import register_kind

from . import rules
from .choices import ComplianceState
from .models import Release, Upgrade


def compliance_context(events) -> dict[int, dict[str, Any]]:
    release_ids = set()
    for event in events:
        release_ids.add(event.context.get("announced"))
        for _app, release, _state, target in event.context.get("rows", []):
            release_ids |= {release, target}
    releases = Release.objects.in_bulk(release_ids - {None})
    out = {}
    for event in events:
        lines = []
        for application, release, state, target in event.context.get("rows", []):
            target_row = releases.get(target)
            lines.append(
                {
                    "application": Application(application).label,
                    "release": releases[release].key.short_label if release in releases else "",
                    "compliance": rules.Compliance(
                        ComplianceState(state), target=target_row.key if target_row else None
                    ),
                }
            )
        announced = releases.get(event.context.get("announced"))
        out[event.pk] = {
            "lines": lines,
            "announced": announced.key.short_label if announced else "",
            "link": reverse("releases:customer", args=[event.customer_id])
            if event.customer_id
            else "",
        }
    return out


def upgrade_context(events) -> dict[int, dict[str, Any]]:
    upgrades = (
        Upgrade.objects.select_related("change", "target")
        .prefetch_related("change__customers")
        .in_bulk({e.context.get("upgrade") for e in events} - {None})
    )
    out = {}
    for event in events:
        upgrade = upgrades.get(event.context.get("upgrade"))
        out[event.pk] = {
            "upgrade": upgrade,
            "change": upgrade.change if upgrade else None,
            "release": upgrade.target.key.short_label if upgrade else "",
            "customer_names": sorted(c.name for c in upgrade.change.customers.all())
            if upgrade
            else [],
            "link": reverse("releases:upgrade", args=[upgrade.pk]) if upgrade else "",
        }
    return out


register_kind(
    "release.compliance",
    category=Category.RELEASES,
    template="releases/email/release_compliance",
    context=compliance_context,
)
register_kind(
    "upgrade.planned",
    category=Category.RELEASES,
    template="releases/email/upgrade_planned",
    context=upgrade_context,
)
register_kind(
    "upgrade.completed",
    category=Category.RELEASES,
    template="releases/email/upgrade_completed",
    context=upgrade_context,
)
