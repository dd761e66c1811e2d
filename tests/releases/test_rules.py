"""Pure release rules (R-REL-2 … R-REL-4): plain tests, no database."""

from datetime import UTC, date, datetime, timedelta

import pytest

from releases.choices import ComplianceState, Position
from releases.rules import (
    Catalogue,
    Policy,
    PolicyOverrides,
    ReleaseKey,
    ReleaseRow,
    default_policy,
    effective_policy,
    positions,
    service_update_key,
    sort_releases,
    upgrade_reschedule_violation,
    version_key,
)
from releases.source_table import SOURCE_RELEASES, source_rows

TODAY = date(2027, 6, 1)

# R-REL-3 exactly as DOMAIN.md (and the source) writes it.
R_REL_3_TABLE = [
    ["", "v12.5 SU7a (n-2)", "v14.0 SU3/SU4 (n-1)", "v15.0 SU1/SU2 (n)"],
    ["new customer deployments", "not supported", "not supported", "supported"],
    ["upgrades supported", "must upgrade to v15 SU2", "must upgrade to v15 SU2", "supported"],
    ["customers may stay", "must upgrade to v15 SU2", "must upgrade to v15 SU2", "yes"],
]


# --- ordering ---


def test_versions_order_numerically():
    versions = ["15.0", "12.5", "9.1", "14.0", "15.10", "11.5"]
    assert sorted(versions, key=version_key) == ["9.1", "11.5", "12.5", "14.0", "15.0", "15.10"]


def test_service_updates_order_sensibly():
    sus = ["SU7a", "SU10", "SU2", "", "SU1", "SU7", "su3"]
    assert sorted(sus, key=service_update_key) == ["", "SU1", "SU2", "su3", "SU7", "SU7a", "SU10"]


def test_releases_order_by_version_then_service_update():
    keys = [
        ReleaseKey("15.0", "SU1"),
        ReleaseKey("12.5", "SU7a"),
        ReleaseKey("14.0", "SU4"),
        ReleaseKey("14.0", "SU3"),
        ReleaseKey("15.0", "SU2"),
    ]
    assert [str(k) for k in sort_releases(keys)] == [
        "v12.5 SU7a",
        "v14.0 SU3",
        "v14.0 SU4",
        "v15.0 SU1",
        "v15.0 SU2",
    ]


def test_short_label_drops_a_trailing_zero_minor_as_the_source_writes_it():
    assert ReleaseKey("15.0", "SU2").short_label == "v15 SU2"
    assert ReleaseKey("12.5", "SU7a").short_label == "v12.5 SU7a"


# --- R-REL-2: positions ---


def test_r_rel_2_position_from_the_ordered_distinct_versions():
    assert positions(["14.0", "15.0", "12.5", "14.0", "11.5", "10.5"]) == {
        "15.0": Position.N,
        "14.0": Position.N_1,
        "12.5": Position.N_2,
        "11.5": Position.OLDER,
        "10.5": Position.OLDER,
    }


def test_r_rel_2_announcing_a_new_release_shifts_every_position():
    before = Catalogue(source_rows())
    after = Catalogue([*source_rows(), ReleaseRow(key=ReleaseKey("16.0", "SU1"))])
    shifted = {
        "12.5": (Position.N_2, Position.OLDER),
        "14.0": (Position.N_1, Position.N_2),
        "15.0": (Position.N, Position.N_1),
    }
    for release in SOURCE_RELEASES:
        old, new = shifted[release.key.version]
        assert before.position_of(release.key) == old
        assert after.position_of(release.key) == new
    assert after.position_of(ReleaseKey("16.0", "SU1")) == Position.N


def test_r_rel_2_service_updates_share_their_version_position():
    catalogue = Catalogue(source_rows())
    assert catalogue.position_of(ReleaseKey("14.0", "SU3")) == Position.N_1
    assert catalogue.position_of(ReleaseKey("14.0", "SU4")) == Position.N_1


