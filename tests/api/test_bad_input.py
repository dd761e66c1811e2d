"""Bad input, by hand: what the schema fuzzing found, and the cases it must always cover.

Malformed dates, naive datetimes, unknown enum values, oversized and out-of-range pages, and
other partners' ids in payloads and filters. Every refusal is a JSON 4xx that names the field.
"""

from __future__ import annotations

import functools
import json

import pytest
from drf_spectacular.generators import SchemaGenerator

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
