"""Pure release rules (R-REL-2 … R-REL-4): ordering, positions, policy, compliance.

No database and no clock: callers pass the release rows and ``today``/``now``. Every
surface (admin, portal, API, beat task) reaches these through ``releases.services`` and
``releases.selectors``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from portal.errors import Violation
from releases.choices import ComplianceState, Position

# --- ordering -------------------------------------------------------------------------

_TOKEN = re.compile(r"\d+|[a-z]+")


def _natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Numbers compare as numbers, letters as letters: "SU7" < "SU7a" < "SU10"."""
    return tuple(
        (0, int(tok)) if tok.isdigit() else (1, tok) for tok in _TOKEN.findall(text.lower())
    )


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key of a release version: "12.5" < "14.0" < "15.0" < "15.10"."""
    return _natural_key(version)


def service_update_key(service_update: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key of a service update: "" (base) < "SU1" < "SU2" < "SU7" < "SU7a" < "SU10"."""
    return _natural_key(service_update)


@dataclass(frozen=True)
class ReleaseKey:
    """One release row's identity: a version and a service update (R-REL-2)."""

    version: str
    service_update: str = ""

    @property
    def sort_key(self) -> tuple:
        return (version_key(self.version), service_update_key(self.service_update))

    def __str__(self) -> str:
        return f"v{self.version} {self.service_update}".strip()

    @property
    def short_label(self) -> str:
        """As the source writes upgrade targets: "v15 SU2" for 15.0 SU2, "v12.5 SU7a"."""
        version = self.version[:-2] if self.version.endswith(".0") else self.version
        return f"v{version} {self.service_update}".strip()


def sort_releases(keys: Iterable[ReleaseKey]) -> list[ReleaseKey]:
    """Oldest first."""
    return sorted(keys, key=lambda k: k.sort_key)


# --- R-REL-2: positions ---------------------------------------------------------------

_POSITIONS: tuple[Position, ...] = (Position.N, Position.N_1, Position.N_2)


def positions(versions: Iterable[str]) -> dict[str, Position]:
    """Position of each distinct available version, derived from order (R-REL-2).

    The newest version is n, the one before n-1, then n-2; anything older is "older".
    Rows of the same version (its service updates) share the version's position, so
    announcing a new version shifts every other one down by one.
    """
    distinct = sorted(set(versions), key=version_key, reverse=True)
    return {
        v: _POSITIONS[i] if i < len(_POSITIONS) else Position.OLDER for i, v in enumerate(distinct)
    }


# --- R-REL-3: policy ------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """The three R-REL-3 policy cells of one release."""

    new_deployments: bool
    upgrades_supported: bool
    may_stay: bool


@dataclass(frozen=True)
class PolicyOverrides:
    """Staff-set policy cells; ``None`` means "derived from position" (R-REL-3)."""

    new_deployments: bool | None = None
    upgrades_supported: bool | None = None
    may_stay: bool | None = None


POLICY_FIELDS: tuple[str, ...] = ("new_deployments", "upgrades_supported", "may_stay")


def default_policy(position: Position | str | None) -> Policy:
    """R-REL-3 Decision: defaults follow R-REL-2.

    n: all yes. n-1: customers may stay and upgrades are supported, but no new
    deployments. n-2 and older: end of sale, nothing supported, must upgrade to the
    latest service update of n. A release not yet available allows nothing.
    """
    if position == Position.N:
        return Policy(new_deployments=True, upgrades_supported=True, may_stay=True)
    if position == Position.N_1:
        return Policy(new_deployments=False, upgrades_supported=True, may_stay=True)
    return Policy(new_deployments=False, upgrades_supported=False, may_stay=False)


def effective_policy(position: Position | str | None, overrides: PolicyOverrides) -> Policy:
    """Staff overrides where set, position defaults elsewhere (R-REL-3)."""
    default = default_policy(position)
    return Policy(
        **{
            name: getattr(default, name)
            if getattr(overrides, name) is None
            else getattr(overrides, name)
            for name in POLICY_FIELDS
        }
    )


