"""Bad input, by hand: what the schema fuzzing found, and the cases it must always cover.

Malformed dates, naive datetimes, unknown enum values, oversized and out-of-range pages, and
other partners' ids in payloads and filters. Every refusal is a JSON 4xx that names the field.
"""

from __future__ import annotations

import functools
import json

import pytest
from drf_spectacular.generators import SchemaGenerator

from cases.models import Case
from maintenance.models import RescheduleRequest
from portal.models import Customer
from tests.cases.factories import CaseFactory
from tests.maintenance.factories import ChangeFactory

pytestmark = pytest.mark.django_db


@functools.cache
def openapi() -> dict:
    return json.loads(
        json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str)
    )


def component(name: str) -> dict:
    return openapi()["components"]["schemas"][name]["properties"]


# --- What the fuzzing found ------------------------------------------------------------------


def test_an_api_url_no_route_matches_is_a_json_404(api, alice) -> None:
    response = api(alice).post("/api/v1/cases/0.5/acknowledge/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found."}


def test_a_portal_page_no_route_matches_is_still_the_html_404(client_for, alice) -> None:
    response = client_for(alice).get("/cases/0.5/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_calendar_feed_rotation_refuses_a_body_that_is_not_an_object(api, alice) -> None:
    response = api(alice).post("/api/v1/calendar-feed/", [None, None], format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_calendar_feed_rotation_names_a_bad_include_windows(api, alice) -> None:
    response = api(alice).post("/api/v1/calendar-feed/", {"include_windows": "maybe"})
    assert response.status_code == 400
    assert "include_windows" in response.json()


def test_calendar_feed_rotation_without_include_windows_keeps_the_choice(api, alice) -> None:
    api(alice).post("/api/v1/calendar-feed/", {"include_windows": True}, format="json")
    rotated = api(alice).post("/api/v1/calendar-feed/", {}, format="json")
    assert rotated.status_code == 200
    assert rotated.json()["include_windows"] is True


def test_deleting_a_customer_that_has_cases_is_a_409_and_deletes_nothing(
    api, staff, customer_a
) -> None:
    case = CaseFactory(customer=customer_a)
    response = api(staff).delete(f"/api/v1/customers/{customer_a.pk}/")
    assert response.status_code == 409
    assert "cases" in response.json()["detail"]
    customer_a.refresh_from_db()
    case.refresh_from_db()


def test_deleting_a_partner_that_has_customers_is_a_409(api, staff, partner_a, customer_a) -> None:
    response = api(staff).delete(f"/api/v1/partners/{partner_a.pk}/")
    assert response.status_code == 409
    assert "customers" in response.json()["detail"]


def test_case_schema_allows_the_nulls_and_blanks_an_open_case_has(api, alice, customer_a) -> None:
    case = CaseFactory(customer=customer_a)
    data = api(alice).get(f"/api/v1/cases/{case.pk}/").json()
    props = component("Case")
    for name in ("acknowledged_at", "breached_at", "warned_at", "resolved_at", "closed_at"):
        assert data[name] is None
        assert props[name].get("nullable") is True, name
    assert data["out_of_scope_reason"] == ""
    assert {"$ref": "#/components/schemas/BlankEnum"} in props["out_of_scope_reason"]["oneOf"]


def test_change_schema_allows_blank_region_and_request_kind(api, alice, partner_a) -> None:
    change = ChangeFactory(partner=partner_a)
    data = api(alice).get(f"/api/v1/changes/{change.pk}/").json()
    props = component("Change")
    for name in ("sme_publisher_region", "partner_request_kind"):
        assert data[name] == ""
        assert {"$ref": "#/components/schemas/BlankEnum"} in props[name]["oneOf"], name


@pytest.mark.parametrize("action", ["notices", "reschedule-requests"])
def test_change_sub_lists_are_plain_lists_and_the_schema_says_so(
    api, alice, partner_a, action
) -> None:
    change = ChangeFactory(partner=partner_a)
    response = api(alice).get(f"/api/v1/changes/{change.pk}/{action}/")
    assert response.status_code == 200
    assert response.json() == []
    declared = openapi()["paths"][f"/api/v1/changes/{{id}}/{action}/"]["get"]["responses"]
    assert declared["200"]["content"]["application/json"]["schema"]["type"] == "array"


# --- Naive datetimes: DOMAIN.md writes every time with its offset; a naive one is a 400 ------

NAIVE = "2027-03-26T22:00:00"
AWARE = "2027-03-26T22:00:00+01:00"


def _names_offset(response, field: str) -> bool:
    return response.status_code == 400 and "offset" in " ".join(response.json()[field])


def test_a_naive_opening_time_is_refused_naming_the_field(api, staff, customer_a) -> None:
    payload = {
        "customer": customer_a.pk,
        "title": "Phones cannot register",
        "description": "Since 09:00.",
        "category": "common",
        "urgency": "medium",
        "contract_number": customer_a.contract_number,
        "contact_name": "Nina Ops",
        "contact_phone": "+33 1 23 45 67 89",
        "contact_email": "nina@partner.example",
        "opened_at": NAIVE,
    }
    response = api(staff).post("/api/v1/cases/", payload, format="json")
    assert _names_offset(response, "opened_at"), response.content


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/changes/", "start"),
        ("/api/v1/changes/", "end"),
        ("/api/v1/certificates/", "expires_at"),
        ("/api/v1/installed-versions/", "installed_at"),
        ("/api/v1/upgrades/", "start"),
    ],
)
def test_a_naive_time_in_a_payload_is_a_400_naming_the_field(api, staff, url, field) -> None:
    response = api(staff).post(url, {field: NAIVE}, format="json")
    assert _names_offset(response, field), response.content


