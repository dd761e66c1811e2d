"""Capacity API: per-customer capacity, provisioned reports (the gate), change requests."""

import pytest

from capacity.choices import RequestStatus
from capacity.models import CapacityRequest
from tests.factories import CustomerFactory

from .factories import open_case, report, set_baseline

pytestmark = pytest.mark.django_db


def test_capacity_list_shows_utilisation_and_forecast(api, alice, staff, customer_a, customer_b):
    set_baseline(customer_a, staff, 1000, 2000)
    report(customer_a, alice, 900, 500)
    response = api(alice).get("/api/v1/capacity/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["customer_id"] == customer_a.pk
    assert row["approved"] == {"knowledge_workers": 1000, "workspace_devices": 2000}
    assert row["provisioned"] == {"knowledge_workers": 900, "workspace_devices": 500}
    assert row["utilisation"] == {
        "knowledge_workers": 90.0,
        "workspace_devices": 25.0,
        "overall": 90.0,
    }
    assert row["threshold"] == 90
    assert "forecast_date" in row


def test_capacity_list_shows_outsider_nothing_of_partner_a(
    api, charlie, staff, customer_a, customer_b
):
    set_baseline(customer_a, staff)
    ids = [r["customer_id"] for r in api(charlie).get("/api/v1/capacity/").json()["results"]]
    assert ids == [customer_b.pk]


def test_capacity_detail_outsider_gets_404(api, charlie, customer_a):
    assert api(charlie).get(f"/api/v1/capacity/{customer_a.pk}/").status_code == 404


def test_capacity_requires_credentials(api):
    assert api().get("/api/v1/capacity/").status_code == 401


def test_capacity_list_has_constant_queries(
    api, alice, staff, partner_a, django_assert_max_num_queries
):
    for i in range(6):
        customer = CustomerFactory(partner=partner_a, name=f"C{i}")
        set_baseline(customer, staff)
        report(customer, alice, 100 + i, 10)
    client = api(alice)
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/capacity/").status_code == 200


def test_provisioned_report_within_capacity(api, alice, staff, customer_a):
    set_baseline(customer_a, staff)
    response = api(alice).post(
        f"/api/v1/capacity/{customer_a.pk}/provisioned/",
        {"knowledge_workers": 500, "workspace_devices": 600},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["provisioned"] == {"knowledge_workers": 500, "workspace_devices": 600}
    assert customer_a.provisioned_reports.get().source == "api"


def test_provisioned_report_above_capacity_is_400_naming_limit_and_rule(
    api, alice, staff, customer_a
):
    set_baseline(customer_a, staff)
    response = api(alice).post(
        f"/api/v1/capacity/{customer_a.pk}/provisioned/",
        {"knowledge_workers": 500, "workspace_devices": 1501},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["rule"] == "R-CAP-2"
    assert "1500" in body["workspace_devices"][0]


def test_provisioned_report_negative_is_400(api, alice, staff, customer_a):
    set_baseline(customer_a, staff)
    response = api(alice).post(
        f"/api/v1/capacity/{customer_a.pk}/provisioned/",
        {"knowledge_workers": -1, "workspace_devices": 1},
    )
    assert response.status_code == 400
    assert "knowledge_workers" in response.json()


def test_provisioned_report_outsider_gets_404(api, charlie, staff, customer_a):
    set_baseline(customer_a, staff)
    response = api(charlie).post(
        f"/api/v1/capacity/{customer_a.pk}/provisioned/",
        {"knowledge_workers": 1, "workspace_devices": 1},
    )
    assert response.status_code == 404


def _submit(api, user, customer, case, kw=1200):
    return api(user).post(
        "/api/v1/capacity-requests/",
        {
            "customer": customer.pk,
            "knowledge_workers": kw,
            "workspace_devices": 1500,
            "reason": "New office",
            "case": case.pk,
        },
    )


def test_partner_submits_a_request_and_staff_moves_it(api, alice, staff, customer_a):
    set_baseline(customer_a, staff)
    response = _submit(api, alice, customer_a, open_case(customer_a, alice))
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["status"] == "submitted"
    for status in ("under_analysis", "plan_agreed", "capacity_added"):
        moved = api(staff).post(f"/api/v1/capacity-requests/{pk}/transition/", {"status": status})
        assert moved.status_code == 200, moved.json()
        assert moved.json()["status"] == status
    assert len(moved.json()["events"]) == 4
    capacity = api(alice).get(f"/api/v1/capacity/{customer_a.pk}/").json()
    assert capacity["approved"]["knowledge_workers"] == 1200


def test_request_needs_a_case(api, alice, staff, customer_a):
    set_baseline(customer_a, staff)
    response = api(alice).post(
        "/api/v1/capacity-requests/",
        {
            "customer": customer_a.pk,
            "knowledge_workers": 1200,
            "workspace_devices": 1500,
            "reason": "x",
        },
    )
    assert response.status_code == 400
    assert "case" in response.json()


def test_request_transition_skipping_is_400_with_rule(api, alice, staff, customer_a):
    set_baseline(customer_a, staff)
    pk = _submit(api, alice, customer_a, open_case(customer_a, alice)).json()["id"]
    response = api(staff).post(
        f"/api/v1/capacity-requests/{pk}/transition/", {"status": "capacity_added"}
    )
    assert response.status_code == 400
    assert response.json()["rule"] == "R-CAP-3"


def test_partner_cannot_transition(api, alice, staff, customer_a):
    set_baseline(customer_a, staff)
    pk = _submit(api, alice, customer_a, open_case(customer_a, alice)).json()["id"]
    response = api(alice).post(
        f"/api/v1/capacity-requests/{pk}/transition/", {"status": "under_analysis"}
    )
    assert response.status_code == 403
    assert CapacityRequest.objects.get(pk=pk).status == RequestStatus.SUBMITTED


def test_outsider_cannot_see_or_use_partner_a_requests(
    api, alice, charlie, staff, customer_a, customer_b
):
    set_baseline(customer_a, staff)
    case = open_case(customer_a, alice)
    pk = _submit(api, alice, customer_a, case).json()["id"]
    assert api(charlie).get(f"/api/v1/capacity-requests/{pk}/").status_code == 404
    assert api(charlie).get("/api/v1/capacity-requests/").json()["results"] == []
    # Another partner's customer or case is "does not exist".
    response = _submit(api, charlie, customer_a, case)
    assert response.status_code == 400
    assert "customer" in response.json() and "case" in response.json()