def minimal_overrides(policy: Policy, position: Position | str | None) -> PolicyOverrides:
    """The overrides that turn the position's defaults into ``policy``.

    Cells equal to the default stay ``None`` so that they keep following the position
    when a newer release shifts it (R-REL-2); only real deviations are stored.
    """
    default = default_policy(position)
    return PolicyOverrides(
        **{
            name: None if getattr(policy, name) == getattr(default, name) else getattr(policy, name)
            for name in POLICY_FIELDS
        }
    )


# --- the catalogue: positions, policies and targets of all rows together -----------------


@dataclass(frozen=True)
class ReleaseRow:
    """What the rules need of one stored release row."""

    key: ReleaseKey
    available: bool = True
    end_of_sale: date | None = None
    overrides: PolicyOverrides = field(default_factory=PolicyOverrides)
    upgrade_target: ReleaseKey | None = None


@dataclass(frozen=True)
class ReleaseStatus:
    """A release row with its derived position, effective policy and upgrade target."""

    row: ReleaseRow
    position: Position | None
    policy: Policy
    target: ReleaseKey | None

    @property
    def key(self) -> ReleaseKey:
        return self.row.key


@dataclass(frozen=True)
class Compliance:
    """Where an installed release stands, and what to upgrade to when it must."""

    state: ComplianceState
    position: Position | None = None
    target: ReleaseKey | None = None

    @property
    def message(self) -> str:
        """A translated one-line explanation for reports and notifications."""
        target = self.target.short_label if self.target else ""
        if self.state == ComplianceState.END_OF_SALE:
            return _("End of sale: must upgrade to %(target)s.") % {"target": target}
        if self.state == ComplianceState.MUST_UPGRADE:
            return _("Must upgrade to %(target)s.") % {"target": target}
        if self.state == ComplianceState.NOT_FOR_NEW_DEPLOYMENTS:
            return _("May stay; not allowed for new deployments.")
        if self.state == ComplianceState.UNKNOWN:
            return _("This release is not in the release table.")
        return _("OK: supported release.")


class Catalogue:
    """All release rows with positions derived from order (R-REL-2) and policy (R-REL-3)."""

    def __init__(self, rows: Iterable[ReleaseRow]):
        self.rows: list[ReleaseRow] = sorted(rows, key=lambda r: r.key.sort_key)
        available = [r for r in self.rows if r.available]
        self.positions: dict[str, Position] = positions(r.key.version for r in available)
        self.latest: ReleaseKey | None = available[-1].key if available else None
        self.statuses: dict[ReleaseKey, ReleaseStatus] = {r.key: self._status(r) for r in self.rows}

    def _status(self, row: ReleaseRow) -> ReleaseStatus:
        position = self.positions.get(row.key.version) if row.available else None
        policy = effective_policy(position, row.overrides)
        needs_target = not (policy.may_stay and policy.upgrades_supported)
        # R-REL-3 Decision: the default target is the latest service update of n.
        target = (row.upgrade_target or self.latest) if needs_target else None
        return ReleaseStatus(row=row, position=position, policy=policy, target=target)

    def status(self, key: ReleaseKey) -> ReleaseStatus | None:
        return self.statuses.get(key)

    def position_of(self, key: ReleaseKey) -> Position | None:
        status = self.status(key)
        return status.position if status else None

    def compliance(self, installed: ReleaseKey, *, today: date) -> Compliance:
        """Compliance of an installed release (R-REL-2, R-REL-3).

        End of sale when the row's end-of-sale date has come, or, without a date, when it
        is n-2 or older (R-REL-2: n-2 enters end of sale shortly after a new release);
        must upgrade when the policy does not let customers stay; not for new deployments
        when they may stay but new deployments are not supported; otherwise OK.
        """
        status = self.status(installed)
        if status is None or status.position is None:
            return Compliance(state=ComplianceState.UNKNOWN)
        target = status.target or self.latest
        eos = status.row.end_of_sale
        if (eos is not None and eos <= today) or (
            eos is None and status.position in (Position.N_2, Position.OLDER)
        ):
            return Compliance(ComplianceState.END_OF_SALE, status.position, target)
        if not status.policy.may_stay:
            return Compliance(ComplianceState.MUST_UPGRADE, status.position, target)
        if not status.policy.new_deployments:
            return Compliance(ComplianceState.NOT_FOR_NEW_DEPLOYMENTS, status.position)
        return Compliance(ComplianceState.OK, status.position)

    # --- the R-REL-3 table, rendered from data ---

    def policy_table(self) -> list[list[str]]:
        """The R-REL-3 table for the n-2, n-1 and n versions, oldest column first.

        Row 0 is the header; cells read as the source writes them, e.g. "must upgrade to
        v15 SU2". Rows of one version share a column; differing cells are joined by "/".
        """
        columns: list[tuple[str, list[ReleaseStatus]]] = []
        for version, position in sorted(
            self.positions.items(), key=lambda item: version_key(item[0])
        ):
            if position == Position.OLDER:
                continue
            statuses = [
                s for s in self.statuses.values() if s.key.version == version and s.position
            ]
            statuses.sort(key=lambda s: s.key.sort_key)
            columns.append((version, statuses))
        header = [""] + [
            f"v{version} {'/'.join(s.key.service_update for s in statuses)} "
            f"({self.positions[version]})".replace("  ", " ")
            for version, statuses in columns
        ]
        labels = {
            "new_deployments": _("new customer deployments"),
            "upgrades_supported": _("upgrades supported"),
            "may_stay": _("customers may stay"),
        }
        body = [
            [labels[name]] + [_column_cell(name, statuses) for _version, statuses in columns]
            for name in POLICY_FIELDS
        ]
        return [header, *body]


