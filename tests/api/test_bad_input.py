"""Bad input, by hand: what the schema fuzzing found, and the cases it must always cover.

Malformed dates, naive datetimes, unknown enum values, oversized and out-of-range pages, and
other partners' ids in payloads and filters. Every refusal is a JSON 4xx that names the field.
"""

from __future__ import annotations

import functools
import json

import pytest
from drf_spectacular.generators import SchemaGenerator

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
