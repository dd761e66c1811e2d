"""Activation counts (R-CAP-1) and the partner's update or withdrawal of its open request
(R-CAP-3) on the service, the API and the portal (the admin face is in test_admin)."""

from __future__ import annotations

import pytest

from capacity import services
from capacity.models import CapacityActivation, CapacityRequest, CustomerCapacity
from portal.errors import DomainError

from .factories import open_case, set_baseline

pytestmark = pytest.mark.django_db


def _submit(customer, user, kw=1200, wd=1500) -> CapacityRequest:
    return services.capacity_request_submit(
        customer=customer,
        knowledge_workers=kw,
        workspace_devices=wd,
        reason="Growth",
        case=open_case(customer, user),
        actor=user,
    )


def _approved(customer) -> tuple[int, int]:
    row = CustomerCapacity.objects.get(customer=customer)
    return row.approved_knowledge_workers, row.approved_workspace_devices


# --- R-CAP-1: activation -------------------------------------------------------------------


def test_r_cap_1_partner_submits_and_staff_confirm_activation_counts(alice, staff, customer_a):
    activation = services.capacity_activation_submit(
        customer=customer_a, knowledge_workers=500, workspace_devices=600, actor=alice
    )
    assert not customer_a.capacity_baselines.exists()
    # Until confirmed, the partner may correct the counts.
    services.capacity_activation_submit(
        customer=customer_a, knowledge_workers=550, workspace_devices=600, actor=alice
    )
    assert CapacityActivation.objects.get().knowledge_workers == 550
    with pytest.raises(DomainError):
        services.capacity_activation_confirm(activation=activation, actor=alice)
    services.capacity_activation_confirm(activation=activation, actor=staff)
    assert _approved(customer_a) == (550, 600)
    with pytest.raises(DomainError) as exc:
        services.capacity_activation_submit(
            customer=customer_a, knowledge_workers=900, workspace_devices=600, actor=alice
        )
    assert exc.value.rule == "R-CAP-1"
    with pytest.raises(DomainError):
        services.capacity_activation_confirm(activation=activation, actor=staff)
    assert customer_a.capacity_baselines.count() == 1


def test_r_cap_1_activation_of_a_customer_with_approved_capacity_is_refused(
    alice, staff, customer_a
):
    set_baseline(customer_a, staff)
    with pytest.raises(DomainError) as exc:
        services.capacity_activation_submit(
            customer=customer_a, knowledge_workers=5, workspace_devices=5, actor=alice
        )
    assert exc.value.rule == "R-CAP-1"


def test_r_cap_1_activation_needs_counts(alice, customer_a):
    with pytest.raises(DomainError) as exc:
        services.capacity_activation_submit(
            customer=customer_a, knowledge_workers=0, workspace_devices=0, actor=alice
        )
    assert exc.value.field == "knowledge_workers"


def test_r_cap_1_outsider_cannot_submit_activation(charlie, customer_a):
    with pytest.raises(DomainError):
        services.capacity_activation_submit(
            customer=customer_a, knowledge_workers=5, workspace_devices=5, actor=charlie
        )
    assert not CapacityActivation.objects.exists()


