"""The affected share at any precision on every face (R-CASE-3)."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest

from cases import rules, services
from cases.models import Case
from portal.errors import DomainError

from .factories import CaseFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/cases/"
ADMIN_ADD = "/admin/cases/case/add/"

# (share as written, impact): the boundaries of DOMAIN.md's Decision and precise values
CASES = [
    ("0.3333333", "localized"),
    ("0.7501", "widespread"),
    ("0.75", "large"),  # exactly 3/4 is large
    ("0.5", "localized"),  # exactly 1/2 is localized
    ("0.25", "individualized"),  # exactly 1/4 is individualized
    ("0.75000000000000000000000001", "widespread"),  # above 3/4 at the 26th place
    ("0.49999999999999999999", "localized"),
    ("0", "individualized"),
    ("1", "widespread"),
]


def open_case(user, customer, **overrides):
    data = {
        "customer": customer,
        "title": "Phones cannot register",
        "description": "All phones of site B unregistered.",
        "category": "common",
        "urgency": "high",
        "contract_number": customer.contract_number,
        "contact_name": "Nina Ops",
        "contact_phone": "+33 1 23 45 67 89",
        "contact_email": "nina@acme.example",
    }
    data.update(overrides)
    return services.case_open(user=user, **data)


def test_a_float_is_read_as_written_r_case_3():
    assert rules.exact_share(0.7501) == Fraction(7501, 10000)
    assert rules.impact_for_share(0.7501) == "widespread"


def test_stored_share_stays_on_the_same_impact_level_r_case_3():
    tiny_above = "0.75" + "0" * 30 + "1"
    assert rules.impact_for_share(tiny_above) == "widespread"
    assert rules.impact_for_share(rules.share_for_storage(tiny_above)) == "widespread"
    assert rules.share_for_storage("0.75") == Decimal("0.75")


@pytest.mark.parametrize(("share", "impact"), CASES)
def test_service_derives_the_impact_from_the_exact_share_r_case_3(alice, customer_a, share, impact):
    case = open_case(alice, customer_a, affected_share=Decimal(share))
    case.refresh_from_db()
    assert case.impact == impact
    assert rules.impact_for_share(case.affected_share) == impact


def test_service_keeps_the_share_as_given_r_case_3(alice, customer_a):
    case = open_case(alice, customer_a, affected_share=0.3333333)
    case.refresh_from_db()
    assert case.affected_share_text == "0.3333333"


@pytest.mark.parametrize("share", ["-0.0001", "1.0000001", "NaN", "Infinity", "abc", True])
def test_service_refuses_a_share_outside_zero_to_one_r_case_3(alice, customer_a, share):
    with pytest.raises(DomainError) as err:
        open_case(alice, customer_a, affected_share=share)
    assert (err.value.field, err.value.rule) == ("affected_share", "R-CASE-3")
    assert not Case.objects.exists()


@pytest.mark.parametrize(("share", "impact"), CASES)
def test_api_accepts_a_json_number_at_any_precision_r_case_3(
    api, alice, open_payload, share, impact
):
    payload = open_payload(impact=None)
    # a raw JSON number, not a string: written by hand so no float rounds it on the way
    body = json.dumps(payload)[:-1] + f', "affected_share": {share}}}'
    response = api(alice).post(API, body, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["impact"] == impact
    assert Decimal(response.json()["affected_share"]) == Decimal(share).quantize(
        Decimal(1).scaleb(-15), rounding="ROUND_CEILING"
    )


def test_api_shows_the_share_without_trailing_zeros_r_case_3(api, alice, open_payload):
    response = api(alice).post(
        API, open_payload(impact=None, affected_share=0.3333333), format="json"
    )
    assert response.status_code == 201 and response.json()["affected_share"] == "0.3333333"


@pytest.mark.parametrize("share", ["1.2", "-0.5", "1.0000000001"])
def test_api_out_of_range_share_is_a_400_naming_the_field_r_case_3(api, alice, open_payload, share):
    body = json.dumps(open_payload(impact=None))[:-1] + f', "affected_share": {share}}}'
    response = api(alice).post(API, body, content_type="application/json")
    assert response.status_code == 400
    assert "affected_share" in response.json() and response.json()["rule"] == "R-CASE-3"
    assert not Case.objects.exists()


@pytest.mark.parametrize(("share", "impact"), [("0.7501", "widespread"), ("0.75", "large")])
def test_portal_form_accepts_any_precision_r_case_3(client_for, bob, open_payload, share, impact):
    response = client_for(bob).post("/cases/new/", open_payload(impact="", affected_share=share))
    assert response.status_code == 302
    assert Case.objects.get().impact == impact


def test_portal_form_out_of_range_share_shows_the_error_on_the_field_r_case_3(
    client_for, bob, open_payload
):
    response = client_for(bob).post("/cases/new/", open_payload(impact="", affected_share="1.5"))
    assert response.status_code == 400
    assert response.context["form"].errors["affected_share"]
    assert not Case.objects.exists()


def _admin_data(customer, **overrides) -> dict:
    data = {
        "customer": customer.pk,
        "opened_at": "2026-01-05 09:00:00",
        "channel": "phone",
        "contract_number": customer.contract_number,
        "title": "Site degraded",
        "description": "Calls drop",
        "category": "availability",
        "urgency": "high",
        "impact": "",
        "contact_name": "Nina",
        "contact_phone": "+33 1",
        "contact_email": "nina@acme.example",
    }
    data.update(overrides)
    return data


def test_admin_phone_case_accepts_any_precision_r_case_3(client_for, staff, customer_a):
    response = client_for(staff).post(ADMIN_ADD, _admin_data(customer_a, affected_share="0.7501"))
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.impact, case.severity) == ("widespread", "S1")


def test_admin_phone_case_refuses_a_share_above_one_r_case_3(client_for, staff, customer_a):
    response = client_for(staff).post(ADMIN_ADD, _admin_data(customer_a, affected_share="1.01"))
    assert response.status_code == 400
    assert response.context["form"].errors["affected_share"]
    assert not Case.objects.exists()


def test_case_page_shows_the_share_as_given_r_case_3(client_for, bob, customer_a):
    case = CaseFactory(customer=customer_a, affected_share=Decimal("0.333333300000000"))
    html = client_for(bob).get(f"/cases/{case.pk}/").content.decode()
    assert "(0.3333333)" in html
