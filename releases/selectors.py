"""Every read of the releases app. Releases are reference data every signed-in user may
read; installed versions and upgrades are tenant data, scoped through ``for_user``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from . import rules
from .choices import ComplianceState, Position
from .models import InstalledVersion, Release, Upgrade


@dataclass
class ReleaseView:
    """A release row with its derived position and effective policy (R-REL-2, R-REL-3)."""

    release: Release
    status: rules.ReleaseStatus

    @property
    def position(self) -> Position | None:
        return self.status.position

    @property
    def policy(self) -> rules.Policy:
        return self.status.policy

    @property
    def target(self) -> rules.ReleaseKey | None:
        return self.status.target


def _row(release: Release, *, today: date) -> rules.ReleaseRow:
    target = release.upgrade_target
    return rules.ReleaseRow(
        key=release.key,
        available=release.available_on is not None and release.available_on <= today,
        end_of_sale=release.end_of_sale,
        overrides=release.overrides,
        upgrade_target=target.key if target is not None else None,
    )


class ReleaseCatalogue:
    """All releases (one query) with the pure catalogue that derives positions and policy."""

    def __init__(self, releases: list[Release], *, today: date):
        self.today = today
        self.releases = releases
        self.by_key = {r.key: r for r in releases}
        self.rules = rules.Catalogue(_row(r, today=today) for r in releases)

    def view(self, release: Release) -> ReleaseView:
        return ReleaseView(release=release, status=self.rules.status(release.key))

    def views(self) -> list[ReleaseView]:
        """Newest first."""
        ordered = sorted(self.releases, key=lambda r: r.key.sort_key, reverse=True)
        return [self.view(r) for r in ordered]

    def position(self, release: Release) -> Position | None:
        return self.rules.position_of(release.key)

    def compliance(self, release: Release) -> rules.Compliance:
        return self.rules.compliance(release.key, today=self.today)

    def release_for(self, key: rules.ReleaseKey | None) -> Release | None:
        return self.by_key.get(key) if key is not None else None

    @property
    def latest(self) -> Release | None:
        return self.release_for(self.rules.latest)

    def policy_table(self) -> list[list[str]]:
        return self.rules.policy_table()


def catalogue(*, today: date | None = None) -> ReleaseCatalogue:
    releases = list(Release.objects.select_related("upgrade_target"))
    return ReleaseCatalogue(releases, today=today or timezone.localdate())


def releases_qs() -> QuerySet[Release]:
    return Release.objects.select_related("upgrade_target")


def installed_for(user: Any) -> QuerySet[InstalledVersion]:
    return InstalledVersion.objects.for_user(user).select_related(
        "customer", "customer__partner", "release", "compliance_target"
    )


def upgrades_for(user: Any) -> QuerySet[Upgrade]:
    return Upgrade.objects.for_user(user).select_related("change", "target", "change__partner")


def dashboard_counts(user: Any, *, now: datetime | None = None) -> dict[str, Any]:
    installed = InstalledVersion.objects.for_user(user)
    now = now or timezone.now()
    return {
        "end_of_sale": installed.filter(compliance_state=ComplianceState.END_OF_SALE).count(),
        "must_upgrade": installed.filter(compliance_state=ComplianceState.MUST_UPGRADE).count(),
        "upcoming_upgrades": Upgrade.objects.for_user(user)
        .filter(completed_at__isnull=True, change__start__gte=now)
        .exclude(change__status="cancelled")
        .count(),
        "latest": catalogue().latest,
    }


def compliance_message(row: InstalledVersion) -> str:
    """The translated one-line compliance of an installed version."""
    target = row.compliance_target.key if row.compliance_target else None
    return rules.Compliance(ComplianceState(row.compliance_state), target=target).message


def staff_must_upgrade_by_partner(partner_ids: list[int]) -> dict[int, int]:
    """Staff overview: applications that must upgrade or run an end-of-sale release."""
    rows = InstalledVersion.objects.filter(
        customer__partner_id__in=partner_ids,
        compliance_state__in=[ComplianceState.MUST_UPGRADE, ComplianceState.END_OF_SALE],
    ).values("customer__partner_id")
    return dict(rows.annotate(n=Count("id")).values_list("customer__partner_id", "n"))