def test_r_rel_2_a_release_not_yet_available_has_no_position_and_shifts_nothing():
    catalogue = Catalogue([*source_rows(), ReleaseRow(key=ReleaseKey("16.0", ""), available=False)])
    assert catalogue.position_of(ReleaseKey("16.0", "")) is None
    assert catalogue.position_of(ReleaseKey("15.0", "SU2")) == Position.N
    assert catalogue.latest == ReleaseKey("15.0", "SU2")


# --- R-REL-3: policy ---


def test_r_rel_3_default_policy_from_position():
    assert default_policy(Position.N) == Policy(True, True, True)
    assert default_policy(Position.N_1) == Policy(
        new_deployments=False, upgrades_supported=True, may_stay=True
    )
    assert default_policy(Position.N_2) == Policy(False, False, False)
    assert default_policy(Position.OLDER) == Policy(False, False, False)


def test_r_rel_3_staff_override_wins_and_none_means_derived():
    overrides = PolicyOverrides(new_deployments=True, may_stay=None)
    assert effective_policy(Position.N_1, overrides) == Policy(True, True, True)


def test_r_rel_3_loading_the_source_table_reproduces_it_exactly():
    assert Catalogue(source_rows()).policy_table() == R_REL_3_TABLE


def test_r_rel_3_loading_stores_only_deviations_from_the_defaults():
    rows = {row.key: row for row in source_rows()}
    # n-2 and n follow their defaults; only n-1 deviates (must upgrade, R-REL-3 table).
    assert rows[ReleaseKey("12.5", "SU7a")].overrides == PolicyOverrides()
    assert rows[ReleaseKey("15.0", "SU2")].overrides == PolicyOverrides()
    assert rows[ReleaseKey("14.0", "SU3")].overrides == PolicyOverrides(
        upgrades_supported=False, may_stay=False
    )
    assert all(row.upgrade_target is None for row in rows.values())


def test_r_rel_3_defaults_alone_render_the_decision_table():
    rows = [ReleaseRow(key=r.key) for r in SOURCE_RELEASES]
    assert Catalogue(rows).policy_table()[1:] == [
        ["new customer deployments", "not supported", "not supported", "supported"],
        ["upgrades supported", "must upgrade to v15 SU2", "supported", "supported"],
        ["customers may stay", "must upgrade to v15 SU2", "yes", "yes"],
    ]


def test_r_rel_3_explicit_upgrade_target_is_used():
    rows = [
        *source_rows(),
        ReleaseRow(key=ReleaseKey("11.5", "SU9"), upgrade_target=ReleaseKey("14.0", "SU4")),
    ]
    compliance = Catalogue(rows).compliance(ReleaseKey("11.5", "SU9"), today=TODAY)
    assert compliance.target == ReleaseKey("14.0", "SU4")


# --- compliance ---


@pytest.mark.parametrize(
    ("installed", "state", "target"),
    [
        (ReleaseKey("15.0", "SU2"), ComplianceState.OK, None),
        (ReleaseKey("15.0", "SU1"), ComplianceState.OK, None),
        (ReleaseKey("14.0", "SU4"), ComplianceState.MUST_UPGRADE, ReleaseKey("15.0", "SU2")),
        (ReleaseKey("12.5", "SU7a"), ComplianceState.END_OF_SALE, ReleaseKey("15.0", "SU2")),
        (ReleaseKey("11.5", "SU1"), ComplianceState.UNKNOWN, None),
    ],
)
def test_compliance_under_the_source_table(installed, state, target):
    compliance = Catalogue(source_rows()).compliance(installed, today=TODAY)
    assert compliance.state == state
    assert compliance.target == target


def test_compliance_of_n_1_under_the_defaults_is_not_for_new_deployments():
    rows = [ReleaseRow(key=r.key) for r in SOURCE_RELEASES]
    compliance = Catalogue(rows).compliance(ReleaseKey("14.0", "SU3"), today=TODAY)
    assert compliance.state == ComplianceState.NOT_FOR_NEW_DEPLOYMENTS
    assert "new deployments" in compliance.message