def test_r_cap_1_activation_through_the_api(api, alice, charlie, staff, customer_a):
    url = f"/api/v1/capacity/{customer_a.pk}/activation/"
    payload = {"knowledge_workers": 700, "workspace_devices": 800}
    assert api(alice).get(url).status_code == 404  # nothing submitted yet
    created = api(alice).post(url, payload, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "submitted"
    assert api(alice).get(url).json()["knowledge_workers"] == 700
    assert api(charlie).post(url, payload, format="json").status_code == 404
    assert api(charlie).get(url).status_code == 404
    assert api(alice).post(url + "confirm/").status_code == 403
    confirmed = api(staff).post(url + "confirm/")
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["approved"] == {"knowledge_workers": 700, "workspace_devices": 800}
    again = api(alice).post(url, payload, format="json")
    assert again.status_code == 400 and again.json()["rule"] == "R-CAP-1"


def test_r_cap_1_activation_api_rejects_negative_counts(api, alice, customer_a):
    url = f"/api/v1/capacity/{customer_a.pk}/activation/"
    response = api(alice).post(url, {"knowledge_workers": -1, "workspace_devices": 1})
    assert response.status_code == 400 and "knowledge_workers" in response.json()


def test_r_cap_1_activation_on_the_portal(client_for, alice, charlie, customer_a):
    client = client_for(alice)
    page = client.get(f"/capacity/customers/{customer_a.pk}/").content.decode()
    assert f"/capacity/customers/{customer_a.pk}/activation/" in page
    url = f"/capacity/customers/{customer_a.pk}/activation/"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"knowledge_workers": 0, "workspace_devices": 0})
    assert refused.status_code == 400
    assert refused.context["form"].errors["knowledge_workers"]
    done = client.post(url, {"knowledge_workers": 40, "workspace_devices": 50})
    assert done.status_code == 302
    assert CapacityActivation.objects.get().workspace_devices == 50
    assert client_for(charlie).get(url).status_code == 404
    assert client_for(charlie).post(url, {"knowledge_workers": 1, "workspace_devices": 1}).status_code == 404
    assert CapacityActivation.objects.get().workspace_devices == 50


# --- R-CAP-3: one open request, updated or withdrawn until a plan is agreed ------------------


def test_r_cap_3_partner_updates_its_open_request(alice, staff, customer_a):
    set_baseline(customer_a, staff)
    request = _submit(customer_a, alice)
    services.capacity_request_update(
        request=request, actor=alice, knowledge_workers=1300, reason="Bigger branch"
    )
    request.refresh_from_db()
    assert (request.knowledge_workers, request.workspace_devices) == (1300, 1500)
    assert request.reason == "Bigger branch"
    assert request.events.count() == 2


def test_r_cap_3_a_lower_count_is_a_reduction_handled_the_same_way(alice, staff, customer_a):
    set_baseline(customer_a, staff)
    request = _submit(customer_a, alice, kw=800, wd=1500)
    assert request.status == "submitted"
    with pytest.raises(DomainError) as exc:
        services.capacity_request_update(
            request=request, actor=alice, knowledge_workers=1000, workspace_devices=1500
        )
    assert exc.value.rule == "R-CAP-3"  # back to the approved counts: changes nothing
    request.refresh_from_db()
    assert request.knowledge_workers == 800


def test_r_cap_3_no_update_or_withdrawal_once_the_plan_is_agreed(alice, staff, customer_a):
    set_baseline(customer_a, staff)
    request = _submit(customer_a, alice)
    services.capacity_request_transition(request=request, status="under_analysis", actor=staff)
    services.capacity_request_update(request=request, actor=alice, knowledge_workers=1250)
    services.capacity_request_transition(request=request, status="plan_agreed", actor=staff)
    with pytest.raises(DomainError) as exc:
        services.capacity_request_update(request=request, actor=alice, knowledge_workers=1300)
    assert exc.value.rule == "R-CAP-3"
    with pytest.raises(DomainError):
        services.capacity_request_withdraw(request=request, actor=alice)
    request.refresh_from_db()
    assert (request.status, request.knowledge_workers) == ("plan_agreed", 1250)


def test_r_cap_3_withdrawn_request_frees_the_customer_for_a_new_one(alice, staff, customer_a):
    set_baseline(customer_a, staff)
    request = _submit(customer_a, alice)
    with pytest.raises(DomainError) as exc:
        _submit(customer_a, alice, kw=1300)
    assert "update or withdraw" in exc.value.message
    services.capacity_request_withdraw(request=request, actor=alice, note="Plans changed")
    request.refresh_from_db()
    assert request.status == "withdrawn"
    assert request.events.last().note == "Plans changed"
    with pytest.raises(DomainError):
        services.capacity_request_transition(request=request, status="under_analysis", actor=staff)
    assert _submit(customer_a, alice, kw=1300).status == "submitted"


