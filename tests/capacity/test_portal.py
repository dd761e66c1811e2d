"""Capacity portal pages: list, customer page with the gate and chart, requests."""

import pytest

from capacity.models import CapacityRequest
from tests.factories import CustomerFactory

from .factories import open_case, report, set_baseline

pytestmark = pytest.mark.django_db


def test_dashboard_shows_capacity_card_and_nav(client_for, alice, staff, customer_a):
    set_baseline(customer_a, staff)
    report(customer_a, alice, 950, 10)
    page = client_for(alice).get("/")
    html = page.content.decode()
    assert 'id="card-capacity"' in html
    assert 'href="/capacity/"' in html


def test_capacity_list_shows_bars(
    client_for, alice, staff, customer_a, customer_b, django_assert_max_num_queries
):
    set_baseline(customer_a, staff)
    report(customer_a, alice, 900, 10)
    for i in range(5):
        CustomerFactory(partner=customer_a.partner, name=f"Extra {i}")
    client = client_for(alice)
    with django_assert_max_num_queries(12):
        page = client.get("/capacity/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Alpha Bank" in html and "Beta Retail" not in html
    assert 'class="bar warn"' in html and "width: 90%" in html


def test_customer_page_has_inline_svg_trend(client_for, alice, staff, customer_a):
    set_baseline(customer_a, staff)
    report(customer_a, alice, 500, 10)
    page = client_for(alice).get(f"/capacity/customers/{customer_a.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "series-knowledge_workers" in html
    assert "<script" not in html.split("<main")[1].split("</main>")[0]


def test_customer_page_outsider_gets_404(client_for, charlie, customer_a):
    client = client_for(charlie)
    assert client.get(f"/capacity/customers/{customer_a.pk}/").status_code == 404
    assert (
        client.post(
            f"/capacity/customers/{customer_a.pk}/",
            {"knowledge_workers": 1, "workspace_devices": 1},
        ).status_code
        == 404
    )
    assert client.get(f"/capacity/customers/{customer_a.pk}/request/").status_code == 404


def test_portal_report_above_capacity_shows_the_rule_on_the_field(
    client_for, alice, staff, customer_a
):
    set_baseline(customer_a, staff)
    page = client_for(alice).post(
        f"/capacity/customers/{customer_a.pk}/", {"knowledge_workers": 1001, "workspace_devices": 1}
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert "is above the approved capacity of 1000" in html
    assert "R-CAP-2" not in html  # partners read plain language; the API names the rule
    assert not customer_a.provisioned_reports.exists()


def test_portal_report_within_capacity_redirects(client_for, alice, staff, customer_a):
    set_baseline(customer_a, staff)
    page = client_for(alice).post(
        f"/capacity/customers/{customer_a.pk}/", {"knowledge_workers": 10, "workspace_devices": 1}
    )
    assert page.status_code == 302
    assert customer_a.provisioned_reports.count() == 1


def test_request_form_submits_and_shows_progress(client_for, alice, staff, customer_a):
    set_baseline(customer_a, staff)
    case = open_case(customer_a, alice)
    client = client_for(alice)
    form = client.get(f"/capacity/customers/{customer_a.pk}/request/")
    assert form.status_code == 200 and case.title in form.content.decode()
    page = client.post(
        f"/capacity/customers/{customer_a.pk}/request/",
        {"knowledge_workers": 1200, "workspace_devices": 1500, "reason": "Growth", "case": case.pk},
    )
    assert page.status_code == 302
    request = CapacityRequest.objects.get()
    detail = client.get(f"/capacity/requests/{request.pk}/")
    assert detail.status_code == 200
    assert 'aria-current="step"' in detail.content.decode()
    listing = client.get("/capacity/requests/")
    assert f"#{request.pk}" in listing.content.decode()


def test_request_pages_outsider_sees_nothing(client_for, alice, charlie, staff, customer_a):
    set_baseline(customer_a, staff)
    from capacity import services

    request = services.capacity_request_submit(
        customer=customer_a,
        knowledge_workers=1200,
        workspace_devices=1500,
        reason="Growth",
        case=open_case(customer_a, alice),
        actor=alice,
    )
    client = client_for(charlie)
    assert client.get(f"/capacity/requests/{request.pk}/").status_code == 404
    assert f"#{request.pk}" not in client.get("/capacity/requests/").content.decode()
    assert "Alpha Bank" not in client.get("/capacity/").content.decode()


def test_admin_request_queue_and_actions(client_for, staff, alice, customer_a):
    set_baseline(customer_a, staff)
    from capacity import services

    request = services.capacity_request_submit(
        customer=customer_a,
        knowledge_workers=1200,
        workspace_devices=1500,
        reason="Growth",
        case=open_case(customer_a, alice),
        actor=alice,
    )
    client = client_for(staff)
    assert client.get("/admin/capacity/capacityrequest/").status_code == 200
    assert client.get(f"/admin/capacity/capacityrequest/{request.pk}/change/").status_code == 200
    client.post(
        "/admin/capacity/capacityrequest/",
        {"action": "start_analysis", "_selected_action": [request.pk]},
    )
    request.refresh_from_db()
    assert request.status == "under_analysis"
    assert client.get("/admin/capacity/customercapacity/").status_code == 200
    assert client.get("/admin/capacity/capacitybaseline/add/").status_code == 200
    response = client.post(
        "/admin/capacity/capacitybaseline/add/",
        {
            "customer": customer_a.pk,
            "knowledge_workers": 2000,
            "workspace_devices": 2000,
            "reason": "Fix",
        },
    )
    assert response.status_code == 302
    assert customer_a.capacity_baselines.count() == 2


def test_admin_rejecting_from_the_change_form_needs_a_note(client_for, staff, alice, customer_a):
    set_baseline(customer_a, staff)
    from capacity import services

    request = services.capacity_request_submit(
        customer=customer_a,
        knowledge_workers=1200,
        workspace_devices=1500,
        reason="Growth",
        case=open_case(customer_a, alice),
        actor=alice,
    )
    client = client_for(staff)
    url = f"/admin/capacity/capacityrequest/{request.pk}/change/"
    inline = {
        "events-TOTAL_FORMS": "1",
        "events-INITIAL_FORMS": "1",
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "1000",
        "events-0-id": str(request.events.get().pk),
        "events-0-request": str(request.pk),
    }
    refused = client.post(url, {"move_to": "rejected", "note": "", **inline})
    assert refused.status_code == 200
    assert "Give the reason for rejecting" in refused.content.decode()
    done = client.post(url, {"move_to": "rejected", "note": "Not sized for it", **inline})
    assert done.status_code == 302
    request.refresh_from_db()
    assert request.status == "rejected"


def test_threshold_command_and_task(customer_a, staff, alice, contact_a):
    from django.core.management import call_command

    from capacity.models import CustomerCapacity
    from capacity.tasks import notify_capacity_thresholds

    set_baseline(customer_a, staff)
    report(customer_a, alice, 700, 10)
    CustomerCapacity.objects.update(approved_knowledge_workers=750, current_level=90)
    call_command("capacity_check_thresholds")
    assert notify_capacity_thresholds() == 0
    assert CustomerCapacity.objects.get().notified_level == 90


def test_admin_report_above_capacity_shows_the_gate_on_the_field(client_for, staff, customer_a):
    set_baseline(customer_a, staff)
    client = client_for(staff)
    page = client.post(
        "/admin/capacity/provisionedreport/add/",
        {"customer": customer_a.pk, "knowledge_workers": 1001, "workspace_devices": 1},
    )
    assert page.status_code == 200
    assert "R-CAP-2" in page.content.decode()
    ok = client.post(
        "/admin/capacity/provisionedreport/add/",
        {"customer": customer_a.pk, "knowledge_workers": 999, "workspace_devices": 1},
    )
    assert ok.status_code == 302
    assert customer_a.provisioned_reports.get().source == "staff"