def test_naive_reschedule_alternatives_are_refused(api, staff, partner_a) -> None:
    change = ChangeFactory(partner=partner_a)
    request = RescheduleRequest.objects.create(change=change, reason="Quarter close")
    response = api(staff).post(
        f"/api/v1/reschedule-requests/{request.pk}/alternatives/",
        {"alternatives": [{"start": NAIVE, "end": AWARE}]},
        format="json",
    )
    assert response.status_code == 400
    assert "offset" in json.dumps(response.json()["alternatives"])


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cases/?opened_after={}",
        "/api/v1/cases/?opened_before={}",
        "/api/v1/changes/?start_after={}",
        "/api/v1/changes/?start_before={}",
        "/api/v1/maintenance-windows/?region=EMEA&start={}&end=2027-04-01T00:00:00%2B01:00",
    ],
)
def test_a_naive_time_in_a_filter_is_a_400_naming_it(api, alice, url) -> None:
    field = url.split("{}")[0].rsplit("&", 1)[-1].rsplit("?", 1)[-1].rstrip("=")
    response = api(alice).get(url.format(NAIVE))
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert api(alice).get(url.format(AWARE.replace("+", "%2B"))).status_code == 200


# --- Malformed dates -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2027-02-30T10:00:00+01:00", "next tuesday", "2027-13-01", ""])
def test_a_malformed_time_in_a_filter_is_a_400_naming_it(api, alice, value) -> None:
    response = api(alice).get("/api/v1/cases/", {"opened_after": value})
    if value == "":
        assert response.status_code == 200  # an empty filter is no filter
        return
    assert response.status_code == 400
    assert "opened_after" in response.json()


@pytest.mark.parametrize("value", ["2027-02-30T10:00:00+01:00", "soon", 20270301, None])
def test_a_malformed_time_in_a_payload_is_a_400_naming_it(api, staff, value) -> None:
    response = api(staff).post(
        "/api/v1/upgrades/",
        {"start": value, "end": AWARE},
        format="json",
    )
    assert response.status_code == 400
    assert "start" in response.json()


@pytest.mark.parametrize("value", ["2027-02-30", "yesterday", "2027-1-1T00:00"])
def test_a_malformed_date_is_a_400_naming_it(api, staff, value) -> None:
    response = api(staff).post(
        "/api/v1/releases/", {"version": "15.9", "end_of_sale": value}, format="json"
    )
    assert response.status_code == 400
    assert "end_of_sale" in response.json()


def test_a_malformed_window_date_is_a_400_naming_it(api, alice) -> None:
    response = api(alice).get(
        "/api/v1/maintenance-windows/", {"region": "EMEA", "start": "2027-02-30", "end": "x"}
    )
    assert response.status_code == 400
    assert {"start", "end"} <= set(response.json())


# --- Unknown enum values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/cases/", {"severity": "S9"}, "severity"),
        ("/api/v1/cases/", {"status": "lost"}, "status"),
        ("/api/v1/cases/", {"region": "MARS"}, "region"),
        ("/api/v1/customers/", {"region": "MARS"}, "region"),
        ("/api/v1/changes/", {"kind": "magic"}, "kind"),
        ("/api/v1/maintenance-windows/", {"region": "MARS"}, "region"),
    ],
)
def test_an_unknown_enum_value_in_a_filter_is_a_400_naming_it(
    api, alice, url, params, field
) -> None:
    response = api(alice).get(url, params)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_an_unknown_enum_value_in_a_payload_is_a_400_naming_it(api, alice, customer_a) -> None:
    response = api(alice).post(
        "/api/v1/cases/",
        {"customer": customer_a.pk, "urgency": "apocalyptic", "category": "gossip"},
        format="json",
    )
    assert response.status_code == 400
    assert {"urgency", "category"} <= set(response.json())