def test_r_cap_3_outsider_cannot_update_or_withdraw(alice, charlie, staff, customer_a):
    set_baseline(customer_a, staff)
    request = _submit(customer_a, alice)
    with pytest.raises(DomainError):
        services.capacity_request_update(request=request, actor=charlie, knowledge_workers=1)
    with pytest.raises(DomainError):
        services.capacity_request_withdraw(request=request, actor=charlie)
    request.refresh_from_db()
    assert (request.status, request.knowledge_workers) == ("submitted", 1200)


def test_r_cap_3_update_and_withdraw_through_the_api(api, alice, charlie, staff, customer_a):
    set_baseline(customer_a, staff)
    request = _submit(customer_a, alice)
    url = f"/api/v1/capacity-requests/{request.pk}/"
    assert api(charlie).patch(url, {"knowledge_workers": 1}, format="json").status_code == 404
    assert api(charlie).post(url + "withdraw/").status_code == 404
    same = api(alice).patch(
        url, {"knowledge_workers": 1000, "workspace_devices": 1500}, format="json"
    )
    assert same.status_code == 400 and same.json()["rule"] == "R-CAP-3"
    updated = api(alice).patch(url, {"workspace_devices": 1700}, format="json")
    assert updated.status_code == 200, updated.json()
    assert updated.json()["workspace_devices"] == 1700
    assert api(alice).put(url, {"workspace_devices": 1}, format="json").status_code == 405
    withdrawn = api(alice).post(url + "withdraw/", {"note": "No longer needed"}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    late = api(alice).patch(url, {"workspace_devices": 1800}, format="json")
    assert late.status_code == 400 and late.json()["rule"] == "R-CAP-3"


def test_r_cap_3_update_and_withdraw_on_the_portal(client_for, alice, charlie, staff, customer_a):
    set_baseline(customer_a, staff)
    request = _submit(customer_a, alice)
    client = client_for(alice)
    detail = client.get(f"/capacity/requests/{request.pk}/").content.decode()
    assert f"/capacity/requests/{request.pk}/edit/" in detail
    assert f"/capacity/requests/{request.pk}/withdraw/" in detail
    edit = f"/capacity/requests/{request.pk}/edit/"
    assert client.get(edit).context["form"].initial["knowledge_workers"] == 1200
    same = client.post(
        edit, {"knowledge_workers": 1000, "workspace_devices": 1500, "reason": "Growth"}
    )
    assert same.status_code == 400
    assert "approved capacity" in str(same.context["form"].non_field_errors())
    ok = client.post(edit, {"knowledge_workers": 1400, "workspace_devices": 1500, "reason": "More"})
    assert ok.status_code == 302
    request.refresh_from_db()
    assert request.knowledge_workers == 1400
    assert client_for(charlie).get(edit).status_code == 404
    assert client_for(charlie).post(f"/capacity/requests/{request.pk}/withdraw/").status_code == 404
    request.refresh_from_db()
    assert request.status == "submitted"
    client.post(f"/capacity/requests/{request.pk}/withdraw/", {"note": ""})
    request.refresh_from_db()
    assert request.status == "withdrawn"
    detail = client.get(f"/capacity/requests/{request.pk}/").content.decode()
    assert "/withdraw/" not in detail and 'aria-current="step"' in detail


def test_r_cap_3_open_request_message_offers_update_or_withdraw_on_the_portal(
    client_for, alice, staff, customer_a
):
    set_baseline(customer_a, staff)
    _submit(customer_a, alice)
    case = open_case(customer_a, alice, title="Another growth")
    page = client_for(alice).post(
        f"/capacity/customers/{customer_a.pk}/request/",
        {"knowledge_workers": 1300, "workspace_devices": 1500, "reason": "x", "case": case.pk},
    )
    assert page.status_code == 400
    assert "update or withdraw" in page.content.decode()
