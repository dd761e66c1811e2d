"""The releases admin: every write goes through the releases services via its forms."""

from __future__ import annotations

import pytest
from django.utils import timezone

from releases import selectors, services
from releases.models import InstalledVersion, Release, Upgrade
from tests.outbox import deliveries

from .factories import ADVISORY, install, load_table, plan_upgrade, weeknight

pytestmark = pytest.mark.django_db
RELEASES = "/admin/releases/release/"
INSTALLED = "/admin/releases/installedversion/"
UPGRADES = "/admin/releases/upgrade/"

RELEASE_FORM = {
    "version": "16.0",
    "service_update": "SU1",
    "available_on": "",
    "end_of_sale": "",
    "end_of_life": "",
    "new_deployments": "unknown",
    "upgrades_supported": "unknown",
    "may_stay": "unknown",
    "upgrade_target": "",
}


def _split(moment, prefix: str) -> dict:
    local = moment.astimezone(timezone.get_current_timezone())
    return {f"{prefix}_0": f"{local:%Y-%m-%d}", f"{prefix}_1": f"{local:%H:%M:%S}"}


def upgrade_form(customer, target: Release, **overrides) -> dict:
    start, end = weeknight(21)
    return {
        "partner": customer.partner.pk,
        "customers": [customer.pk],
        "target": target.pk,
        "reason": "security_vulnerability",
        "advisory": ADVISORY,
        "case": "",
        **_split(start, "start"),
        **_split(end, "end"),
        "application_list": ["CUCM"],
        **overrides,
    }


# --- releases ---------------------------------------------------------------------------


def test_admin_adds_a_release_through_the_service(client_for, staff):
    response = client_for(staff).post(RELEASES + "add/", RELEASE_FORM)
    assert response.status_code == 302
    assert Release.objects.get().version == "16.0"


def test_admin_release_as_its_own_upgrade_target_is_a_form_error_r_rel_3(client_for, staff):
    rows = load_table(staff)
    release = rows["14.0 SU4"]
    url = f"{RELEASES}{release.pk}/change/"
    data = {**RELEASE_FORM, "version": "14.0", "service_update": "SU4", "upgrade_target": release.pk}
    response = client_for(staff).post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "own upgrade target" in str(errors["upgrade_target"])
    release.refresh_from_db()
    assert release.upgrade_target is None


