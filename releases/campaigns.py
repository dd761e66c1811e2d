"""The upgrade kind of maintenance campaigns (R-MNT-13, R-REL-3, R-REL-4, R-MNT-7).

Registered with ``maintenance.campaigns`` from ``ReleasesConfig.ready``, so maintenance plans
upgrade campaigns without importing releases: customers are selected by installed release and
application, each customer's target is checked against the release policy, and committing
creates one upgrade record per change with the "upgrade planned" message to the partner.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from maintenance import campaigns as registry
from maintenance.choices import ChangeKind
from portal.choices import Application
from portal.errors import DomainError
from portal.notifications import Event, notify_many

from . import rules, selectors
from .choices import ComplianceState
from .models import InstalledVersion, Release, Upgrade


def select_by_release(customers: QuerySet, release_ids: list) -> QuerySet:
    """Customers that run one of the releases on some application."""
    return customers.filter(installed_versions__release_id__in=release_ids).distinct()


def select_by_application(customers: QuerySet, applications: list) -> QuerySet:
    """Customers that run one of the applications."""
    unknown = set(applications) - set(Application.values)
    if unknown:
        raise DomainError(_("Unknown application."), field="selection", rule="R-REL-1")
    return customers.filter(installed_versions__application__in=applications).distinct()


def check(campaign: Any) -> None:
    """An upgrade campaign names a target whose policy supports upgrades (R-REL-3, R-REL-4)."""
    if campaign.target_release_id is None:
        raise DomainError(
            _("An upgrade campaign needs a target release."),
            field="target_release",
            rule="R-REL-4",
        )
    cat = selectors.catalogue()
    violation = rules.upgrade_target_violation(
        target=cat.rules.status(campaign.target_release.key), installed=[]
    )
    if violation is not None:
        raise DomainError(str(violation.message), field="target_release", rule=violation.rule)
    apps = (campaign.selection or {}).get("applications") or []
    if set(apps) - set(Application.values):
        raise DomainError(_("Unknown application."), field="selection", rule="R-REL-1")


def validate(campaign: Any, customer_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """The customers the target or the reason does not suit (R-REL-3, R-REL-4, R-MNT-7), with
    the rule and why: one query for every installed version, read against the release table."""
    cat = selectors.catalogue()
    target = cat.rules.status(campaign.target_release.key)
    apps = (campaign.selection or {}).get("applications") or []
    rows = InstalledVersion.objects.filter(customer_id__in=customer_ids).select_related(
        "customer"
    )
    if apps:
        rows = rows.filter(application__in=apps)
    by_release = {r.pk: r for r in cat.releases}
    facts: dict[int, tuple] = {}
    installed: dict[int, list[rules.InstalledRelease]] = defaultdict(list)
    names: dict[int, str] = {}
    for customer_id, name, application, release_id in rows.values_list(
        "customer_id", "customer__name", "application", "release_id"
    ):
        names[customer_id] = name
        if release_id not in facts:
            release = by_release[release_id]
            facts[release_id] = (
                release.key,
                cat.position(release),
                release.end_of_sale,
                release.end_of_life,
                cat.view(release).policy.may_stay,
                cat.compliance(release).target,
            )
        key, position, eos, eol, may_stay, must = facts[release_id]
        installed[customer_id].append(
            rules.InstalledRelease(
                customer=name,
                application=Application(application).label,
                release=key,
                position=position,
                end_of_sale=eos,
                end_of_life=eol,
                may_stay=may_stay,
                must_upgrade_to=must,
            )
        )
    refused: dict[int, tuple[str, str]] = {}
    for customer_id in customer_ids:
        mine = installed.get(customer_id, [])
        violation = rules.upgrade_target_violation(target=target, installed=mine) or (
            rules.upgrade_reason_violation(
                reason=campaign.reason,
                customers=[names.get(customer_id, "")],
                installed=mine,
                advisory=campaign.advisory,
                has_case=False,
                today=cat.today,
            )
        )
        if violation is not None:
            refused[customer_id] = (violation.rule, str(violation.message))
    return refused


def on_commit(campaign: Any, changes: Sequence[Any], now: datetime) -> None:
    """One upgrade per change (R-REL-4), and the partner is told which customer goes to which
    release and when, set-based."""
    apps = sorted((campaign.selection or {}).get("applications") or [])
    target: Release = campaign.target_release
    upgrades = bulk_create_with_history(
        [
            Upgrade(change=change, target=target, applications=apps, advisory=campaign.advisory)
            for change in changes
        ],
        Upgrade,
        batch_size=1000,
        default_date=now,
    )
    if any(u.pk is None for u in upgrades):
        upgrades = list(Upgrade.objects.filter(change__campaign_id=campaign.pk))
    through = changes[0].customers.through if changes else None
    customers: dict[int, list[int]] = defaultdict(list)
    if through is not None:
        for change_id, customer_id in through.objects.filter(
            change__campaign_id=campaign.pk
        ).values_list("change_id", "customer_id"):
            customers[change_id].append(customer_id)
    changes_by_id = {c.pk: c for c in changes}
    # One "upgrade planned" event per upgrade, rendered per reader at delivery (R-REL-4).
    notify_many(
        [
            Event(
                kind="upgrade.planned",
                partner_id=upgrade_change.partner_id,
                customer_id=ids[0] if len(ids) == 1 else None,
                customer_ids=tuple(ids),
                context={"upgrade": upgrade.pk},
                related=upgrade,
                dedupe_key=f"upgrade:{upgrade.pk}:planned",
            )
            for upgrade in upgrades
            for upgrade_change in [changes_by_id[upgrade.change_id]]
            for ids in [sorted(customers[upgrade_change.pk])]
        ]
    )


def must_upgrade_release_ids() -> list[int]:
    """Releases whose customers must upgrade (R-REL-2, R-REL-3): end of sale (n-2 and older)
    or a policy that lets nobody stay (n-1 where policy says)."""
    return sorted(
        set(
            InstalledVersion.objects.filter(
                compliance_state__in=[ComplianceState.END_OF_SALE, ComplianceState.MUST_UPGRADE]
            ).values_list("release_id", flat=True)
        )
    )


def campaign_prefill(release: Release, *, now: datetime | None = None) -> dict[str, Any]:
    """The initial values of an upgrade campaign offered when ``release`` is announced: the
    customers that must upgrade, to the release the policy names (the announced one unless
    the table says otherwise)."""
    now = now or timezone.now()
    cat = selectors.catalogue()
    status = cat.rules.status(release.key)
    target = release
    if status is not None and status.target is not None and not status.policy.upgrades_supported:
        target = cat.release_for(status.target) or release
    return {
        "kind": ChangeKind.UPGRADE,
        "target_release": target.pk,
        "title": _("Upgrade to %(release)s") % {"release": target.key.short_label},
        "reason": rules.REASON_END_OF_LIFE,
        "duration_minutes": 120,
        "per_window_limit": 20,
        "selection": {"releases": must_upgrade_release_ids()},
        "deadline": (now + timedelta(days=90)).replace(microsecond=0),
    }


def register() -> None:
    registry.register_selection("releases", filter=select_by_release)
    registry.register_selection("applications", filter=select_by_application)
    registry.register_kind(ChangeKind.UPGRADE, validate=validate, on_commit=on_commit, check=check)
