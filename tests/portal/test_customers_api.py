"""Customers and partners over the API: scoping, staff writes, errors."""

import pytest

pytestmark = pytest.mark.django_db


def test_it_requires_credentials(api):
    assert api().get("/api/v1/customers/").status_code == 401


def test_partner_sees_only_its_own_customers(api, alice, customer_a, customer_b):
    response = api(alice).get("/api/v1/customers/")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Alpha Bank"]
    assert response.json()["results"][0]["region"] == "EMEA"


def test_outsider_gets_404_for_another_partners_customer(api, charlie, customer_a):
    assert api(charlie).get(f"/api/v1/customers/{customer_a.pk}/").status_code == 404


def test_partner_cannot_create_customers(api, alice, partner_a):
    payload = {
        "partner": partner_a.pk,
        "name": "New",
        "region": "AMER",
        "contract_number": "CN-1234",
    }
    assert api(alice).post("/api/v1/customers/", payload).status_code == 403


def test_staff_creates_a_customer_and_bad_region_names_the_field(api, staff, partner_a):
    ok = api(staff).post(
        "/api/v1/customers/",
        {
            "partner": partner_a.pk,
            "name": "Gamma",
            "region": "APJC",
            "contract_number": "CN-9999",
            "sso_enabled": True,
        },
    )
    assert ok.status_code == 201, ok.json()
    assert set(ok.json()) >= {"id", "partner", "name", "region", "contract_number", "sso_enabled"}
    bad = api(staff).post(
        "/api/v1/customers/",
        {"partner": partner_a.pk, "name": "X", "region": "MARS", "contract_number": "CN-1"},
    )
    assert bad.status_code == 400
    assert "region" in bad.json()


def test_partners_endpoint_lists_all_for_staff_and_own_for_partner(
    api, staff, alice, partner_a, partner_b
):
    assert {p["slug"] for p in api(staff).get("/api/v1/partners/").json()["results"]} == {
        "acme",
        "borealis",
    }
    assert [p["slug"] for p in api(alice).get("/api/v1/partners/").json()["results"]] == ["acme"]
    assert set(api(alice).get("/api/v1/partners/").json()["results"][0]) == {"id", "name", "slug", "language"}
