"""Upgrade targets (R-REL-3, R-REL-4), first installations (R-REL-3) and upgrade reasons
(R-MNT-7) on the service and the API (the admin face is in test_admin)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.choices import Region
from portal.errors import DomainError
from releases import services
from releases.models import InstalledVersion, Release, Upgrade
from tests.capacity.factories import open_case
from tests.factories import CustomerFactory

from .factories import ADVISORY, install, load_table, plan_upgrade, weeknight

pytestmark = pytest.mark.django_db


def _refused(**kwargs) -> DomainError:
    with pytest.raises(DomainError) as exc:
        plan_upgrade(**kwargs)
    assert not Upgrade.objects.exists()
    return exc.value


# --- R-REL-3 / R-REL-4: the target ----------------------------------------------------------


def test_r_rel_3_upgrade_to_n_2_is_refused(staff, customer_a):
    rows = load_table(staff)
    error = _refused(customer=customer_a, staff=staff, target=rows["12.5 SU7a"])
    assert (error.rule, error.field) == ("R-REL-3", "target")


def test_r_rel_3_upgrade_to_n_1_that_the_policy_excludes_is_refused(staff, customer_a):
    rows = load_table(staff)
    install(customer_a, staff, rows["12.5 SU7a"], "CUCM")
    error = _refused(customer=customer_a, staff=staff, target=rows["14.0 SU4"])
    assert error.rule == "R-REL-3" and "v15 SU2" in error.message


def test_r_rel_4_downgrade_is_refused(staff, customer_a):
    rows = load_table(staff)
    install(customer_a, staff, rows["15.0 SU2"], "CUCM")
    error = _refused(customer=customer_a, staff=staff, target=rows["15.0 SU1"])
    assert (error.rule, error.field) == ("R-REL-4", "target")


def test_r_rel_4_downgrade_check_looks_only_at_the_upgraded_applications(staff, customer_a):
    rows = load_table(staff)
    newest = Release.objects.create(
        version="15.0", service_update="SU3", available_on=timezone.localdate()
    )
    install(customer_a, staff, newest, "IMP")
    install(customer_a, staff, rows["15.0 SU1"], "CUCM")
    error = _refused(customer=customer_a, staff=staff, target=rows["15.0 SU2"])
    assert error.rule == "R-REL-4" and "IM" in error.message
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"], applications=["CUCM"])
    assert upgrade.target == rows["15.0 SU2"]


def test_r_rel_3_upgrade_short_of_the_policy_target_is_refused(staff, customer_a):
    rows = load_table(staff)
    install(customer_a, staff, rows["14.0 SU4"], "CUCM")  # must upgrade to v15 SU2
    error = _refused(customer=customer_a, staff=staff, target=rows["15.0 SU1"])
    assert error.rule == "R-REL-3" and "v15 SU2" in error.message


def test_r_rel_3_upgrade_target_api_answers_400_with_the_rule(api, staff, customer_a):
    rows = load_table(staff)
    start, end = weeknight(21)
    payload = {
        "partner": customer_a.partner.pk,
        "customers": [customer_a.pk],
        "target": rows["12.5 SU7a"].pk,
        "reason": "security_vulnerability",
        "advisory": ADVISORY,
        "start": start.isoformat(),
        "end": end.isoformat(),
    }
    response = api(staff).post("/api/v1/upgrades/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["rule"] == "R-REL-3" and "target" in response.json()


# --- R-REL-3: a new customer's first installed version ---------------------------------------


def test_r_rel_3_new_customer_starts_on_a_release_for_new_deployments(staff, customer_a):
    rows = load_table(staff)
    with pytest.raises(DomainError) as exc:
        services.installed_version_set(
            actor=staff, customer=customer_a, application="CUCM", release=rows["14.0 SU4"]
        )
    assert (exc.value.rule, exc.value.field) == ("R-REL-3", "release")
    services.installed_version_set(
        actor=staff, customer=customer_a, application="CUCM", release=rows["15.0 SU2"]
    )
    # Once deployed, the customer's other applications are recorded as they are.
    services.installed_version_set(
        actor=staff, customer=customer_a, application="IMP", release=rows["14.0 SU4"]
    )
    assert InstalledVersion.objects.filter(customer=customer_a).count() == 2


def test_r_rel_3_first_installation_api_answers_400(api, staff, customer_a):
    rows = load_table(staff)
    data = {"customer": customer_a.pk, "application": "CUCM", "release": rows["12.5 SU7a"].pk}
    response = api(staff).post("/api/v1/installed-versions/", data)
    assert response.status_code == 400
    assert response.json()["rule"] == "R-REL-3" and "release" in response.json()
    assert not InstalledVersion.objects.exists()


# --- R-MNT-7: the reason must be true of the customer ---------------------------------------


def test_r_mnt_7_below_n_1_is_refused_for_a_customer_on_n_1(staff, customer_a):
    rows = load_table(staff)
    install(customer_a, staff, rows["15.0 SU1"], "CUCM")
    error = _refused(
        customer=customer_a, staff=staff, target=rows["15.0 SU2"], reason="version_below_n_minus_1"
    )
    assert (error.rule, error.field) == ("R-MNT-7", "reason")


def test_r_mnt_7_below_n_1_is_accepted_for_a_customer_on_n_2(staff, customer_a):
    rows = load_table(staff)
    install(customer_a, staff, rows["12.5 SU7a"], "CUCM")
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"], reason="version_below_n_minus_1")
    assert upgrade.change.reason == "version_below_n_minus_1"


def test_r_mnt_7_end_of_life_is_true_of_n_1_that_must_upgrade(staff, customer_a):
    rows = load_table(staff)
    install(customer_a, staff, rows["14.0 SU4"], "CUCM")
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"], reason="approaching_end_of_life")
    assert upgrade.change.reason == "approaching_end_of_life"


def test_r_mnt_7_security_upgrade_names_the_advisory(staff, customer_a):
    rows = load_table(staff)
    error = _refused(customer=customer_a, staff=staff, target=rows["15.0 SU2"], advisory=" ")
    assert (error.rule, error.field) == ("R-MNT-7", "advisory")


def test_r_mnt_7_feature_upgrade_links_the_customers_own_case(staff, alice, customer_a):
    rows = load_table(staff)
    sister = CustomerFactory(partner=customer_a.partner, name="Alpha Insurance", region=Region.EMEA)
    reason = "partner_feature_request"
    error = _refused(customer=customer_a, staff=staff, target=rows["15.0 SU2"], reason=reason)
    assert (error.rule, error.field) == ("R-MNT-7", "case")
    other = open_case(sister, alice, title="Features for the sister company")
    error = _refused(
        customer=customer_a, staff=staff, target=rows["15.0 SU2"], reason=reason, case=other
    )
    assert (error.rule, error.field) == ("R-MNT-7", "case")
    own = open_case(customer_a, alice, title="We need the new features")
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"], reason=reason, case=own)
    assert upgrade.change.case == own


def test_r_mnt_7_feature_upgrade_with_another_partners_case_api_answers_400(
    api, staff, charlie, customer_a, customer_b
):
    rows = load_table(staff)
    foreign = open_case(customer_b, charlie, title="Borealis features")
    start, end = weeknight(21)
    payload = {
        "partner": customer_a.partner.pk,
        "customers": [customer_a.pk],
        "target": rows["15.0 SU2"].pk,
        "reason": "partner_feature_request",
        "case": foreign.pk,
        "start": start.isoformat(),
        "end": end.isoformat(),
    }
    response = api(staff).post("/api/v1/upgrades/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["rule"] == "R-MNT-7" and "case" in response.json()
    assert not Upgrade.objects.exists()


def test_r_mnt_7_reason_api_answers_400_naming_the_field(api, staff, customer_a):
    rows = load_table(staff)
    install(customer_a, staff, rows["15.0 SU2"], "CUCM")
    start, end = weeknight(21)
    payload = {
        "partner": customer_a.partner.pk,
        "customers": [customer_a.pk],
        "target": rows["15.0 SU2"].pk,
        "reason": "version_below_n_minus_1",
        "start": start.isoformat(),
        "end": end.isoformat(),
    }
    response = api(staff).post("/api/v1/upgrades/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["rule"] == "R-MNT-7" and "reason" in response.json()


@pytest.mark.parametrize(("days_left", "accepted"), [(100, True), (400, False)])
def test_r_mnt_7_end_of_life_date_within_the_horizon(staff, customer_a, days_left, accepted):
    rows = load_table(staff)
    running = rows["15.0 SU1"]
    running.end_of_life = timezone.localdate() + timedelta(days=days_left)
    services.release_save(actor=staff, release=running)
    install(customer_a, staff, running, "CUCM")
    kwargs = {"customer": customer_a, "staff": staff, "target": rows["15.0 SU2"]}
    if accepted:
        assert plan_upgrade(**kwargs, reason="approaching_end_of_life").target == rows["15.0 SU2"]
    else:
        error = _refused(**kwargs, reason="approaching_end_of_life")
        assert (error.rule, error.field) == ("R-MNT-7", "reason")
