"""Releases API: the release table, compliance, installed versions, upgrades."""

import pytest

from releases.models import Release

from .factories import install, load_table, plan_upgrade, plan_upgrade_planned_earlier, weeknight

pytestmark = pytest.mark.django_db


def test_releases_list_has_position_end_of_sale_and_policy(api, alice, staff):
    load_table(staff)
    response = api(alice).get("/api/v1/releases/")
    assert response.status_code == 200
    rows = {f"{r['version']} {r['service_update']}": r for r in response.json()["results"]}
    assert rows["15.0 SU2"]["position"] == "n"
    assert rows["14.0 SU3"]["position"] == "n-1"
    assert rows["12.5 SU7a"]["position"] == "n-2"
    assert rows["14.0 SU3"]["may_stay"] is False
    assert rows["14.0 SU3"]["may_stay_override"] is False
    assert rows["14.0 SU3"]["new_deployments_override"] is None
    assert rows["14.0 SU3"]["must_upgrade_to"] == "v15.0 SU2"
    assert "end_of_sale" in rows["15.0 SU2"]


def test_releases_require_credentials(api):
    assert api().get("/api/v1/releases/").status_code == 401


def test_partner_cannot_write_releases(api, alice, staff):
    rows = load_table(staff)
    assert api(alice).post("/api/v1/releases/", {"version": "16.0"}).status_code == 403
    response = api(alice).post(f"/api/v1/releases/{rows['15.0 SU2'].pk}/announce/", {})
    assert response.status_code == 403


def test_staff_create_and_announce_shifts_positions(api, staff):
    load_table(staff)
    created = api(staff).post(
        "/api/v1/releases/", {"version": "16.0", "service_update": "SU1"}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["position"] is None
    announced = api(staff).post(f"/api/v1/releases/{created.json()['id']}/announce/", {})
    assert announced.status_code == 200, announced.json()
    assert announced.json()["position"] == "n"
    rows = {
        f"{r['version']} {r['service_update']}": r["position"]
        for r in api(staff).get("/api/v1/releases/").json()["results"]
    }
    assert rows == {
        "16.0 SU1": "n",
        "15.0 SU2": "n-1",
        "15.0 SU1": "n-1",
        "14.0 SU4": "n-2",
        "14.0 SU3": "n-2",
        "12.5 SU7a": "older",
    }


def test_staff_override_policy_flag(api, staff):
    rows = load_table(staff)
    release = rows["14.0 SU4"]
    response = api(staff).patch(
        f"/api/v1/releases/{release.pk}/",
        {"may_stay_override": None, "upgrades_supported_override": None},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["may_stay"] is True  # back to the n-1 default


def test_compliance_endpoint_is_scoped(api, alice, charlie, staff, customer_a, customer_b):
    rows = load_table(staff)
    install(customer_a, staff, rows["14.0 SU4"], "CUCM")
    install(customer_b, staff, rows["15.0 SU2"], "CUCM")
    response = api(alice).get("/api/v1/releases/compliance/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["customer"] == customer_a.pk
    assert row["state"] == "must_upgrade"
    assert row["position"] == "n-1"
    assert row["must_upgrade_to"] == "v15.0 SU2"
    assert "v15 SU2" in row["message"]
    outsider = api(charlie).get("/api/v1/releases/compliance/").json()["results"]
    assert [r["customer"] for r in outsider] == [customer_b.pk]
    filtered = api(staff).get("/api/v1/releases/compliance/?state=ok").json()["results"]
    assert [r["customer"] for r in filtered] == [customer_b.pk]


def test_installed_versions_scoped_and_staff_written(api, alice, charlie, staff, customer_a):
    rows = load_table(staff)
    created = api(staff).post(
        "/api/v1/installed-versions/",
        {
            "customer": customer_a.pk,
            "application": "CUCM",
            "release": rows["12.5 SU7a"].pk,
            "existing_deployment": True,
        },
    )
    assert created.status_code == 201, created.json()
    assert created.json()["compliance_state"] == "end_of_sale"
    pk = created.json()["id"]
    assert api(alice).get(f"/api/v1/installed-versions/{pk}/").status_code == 200
    assert api(charlie).get(f"/api/v1/installed-versions/{pk}/").status_code == 404
    assert api(charlie).get("/api/v1/installed-versions/").json()["results"] == []
    assert (
        api(alice)
        .post(
            "/api/v1/installed-versions/",
            {"customer": customer_a.pk, "application": "IMP", "release": rows["15.0 SU2"].pk},
        )
        .status_code
        == 403
    )


def test_upgrade_api_reschedule_once(api, alice, staff, customer_a):
    rows = load_table(staff)
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"], days_ahead=21)
    listed = api(alice).get("/api/v1/upgrades/").json()["results"]
    assert [u["id"] for u in listed] == [upgrade.pk]
    start, end = weeknight(28)
    ok = api(alice).post(
        f"/api/v1/upgrades/{upgrade.pk}/reschedule/",
        {"start": start.isoformat(), "end": end.isoformat(), "reason": "Quarter close"},
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["reschedules_used"] == 1
    start2, end2 = weeknight(35)
    again = api(alice).post(
        f"/api/v1/upgrades/{upgrade.pk}/reschedule/",
        {"start": start2.isoformat(), "end": end2.isoformat(), "reason": "Again"},
    )
    assert again.status_code == 400
    assert again.json()["rule"] == "R-REL-4"


def test_upgrade_api_reschedule_within_a_week_is_refused(api, alice, staff, customer_a):
    rows = load_table(staff)
    upgrade = plan_upgrade_planned_earlier(customer_a, staff, rows["15.0 SU2"], days_ahead=3)
    start, end = weeknight(28)
    response = api(alice).post(
        f"/api/v1/upgrades/{upgrade.pk}/reschedule/",
        {"start": start.isoformat(), "end": end.isoformat(), "reason": "Busy"},
    )
    assert response.status_code == 400
    assert response.json()["rule"] == "R-REL-4"
    assert "one week" in response.json()["non_field_errors"][0]


def test_upgrade_api_outsider_gets_404(api, charlie, staff, customer_a):
    rows = load_table(staff)
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"])
    client = api(charlie)
    assert client.get(f"/api/v1/upgrades/{upgrade.pk}/").status_code == 404
    assert client.get("/api/v1/upgrades/").json()["results"] == []
    start, end = weeknight(28)
    response = client.post(
        f"/api/v1/upgrades/{upgrade.pk}/reschedule/",
        {"start": start.isoformat(), "end": end.isoformat(), "reason": "x"},
    )
    assert response.status_code == 404


def test_staff_plan_upgrade_through_the_api(api, alice, staff, customer_a):
    rows = load_table(staff)
    start, end = weeknight(21)
    payload = {
        "partner": customer_a.partner.pk,
        "customers": [customer_a.pk],
        "target": rows["15.0 SU2"].pk,
        "reason": "security_vulnerability",
        "advisory": "cisco-sa-cucm-2026-0001",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "applications": ["CUCM"],
    }
    assert api(alice).post("/api/v1/upgrades/", payload, format="json").status_code == 403
    created = api(staff).post("/api/v1/upgrades/", payload, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["customers"] == [customer_a.pk]
    assert created.json()["applications"] == ["CUCM"]


def test_release_list_has_constant_queries(api, alice, staff, django_assert_max_num_queries):
    load_table(staff)
    for i in range(10):
        Release.objects.create(version=f"9.{i}", service_update="SU1")
    client = api(alice)
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/releases/").status_code == 200