def test_compliance_end_of_sale_follows_the_date_once_set():
    rows = [
        ReleaseRow(key=ReleaseKey("16.0", "")),
        ReleaseRow(key=ReleaseKey("15.0", "SU2")),
        ReleaseRow(key=ReleaseKey("14.0", "SU4"), end_of_sale=TODAY + timedelta(days=30)),
    ]
    catalogue = Catalogue(rows)
    key = ReleaseKey("14.0", "SU4")
    assert catalogue.compliance(key, today=TODAY).state == ComplianceState.MUST_UPGRADE
    later = catalogue.compliance(key, today=TODAY + timedelta(days=30))
    assert later.state == ComplianceState.END_OF_SALE
    assert later.target == ReleaseKey("16.0", "")
    assert "v16" in later.message


def test_compliance_end_of_sale_date_reached_applies_even_to_n_1():
    rows = [
        ReleaseRow(key=ReleaseKey("15.0", "SU2")),
        ReleaseRow(key=ReleaseKey("14.0", "SU4"), end_of_sale=TODAY),
    ]
    state = Catalogue(rows).compliance(ReleaseKey("14.0", "SU4"), today=TODAY).state
    assert state == ComplianceState.END_OF_SALE


def test_staff_may_let_n_2_customers_stay():
    rows = [
        *source_rows(),
        ReleaseRow(key=ReleaseKey("16.0", "SU1")),
    ]
    rows = [
        r
        if r.key != ReleaseKey("14.0", "SU4")
        else ReleaseRow(
            key=r.key,
            end_of_sale=TODAY + timedelta(days=90),
            overrides=PolicyOverrides(may_stay=True),
        )
        for r in rows
    ]
    compliance = Catalogue(rows).compliance(ReleaseKey("14.0", "SU4"), today=TODAY)
    assert compliance.state == ComplianceState.NOT_FOR_NEW_DEPLOYMENTS


# --- R-REL-4: reschedule once, up to one week before ---

START = datetime(2027, 7, 1, 19, 0, tzinfo=UTC)


def test_r_rel_4_first_reschedule_more_than_a_week_ahead_is_allowed():
    now = START - timedelta(days=8)
    assert upgrade_reschedule_violation(start=START, now=now, reschedules_used=0) is None


def test_r_rel_4_exactly_one_week_before_is_still_allowed():
    now = START - timedelta(days=7)
    assert upgrade_reschedule_violation(start=START, now=now, reschedules_used=0) is None


def test_r_rel_4_less_than_a_week_before_is_refused():
    now = START - timedelta(days=7) + timedelta(seconds=1)
    violation = upgrade_reschedule_violation(start=START, now=now, reschedules_used=0)
    assert violation is not None and violation.rule == "R-REL-4"
    assert "one week" in violation.message


def test_r_rel_4_second_reschedule_is_refused():
    now = START - timedelta(days=30)
    violation = upgrade_reschedule_violation(start=START, now=now, reschedules_used=1)
    assert violation is not None and violation.rule == "R-REL-4"
    assert "once" in violation.message


# --- R-REL-3 / R-REL-4: upgrade targets; R-MNT-7: reasons ---------------------------------

from releases.rules import (  # noqa: E402
    InstalledRelease,
    first_installation_violation,
    upgrade_reason_violation,
    upgrade_target_violation,
)


def _source_catalogue() -> Catalogue:
    return Catalogue(source_rows())


def _status(label: str):
    version, su = label.split()
    return _source_catalogue().status(ReleaseKey(version, su))


def _runs(label: str, customer: str = "Alpha", **kwargs) -> InstalledRelease:
    version, su = label.split()
    status = _status(label)
    return InstalledRelease(
        customer=customer,
        application="CUCM",
        release=ReleaseKey(version, su),
        position=status.position,
        may_stay=status.policy.may_stay,
        must_upgrade_to=status.target,
        **kwargs,
    )


@pytest.mark.parametrize("target", ["15.0 SU2", "15.0 SU1"])
def test_r_rel_3_upgrade_to_a_release_supporting_upgrades_is_allowed(target):
    assert upgrade_target_violation(target=_status(target), installed=[]) is None