def _cell(name: str, status: ReleaseStatus) -> str:
    if getattr(status.policy, name):
        return _("yes") if name == "may_stay" else _("supported")
    if name == "new_deployments":
        return _("not supported")
    target = status.target.short_label if status.target else ""
    return _("must upgrade to %(target)s") % {"target": target}


def _column_cell(name: str, statuses: Sequence[ReleaseStatus]) -> str:
    cells: list[str] = []
    for status in statuses:
        text = _cell(name, status)
        if text not in cells:
            cells.append(text)
    return "/".join(cells)


# --- R-REL-4: reschedule an upgrade once, up to one week before ------------------------

UPGRADE_RESCHEDULE_LIMIT = 1
UPGRADE_RESCHEDULE_NOTICE = timedelta(days=7)


def upgrade_reschedule_violation(
    *, start: datetime, now: datetime, reschedules_used: int
) -> Violation | None:
    """Why the partner may not reschedule this upgrade now (R-REL-4), or ``None``.

    The partner may reschedule an upgrade once, up to one week before its start: exactly
    seven days before is still allowed.
    """
    if reschedules_used >= UPGRADE_RESCHEDULE_LIMIT:
        return Violation(
            field=None,
            message=_(
                "This upgrade has already been rescheduled once; it cannot be rescheduled again."
            ),
            rule="R-REL-4",
        )
    if now > start - UPGRADE_RESCHEDULE_NOTICE:
        return Violation(
            field=None,
            message=_(
                "An upgrade can be rescheduled only up to one week before it starts."
            ),
            rule="R-REL-4",
        )
    return None


# --- R-REL-3 / R-REL-4: what an upgrade may target ---------------------------------------


@dataclass(frozen=True)
class InstalledRelease:
    """One application of one customer and what the release table says of its release."""

    customer: str
    application: str
    release: ReleaseKey
    position: Position | None = None
    end_of_sale: date | None = None
    end_of_life: date | None = None
    may_stay: bool = True
    must_upgrade_to: ReleaseKey | None = None


