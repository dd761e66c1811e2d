"""Every read of the releases app. Releases are reference data every signed-in user may
read; installed versions and upgrades are tenant data, scoped through ``for_user``."""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from portal.models import Customer

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


@dataclass(frozen=True)
class AnnouncePreview:
    """What announcing a release would do (R-REL-2): every row whose position shifts, the
    n-2 rows whose end of sale starts, and who will be told."""

    release: Release
    available_on: date
    shifts: list[tuple[Release, Position | None, Position | None]]
    end_of_sale: list[Release]
    applications: int
    customers: int
    partners: int

    @property
    def shifted_ids(self) -> list[int]:
        return [release.pk for release, _before, _after in self.shifts]


def announce_preview(release: Release, *, available_on: date) -> AnnouncePreview:
    """Positions before and after ``release`` becomes available on ``available_on``, computed
    without writing: the admin shows it before staff confirm, the service acts on it."""
    rows = list(Release.objects.select_related("upgrade_target"))
    before = ReleaseCatalogue(rows, today=available_on)
    announced = copy.copy(next(r for r in rows if r.pk == release.pk))
    announced.available_on = available_on
    after = ReleaseCatalogue(
        [announced if r.pk == release.pk else r for r in rows], today=available_on
    )
    shifts = [
        (r, before.position(r), after.position(r))
        for r in sorted(after.releases, key=lambda r: r.key.sort_key, reverse=True)
        if after.position(r) != before.position(r)
    ]
    end_of_sale = [
        r for r in after.releases if after.position(r) == Position.N_2 and r.end_of_sale is None
    ]
    told = InstalledVersion.objects.filter(release_id__in=[r.pk for r, _b, _a in shifts])
    return AnnouncePreview(
        release=release,
        available_on=available_on,
        shifts=shifts,
        end_of_sale=end_of_sale,
        applications=told.count(),
        customers=told.values("customer_id").distinct().count(),
        partners=told.values("customer__partner_id").distinct().count(),
    )


def installed_releases(
    cat: ReleaseCatalogue, customers: Any, applications: Any = ()
) -> list[rules.InstalledRelease]:
    """What the customers run on the given applications (all when none), read against the
    release table, for the upgrade rules (R-REL-4, R-MNT-7)."""
    rows = InstalledVersion.objects.filter(customer__in=customers).select_related(
        "customer", "release"
    )
    if applications:
        rows = rows.filter(application__in=list(applications))
    return [
        rules.InstalledRelease(
            customer=row.customer.name,
            application=row.get_application_display(),
            release=row.release.key,
            position=cat.position(row.release),
            end_of_sale=row.release.end_of_sale,
            end_of_life=row.release.end_of_life,
            may_stay=cat.view(row.release).policy.may_stay,
            must_upgrade_to=cat.compliance(row.release).target,
        )
        for row in rows.order_by("customer__name", "application")
    ]


def releases_qs() -> QuerySet[Release]:
    return Release.objects.select_related("upgrade_target")


def installed_for(user: Any) -> QuerySet[InstalledVersion]:
    return InstalledVersion.objects.for_user(user).select_related(
        "customer", "customer__partner", "release", "compliance_target"
    )


def upgrades_for(user: Any) -> QuerySet[Upgrade]:
    return Upgrade.objects.for_user(user).select_related("change", "target", "change__partner")


def dashboard_counts(user: Any, *, now: datetime | None = None) -> dict[str, Any]:
    # Both states in one aggregate of the partner's installed versions.
    states = InstalledVersion.objects.for_user(user).aggregate(
        end_of_sale=Count("pk", filter=Q(compliance_state=ComplianceState.END_OF_SALE)),
        must_upgrade=Count("pk", filter=Q(compliance_state=ComplianceState.MUST_UPGRADE)),
    )
    now = now or timezone.now()
    return {
        "end_of_sale": states["end_of_sale"],
        "must_upgrade": states["must_upgrade"],
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


# Worst first: how a customer's overall compliance is summarised.
COMPLIANCE_SEVERITY = (
    ComplianceState.END_OF_SALE,
    ComplianceState.MUST_UPGRADE,
    ComplianceState.UNKNOWN,
    ComplianceState.NOT_FOR_NEW_DEPLOYMENTS,
    ComplianceState.OK,
)


def compliance_by_customer(user: Any) -> list[dict[str, Any]]:
    """Each of the caller's customers (by name) with its worst compliance state over its
    applications (R-REL-3): ``{"customer", "worst", "label"}``, ``worst`` empty when none is
    recorded. Two queries."""
    counts: dict[int, Counter] = {}
    for customer_id, state in installed_for(user).values_list("customer_id", "compliance_state"):
        counts.setdefault(customer_id, Counter())[state] += 1
    rows = []
    for customer in Customer.objects.for_user(user).order_by("name"):
        states = counts.get(customer.pk, Counter())
        worst = next((s for s in COMPLIANCE_SEVERITY if states.get(s)), None)
        rows.append(
            {
                "customer": customer,
                "worst": worst or "",
                "label": ComplianceState(worst).label if worst else "",
            }
        )
    return rows