def test_an_unknown_severity_in_an_escalation_request_is_a_400(api, alice, customer_a) -> None:
    case = CaseFactory(customer=customer_a)
    response = api(alice).post(
        f"/api/v1/cases/{case.pk}/request-escalation/",
        {"severity": "S0", "reason": "Everything is down"},
        format="json",
    )
    assert response.status_code == 400
    assert "severity" in response.json()


# --- Pages -----------------------------------------------------------------------------------


@pytest.fixture
def many_customers(partner_a) -> None:
    Customer.objects.bulk_create(
        Customer(partner=partner_a, name=f"Customer {n:03}", region="EMEA", contract_number=f"C{n}")
        for n in range(205)
    )


@pytest.mark.parametrize("size", ["100000", "201"])
def test_an_oversized_page_is_capped_at_200(api, alice, many_customers, size) -> None:
    response = api(alice).get("/api/v1/customers/", {"page_size": size})
    assert response.status_code == 200
    assert response.json()["count"] == 205
    assert len(response.json()["results"]) == 200


@pytest.mark.parametrize("size", ["0", "-5", "lots", "1e9"])
def test_a_nonsense_page_size_falls_back_to_the_default(api, alice, many_customers, size) -> None:
    response = api(alice).get("/api/v1/customers/", {"page_size": size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 50


def test_an_oversized_case_page_is_capped(api, alice, customer_a) -> None:
    CaseFactory.create_batch(3, customer=customer_a)
    response = api(alice).get("/api/v1/cases/", {"page_size": 100000})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


@pytest.mark.parametrize("page", ["9999", "0", "-1", "last-but-one"])
def test_a_page_out_of_range_is_a_json_404(api, alice, customer_a, page) -> None:
    response = api(alice).get("/api/v1/customers/", {"page": page})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_an_out_of_range_case_page_is_a_json_404(api, alice, customer_a) -> None:
    CaseFactory(customer=customer_a)
    response = api(alice).get("/api/v1/cases/", {"page": 9999})
    assert response.status_code == 404
    assert "detail" in response.json()


# --- Other partners' ids ---------------------------------------------------------------------


def test_another_partners_customer_in_a_case_payload_is_refused(api, alice, customer_b) -> None:
    response = api(alice).post("/api/v1/cases/", {"customer": customer_b.pk}, format="json")
    assert response.status_code == 400
    assert "customer" in response.json()
    assert not Case.objects.filter(customer=customer_b).exists()


def test_another_partners_customer_in_a_contact_payload_is_refused(api, alice, customer_b) -> None:
    response = api(alice).post(
        "/api/v1/contacts/",
        {"name": "Spy", "email": "spy@acme.example", "customer": customer_b.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "customer" in response.json()


def test_another_partner_in_a_contact_payload_is_refused(api, alice, partner_b) -> None:
    response = api(alice).post(
        "/api/v1/contacts/",
        {"name": "Spy", "email": "spy@acme.example", "partner": partner_b.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "partner" in response.json()


def test_another_partners_customer_in_a_capacity_request_is_refused(api, alice, customer_b) -> None:
    response = api(alice).post(
        "/api/v1/capacity-requests/", {"customer": customer_b.pk}, format="json"
    )
    assert response.status_code == 400
    assert "customer" in response.json()


def test_another_partners_customer_in_a_case_filter_shows_nothing(
    api, alice, customer_a, customer_b
) -> None:
    CaseFactory(customer=customer_b)
    response = api(alice).get("/api/v1/cases/", {"customer": customer_b.pk})
    # The filter's choices are the caller's customers: B's id is "not one of the choices".
    assert response.status_code == 400
    assert "customer" in response.json()


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/v1/customers/", "partner"),
        ("/api/v1/changes/", "partner"),
        ("/api/v1/changes/", "customer"),
        ("/api/v1/contacts/", "customer"),
    ],
)
def test_another_partners_id_in_a_list_filter_leaks_nothing(
    api, alice, customer_a, customer_b, url, param
) -> None:
    ChangeFactory(partner=customer_b.partner, customers=[customer_b])
    other = customer_b.partner.pk if param == "partner" else customer_b.pk
    response = api(alice).get(url, {param: other})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["results"] == []
    else:
        assert param in response.json()


def test_another_partners_customer_in_a_capacity_url_is_a_404(api, alice, customer_b) -> None:
    response = api(alice).get(f"/api/v1/capacity/{customer_b.pk}/")
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("0424-01-05T14:01:23+22:04", 200),  # PostgreSQL refuses this offset: sent in UTC
        ("2027-03-26T22:00:00-23:59", 200),
        ("0001-01-01T00:00:00+05:00", 400),  # before year 1 in UTC
    ],
)
def test_an_extreme_offset_in_a_filter_is_never_a_500(api, staff, value, status) -> None:
    response = api(staff).get("/api/v1/cases/", {"opened_after": value})
    assert response.status_code == status, response.content
    if status == 400:
        assert "opened_after" in response.json()
