"""The source's R-REL-3 release table, as data.

Each cell of the table is per-release policy data (R-REL-3 Decision). Loading stores only
the cells that differ from the position defaults, so the loaded rows reproduce the table
exactly today and still follow R-REL-2 when a newer release shifts their positions.
"""

from __future__ import annotations

from dataclasses import dataclass

from releases.rules import (
    Catalogue,
    Policy,
    ReleaseKey,
    ReleaseRow,
    minimal_overrides,
)


@dataclass(frozen=True)
class SourceRelease:
    """One release of the source table with its three policy cells and upgrade target."""

    key: ReleaseKey
    policy: Policy
    upgrade_target: ReleaseKey | None = None


_V15_SU2 = ReleaseKey("15.0", "SU2")
_MUST_UPGRADE = Policy(new_deployments=False, upgrades_supported=False, may_stay=False)
_ALL_YES = Policy(new_deployments=True, upgrades_supported=True, may_stay=True)

# R-REL-3, the source's table as of its writing.
SOURCE_RELEASES: tuple[SourceRelease, ...] = (
    SourceRelease(ReleaseKey("12.5", "SU7a"), _MUST_UPGRADE, _V15_SU2),
    SourceRelease(ReleaseKey("14.0", "SU3"), _MUST_UPGRADE, _V15_SU2),
    SourceRelease(ReleaseKey("14.0", "SU4"), _MUST_UPGRADE, _V15_SU2),
    SourceRelease(ReleaseKey("15.0", "SU1"), _ALL_YES),
    SourceRelease(ReleaseKey("15.0", "SU2"), _ALL_YES),
)


def source_rows(releases: tuple[SourceRelease, ...] = SOURCE_RELEASES) -> list[ReleaseRow]:
    """The table as release rows carrying only the deviations from the defaults."""
    catalogue = Catalogue(ReleaseRow(key=r.key) for r in releases)
    rows = []
    for release in releases:
        position = catalogue.position_of(release.key)
        target = release.upgrade_target
        rows.append(
            ReleaseRow(
                key=release.key,
                overrides=minimal_overrides(release.policy, position),
                # The default target is already the latest service update of n.
                upgrade_target=None if target == catalogue.latest else target,
            )
        )
    return rows