def upgrade_target_violation(
    *, target: ReleaseStatus | None, installed: Iterable[InstalledRelease]
) -> Violation | None:
    """Why ``target`` cannot be an upgrade's target (R-REL-3, R-REL-4 Decision), or ``None``.

    The target must be available, its policy must support upgrades (by default the latest
    service update of n: n-2 and older never do), it may never be older than what a
    customer runs on an affected application (an upgrade is never a downgrade), nor older
    than the release the policy tells that customer to upgrade to.
    """
    if target is None or target.position is None:
        return Violation(
            _("The target release is not available yet."), "target", "R-REL-2"
        )
    if not target.policy.upgrades_supported:
        return Violation(
            _(
                "Upgrades to %(release)s are not supported by the release policy; choose a "
                "release that supports upgrades, such as %(suggested)s."
            )
            % {
                "release": target.key.short_label,
                "suggested": target.target.short_label if target.target else "n",
            },
            "target",
            "R-REL-3",
        )
    newer = [row for row in installed if row.release.sort_key > target.key.sort_key]
    if newer:
        row = newer[0]
        return Violation(
            _(
                "%(customer)s already runs %(release)s on %(application)s, newer than "
                "%(target)s: an upgrade cannot go back to an older release."
            )
            % {
                "customer": row.customer,
                "release": row.release.short_label,
                "application": row.application,
                "target": target.key.short_label,
            },
            "target",
            "R-REL-4",
        )
    short = [
        row
        for row in installed
        if row.must_upgrade_to is not None
        and row.must_upgrade_to.sort_key > target.key.sort_key
    ]
    if short:
        row = short[0]
        return Violation(
            _(
                "%(customer)s must upgrade %(application)s from %(release)s to %(required)s "
                "or newer; %(target)s is not enough."
            )
            % {
                "customer": row.customer,
                "application": row.application,
                "release": row.release.short_label,
                "required": row.must_upgrade_to.short_label,
                "target": target.key.short_label,
            },
            "target",
            "R-REL-3",
        )
    return None


def first_installation_violation(*, release: ReleaseStatus | None) -> Violation | None:
    """A new customer's first installed version must support new deployments (R-REL-3,
    R-REL-4 Decision), or ``None``."""
    if release is not None and release.position is not None and release.policy.new_deployments:
        return None
    label = release.key.short_label if release is not None else ""
    return Violation(
        _(
            "%(release)s does not support new customer deployments: a new customer starts on "
            "a release that does."
        )
        % {"release": label},
        "release",
        "R-REL-3",
    )


# --- R-MNT-7: an upgrade's reason must be true of the customer ---------------------------

# "Approaching end of life" includes an end of life within this horizon.
END_OF_LIFE_HORIZON = timedelta(days=180)

REASON_SECURITY = "security_vulnerability"
REASON_BELOW_N_1 = "version_below_n_minus_1"
REASON_END_OF_LIFE = "approaching_end_of_life"
REASON_FEATURES = "partner_feature_request"


def below_n_minus_1(row: InstalledRelease) -> bool:
    """The release is older than n-1 by the release table (R-MNT-7)."""
    return row.position in (Position.N_2, Position.OLDER)


def near_end_of_life(row: InstalledRelease, *, today: date) -> bool:
    """The release approaches end of life (R-MNT-7): the release policy no longer lets
    customers stay on it (R-REL-3), its end of sale has come, or its end of life falls within
    the horizon."""
    if not row.may_stay:
        return True
    if row.end_of_life is not None and row.end_of_life <= today + END_OF_LIFE_HORIZON:
        return True
    return row.end_of_sale is not None and row.end_of_sale <= today


def upgrade_reason_violation(
    *,
    reason: str,
    customers: Sequence[str],
    installed: Iterable[InstalledRelease],
    advisory: str,
    has_case: bool,
    today: date,
) -> Violation | None:
    """Why the reason given for an upgrade is not true of its customers (R-MNT-7), or ``None``.

    "Lower than n-1" and "approaching end of life" must hold, by the release table, for at
    least one affected application of every customer; a security upgrade names its advisory;
    a feature upgrade links the partner's TAC case (whose customer the service checks).
    """
    rows = list(installed)
    if reason == REASON_SECURITY and not advisory.strip():
        return Violation(
            _("Name the security advisory this upgrade fixes."), "advisory", "R-MNT-7"
        )
    if reason == REASON_FEATURES and not has_case:
        return Violation(
            _("An upgrade for new features must be linked to the partner's TAC case."),
            "case",
            "R-MNT-7",
        )
    checks = {
        REASON_BELOW_N_1: (
            below_n_minus_1,
            _("%(customer)s runs no release lower than n-1 on the upgraded applications."),
        ),
        REASON_END_OF_LIFE: (
            lambda row: near_end_of_life(row, today=today),
            _(
                "%(customer)s runs no release approaching end of life on the upgraded "
                "applications."
            ),
        ),
    }
    if reason in checks:
        holds, message = checks[reason]
        for customer in customers:
            if not any(holds(row) for row in rows if row.customer == customer):
                return Violation(message % {"customer": customer}, "reason", "R-MNT-7")
    return None
