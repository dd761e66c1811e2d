"""The capacity admin: every write goes through the capacity services via its forms, and a
service's refusal shows on the form (R-CAP-1 … R-CAP-3)."""

from __future__ import annotations

import pytest

from capacity import services
from capacity.models import CapacityActivation, CapacityRequest, CustomerCapacity
from tests.factories import CustomerFactory

from .factories import open_case, set_baseline

pytestmark = pytest.mark.django_db
REQUESTS = "/admin/capacity/capacityrequest/"
ACTIVATIONS = "/admin/capacity/capacityactivation/"


def _request_form(customer, case, kw=1200, wd=1500) -> dict:
    return {
        "customer": customer.pk,
        "knowledge_workers": kw,
        "workspace_devices": wd,
        "reason": "Growth",
        "case": case.pk,
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "1000",
    }


def test_admin_submits_a_request_through_the_service_r_cap_3(client_for, staff, alice, customer_a):
    set_baseline(customer_a, staff)
    case = open_case(customer_a, alice)
    response = client_for(staff).post(REQUESTS + "add/", _request_form(customer_a, case))
    assert response.status_code == 302
    request = CapacityRequest.objects.get()
    assert request.events.get().to_status == "submitted"  # written by the service
    assert request.previous_knowledge_workers == 1000


def test_admin_request_that_changes_nothing_shows_the_service_message_r_cap_3(
    client_for, staff, alice, customer_a
):
    set_baseline(customer_a, staff)
    case = open_case(customer_a, alice)
    data = _request_form(customer_a, case, kw=1000, wd=1500)
    response = client_for(staff).post(REQUESTS + "add/", data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "equal the approved capacity" in str(form.non_field_errors())
    assert form["reason"].value() == "Growth"  # what was typed stays
    assert not CapacityRequest.objects.exists()


def test_admin_second_open_request_is_refused_by_the_service_r_cap_3(
    client_for, staff, alice, customer_a
):
    set_baseline(customer_a, staff)
    case = open_case(customer_a, alice)
    first = services.capacity_request_submit(
        customer=customer_a,
        knowledge_workers=1200,
        workspace_devices=1500,
        reason="Growth",
        case=case,
        actor=alice,
    )
    response = client_for(staff).post(REQUESTS + "add/", _request_form(customer_a, case, kw=1300))
    assert response.status_code == 200
    assert f"(#{first.pk})" in response.content.decode()
    assert CapacityRequest.objects.count() == 1


def test_admin_request_with_another_customers_case_shows_on_the_case_field(
    client_for, staff, alice, customer_a
):
    set_baseline(customer_a, staff)
    sister = CustomerFactory(partner=customer_a.partner, name="Alpha Insurance")
    response = client_for(staff).post(
        REQUESTS + "add/", _request_form(customer_a, open_case(sister, alice))
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["case"]
    assert not CapacityRequest.objects.exists()


def test_admin_bulk_move_reports_refused_rows(client_for, staff, alice, customer_a):
    set_baseline(customer_a, staff)
    request = services.capacity_request_submit(
        customer=customer_a,
        knowledge_workers=1200,
        workspace_devices=1500,
        reason="Growth",
        case=open_case(customer_a, alice),
        actor=alice,
    )
    response = client_for(staff).post(
        REQUESTS, {"action": "add_capacity", "_selected_action": [request.pk]}, follow=True
    )
    assert "cannot become Capacity added" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "submitted"


def test_admin_customer_capacity_is_read_only(client_for, staff, customer_a):
    set_baseline(customer_a, staff)
    row = CustomerCapacity.objects.get(customer=customer_a)
    page = client_for(staff).get(f"/admin/capacity/customercapacity/{row.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


# --- R-CAP-1: activation counts -------------------------------------------------------------


def test_admin_records_and_confirms_activation_counts_r_cap_1(client_for, staff, customer_a):
    client = client_for(staff)
    added = client.post(
        ACTIVATIONS + "add/",
        {"customer": customer_a.pk, "knowledge_workers": 800, "workspace_devices": 900},
    )
    assert added.status_code == 302
    activation = CapacityActivation.objects.get()
    assert not customer_a.capacity_baselines.exists()  # not approved until confirmed
    url = f"{ACTIVATIONS}{activation.pk}/do/confirm/"
    page = client.get(url).content.decode()
    assert "becomes 800 knowledge workers and 900 workspace devices" in page
    assert client.post(url, {}).status_code == 302
    capacity = CustomerCapacity.objects.get(customer=customer_a)
    assert (capacity.approved_knowledge_workers, capacity.approved_workspace_devices) == (800, 900)
    activation.refresh_from_db()
    assert activation.status == "confirmed" and activation.confirmed_by == staff
    again = client.get(f"{ACTIVATIONS}{activation.pk}/change/").content.decode()
    assert "/do/confirm/" not in again


def test_admin_activation_for_an_approved_customer_is_refused_r_cap_1(
    client_for, staff, customer_a
):
    set_baseline(customer_a, staff)
    response = client_for(staff).post(
        ACTIVATIONS + "add/",
        {"customer": customer_a.pk, "knowledge_workers": 800, "workspace_devices": 900},
    )
    assert response.status_code == 200
    assert "already approved" in str(response.context["adminform"].form.non_field_errors())
    assert not CapacityActivation.objects.exists()


def test_admin_bulk_confirm_runs_the_service_once_r_cap_1(client_for, staff, alice, customer_a):
    activation = services.capacity_activation_submit(
        customer=customer_a, knowledge_workers=10, workspace_devices=20, actor=alice
    )
    client = client_for(staff)
    for _ in range(2):
        client.post(ACTIVATIONS, {"action": "confirm_selected", "_selected_action": [activation.pk]})
    assert customer_a.capacity_baselines.count() == 1


def test_admin_cannot_delete_history_rows(client_for, staff, alice, customer_a):
    baseline = set_baseline(customer_a, staff)
    report = services.provisioned_report(
        customer=customer_a, knowledge_workers=10, workspace_devices=10, actor=alice
    )
    client = client_for(staff)
    for url in (
        f"/admin/capacity/provisionedreport/{report.pk}/delete/",
        f"/admin/capacity/capacitybaseline/{baseline.pk}/delete/",
    ):
        assert client.post(url, {"post": "yes"}).status_code == 403, url
    assert customer_a.provisioned_reports.count() == 1
    assert customer_a.capacity_baselines.count() == 1