def test_admin_duplicate_release_keeps_the_typed_values(client_for, staff):
    load_table(staff)
    data = {**RELEASE_FORM, "version": "15.0", "service_update": "SU2"}
    response = client_for(staff).post(RELEASES + "add/", data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "already exists" in str(form.errors)
    assert form["service_update"].value() == "SU2"
    assert Release.objects.filter(version="15.0", service_update="SU2").count() == 1


def test_admin_delete_goes_through_release_delete(client_for, staff, monkeypatch):
    rows = load_table(staff)
    calls = []
    real = services.release_delete
    monkeypatch.setattr(
        services, "release_delete", lambda **kw: calls.append(kw["release"].pk) or real(**kw)
    )
    done = client_for(staff).post(f"{RELEASES}{rows['14.0 SU3'].pk}/delete/", {"post": "yes"})
    assert done.status_code == 302
    assert calls == [rows["14.0 SU3"].pk]
    assert not Release.objects.filter(pk=rows["14.0 SU3"].pk).exists()


def test_admin_cannot_delete_a_release_in_use(client_for, staff, customer_a):
    rows = load_table(staff)
    install(customer_a, staff, rows["14.0 SU4"], "CUCM")
    client = client_for(staff)
    refused = client.post(f"{RELEASES}{rows['14.0 SU4'].pk}/delete/", {"post": "yes"})
    assert refused.status_code == 200  # the "cannot delete" page, naming what uses it
    assert Release.objects.filter(pk=rows["14.0 SU4"].pk).exists()


def test_admin_bulk_delete_goes_through_the_service(client_for, staff, monkeypatch):
    rows = load_table(staff)
    calls = []
    real = services.release_delete
    monkeypatch.setattr(
        services, "release_delete", lambda **kw: calls.append(kw["release"].pk) or real(**kw)
    )
    client_for(staff).post(
        RELEASES,
        {"action": "delete_selected", "_selected_action": [rows["14.0 SU3"].pk], "post": "yes"},
    )
    assert calls == [rows["14.0 SU3"].pk]
    assert not Release.objects.filter(pk=rows["14.0 SU3"].pk).exists()


def test_admin_announce_says_what_it_will_do_before_anything_shifts_r_rel_2(
    client_for, staff, customer_a, customer_b, contact_a
):
    rows = load_table(staff)
    install(customer_a, staff, rows["14.0 SU4"], "CUCM", "IMP")
    install(customer_b, staff, rows["15.0 SU2"], "CUCM")
    new = Release.objects.create(version="16.0", service_update="SU1")
    url = f"{RELEASES}{new.pk}/do/announce/"
    client = client_for(staff)
    assert url in client.get(f"{RELEASES}{new.pk}/change/").content.decode()
    page = client.get(url).content.decode()
    assert "v15.0 SU2: n → n-1" in page
    assert "v14.0 SU4: n-1 → n-2" in page
    assert "v16.0 SU1: — → n" in page
    assert "End of sale starts for" in page and "v14.0 SU3" in page
    assert "2 customers of 2 partner(s) (3 applications) will be told." in page
    assert selectors.catalogue().position(new) is None  # nothing happened yet
    response = client.post(url, {})
    assert response.status_code == 302, response.context["form"].errors
    assert selectors.catalogue().position(new) == "n"
    [note] = deliveries(dedupe_key__contains=f"announce:{new.pk}")
    assert customer_a.name in note.subject


def test_admin_announce_button_is_gone_once_available(client_for, staff):
    rows = load_table(staff)
    page = client_for(staff).get(f"{RELEASES}{rows['15.0 SU2'].pk}/change/").content.decode()
    assert "/do/announce/" not in page


def test_admin_bulk_announce_leads_to_the_confirmation_page(client_for, staff):
    load_table(staff)
    new = Release.objects.create(version="16.0", service_update="SU1")
    response = client_for(staff).post(
        RELEASES, {"action": "announce", "_selected_action": [new.pk]}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"{new.pk}/do/announce/")
    assert selectors.catalogue().position(new) is None


# --- installed versions -------------------------------------------------------------------


def test_admin_first_installed_version_must_support_new_deployments_r_rel_3(
    client_for, staff, customer_a
):
    rows = load_table(staff)
    client = client_for(staff)
    data = {"customer": customer_a.pk, "application": "CUCM", "release": rows["14.0 SU4"].pk}
    refused = client.post(INSTALLED + "add/", data)
    assert refused.status_code == 200
    assert "new customer deployments" in str(refused.context["adminform"].form.errors["release"])
    assert not InstalledVersion.objects.exists()
    existing = client.post(INSTALLED + "add/", {**data, "existing_deployment": "on"})
    assert existing.status_code == 302
    assert InstalledVersion.objects.get().release == rows["14.0 SU4"]


def test_admin_new_customer_on_n_is_recorded(client_for, staff, customer_a):
    rows = load_table(staff)
    data = {"customer": customer_a.pk, "application": "CUCM", "release": rows["15.0 SU2"].pk}
    assert client_for(staff).post(INSTALLED + "add/", data).status_code == 302
    assert InstalledVersion.objects.get().compliance_state == "ok"


def test_admin_removes_an_installed_version(client_for, staff, customer_a):
    rows = load_table(staff)
    [row] = install(customer_a, staff, rows["15.0 SU2"], "CUCM")
    response = client_for(staff).post(f"{INSTALLED}{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not InstalledVersion.objects.exists()


# --- upgrades -------------------------------------------------------------------------------


def test_admin_upgrade_to_n_2_keeps_what_was_typed_r_rel_3(client_for, staff, customer_a):
    rows = load_table(staff)
    data = upgrade_form(customer_a, rows["12.5 SU7a"], advisory="cisco-sa-typed")
    response = client_for(staff).post(UPGRADES + "add/", data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "not supported by the release policy" in str(form.errors["target"])
    assert form["advisory"].value() == "cisco-sa-typed"
    assert form["customers"].value() == [str(customer_a.pk)]
    assert not Upgrade.objects.exists()


def test_admin_upgrade_downgrade_is_refused_r_rel_4(client_for, staff, customer_a):
    rows = load_table(staff)
    install(customer_a, staff, rows["15.0 SU2"], "CUCM")
    response = client_for(staff).post(UPGRADES + "add/", upgrade_form(customer_a, rows["15.0 SU1"]))
    assert response.status_code == 200
    assert "older release" in str(response.context["adminform"].form.errors["target"])
    assert not Upgrade.objects.exists()


def test_admin_security_upgrade_needs_the_advisory_r_mnt_7(client_for, staff, customer_a):
    rows = load_table(staff)
    response = client_for(staff).post(
        UPGRADES + "add/", upgrade_form(customer_a, rows["15.0 SU2"], advisory="")
    )
    assert response.status_code == 200
    assert "advisory" in str(response.context["adminform"].form.errors["advisory"])


def test_admin_upgrade_below_n_1_must_be_true_r_mnt_7(client_for, staff, customer_a):
    rows = load_table(staff)
    install(customer_a, staff, rows["15.0 SU1"], "CUCM")
    data = upgrade_form(customer_a, rows["15.0 SU2"], reason="version_below_n_minus_1")
    response = client_for(staff).post(UPGRADES + "add/", data)
    assert response.status_code == 200
    assert "lower than n-1" in str(response.context["adminform"].form.errors["reason"])
    install(customer_a, staff, rows["12.5 SU7a"], "CUCM")
    assert client_for(staff).post(UPGRADES + "add/", data).status_code == 302
    assert Upgrade.objects.get().change.reason == "version_below_n_minus_1"


def test_admin_planned_upgrade_is_read_only(client_for, staff, customer_a):
    rows = load_table(staff)
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"])
    page = client_for(staff).get(f"{UPGRADES}{upgrade.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    assert ADVISORY in page


def test_admin_feature_upgrade_links_the_partners_case_r_mnt_7(
    client_for, staff, alice, customer_a
):
    from tests.capacity.factories import open_case

    rows = load_table(staff)
    case = open_case(customer_a, alice, title="We need the new features")
    data = upgrade_form(customer_a, rows["15.0 SU2"], reason="partner_feature_request")
    missing = client_for(staff).post(UPGRADES + "add/", {**data, "case": ""})
    assert missing.status_code == 200
    assert missing.context["adminform"].form.errors["case"]
    done = client_for(staff).post(UPGRADES + "add/", {**data, "case": case.pk})
    assert done.status_code == 302
    assert Upgrade.objects.get().change.case == case