def test_r_rel_3_upgrade_reaches_at_least_the_release_the_policy_names():
    installed = [_runs("14.0 SU4")]  # must upgrade to v15 SU2
    assert upgrade_target_violation(target=_status("15.0 SU2"), installed=installed) is None
    violation = upgrade_target_violation(target=_status("15.0 SU1"), installed=installed)
    assert violation.rule == "R-REL-3" and "v15 SU2" in violation.message


@pytest.mark.parametrize("target", ["12.5 SU7a", "14.0 SU3", "14.0 SU4"])
def test_r_rel_3_upgrade_to_a_release_without_upgrade_support_is_refused(target):
    violation = upgrade_target_violation(target=_status(target), installed=[])
    assert violation.rule == "R-REL-3" and violation.field == "target"
    assert "v15 SU2" in violation.message  # names where to go instead


def test_r_rel_4_an_upgrade_is_never_a_downgrade():
    violation = upgrade_target_violation(target=_status("15.0 SU1"), installed=[_runs("15.0 SU2")])
    assert violation.rule == "R-REL-4" and "Alpha" in violation.message


def test_r_rel_4_same_release_on_some_applications_is_not_a_downgrade():
    installed = [_runs("15.0 SU2"), _runs("14.0 SU4")]
    assert upgrade_target_violation(target=_status("15.0 SU2"), installed=installed) is None


def test_r_rel_2_unavailable_target_is_refused():
    assert upgrade_target_violation(target=None, installed=[]).rule == "R-REL-2"


@pytest.mark.parametrize(
    ("label", "allowed"),
    [("15.0 SU2", True), ("15.0 SU1", True), ("14.0 SU4", False), ("12.5 SU7a", False)],
)
def test_r_rel_3_first_installation_must_support_new_deployments(label, allowed):
    assert (first_installation_violation(release=_status(label)) is None) is allowed


def _reason(reason: str, installed, *, customers=("Alpha",), advisory="", has_case=False):
    return upgrade_reason_violation(
        reason=reason,
        customers=list(customers),
        installed=installed,
        advisory=advisory,
        has_case=has_case,
        today=TODAY,
    )


def test_r_mnt_7_below_n_1_holds_for_n_2_and_not_for_n_1():
    assert _reason("version_below_n_minus_1", [_runs("12.5 SU7a")]) is None
    violation = _reason("version_below_n_minus_1", [_runs("14.0 SU4")])
    assert violation.rule == "R-MNT-7" and violation.field == "reason"


def test_r_mnt_7_below_n_1_must_hold_for_every_customer():
    installed = [_runs("12.5 SU7a", "Alpha"), _runs("15.0 SU2", "Beta")]
    violation = _reason("version_below_n_minus_1", installed, customers=("Alpha", "Beta"))
    assert "Beta" in violation.message


def test_r_mnt_7_below_n_1_with_nothing_installed_is_refused():
    assert _reason("version_below_n_minus_1", []).rule == "R-MNT-7"


def test_r_mnt_7_end_of_life_by_policy_dates_or_horizon():
    assert _reason("approaching_end_of_life", [_runs("14.0 SU4")]) is None  # may not stay
    on_n = _runs("15.0 SU2")
    assert _reason("approaching_end_of_life", [on_n]).field == "reason"
    soon = _runs("15.0 SU2", end_of_life=TODAY + timedelta(days=180))
    later = _runs("15.0 SU2", end_of_life=TODAY + timedelta(days=181))
    sale_over = _runs("15.0 SU2", end_of_sale=TODAY)
    assert _reason("approaching_end_of_life", [soon]) is None
    assert _reason("approaching_end_of_life", [later]) is not None
    assert _reason("approaching_end_of_life", [sale_over]) is None


def test_r_mnt_7_security_upgrade_names_its_advisory():
    assert _reason("security_vulnerability", [], advisory="  ").field == "advisory"
    assert _reason("security_vulnerability", [], advisory="cisco-sa-1") is None


def test_r_mnt_7_feature_upgrade_links_a_case():
    assert _reason("partner_feature_request", []).field == "case"
    assert _reason("partner_feature_request", [], has_case=True) is None
