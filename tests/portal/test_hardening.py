"""Findings of the security review that the core fixes: headers, NUL characters, oversized and
over-nested bodies, forged forwarded addresses, the cost of the public schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rest_framework.throttling import AnonRateThrottle

from portal.api import schema as schema_module

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_pages_carry_a_content_security_policy_without_inline_script(client) -> None:
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert "frame-ancestors 'none'" in policy
    assert "camera=()" in response["Permissions-Policy"]


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    offenders = []
    for path in ROOT.glob("*/templates/**/*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=\"", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_signed_in_pages_and_api_answers_are_not_stored_by_caches(client_for, api, alice) -> None:
    page = client_for(alice).get("/")
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    answer = api(alice).get("/api/v1/customers/")
    assert "no-store" in answer["Cache-Control"] and "private" in answer["Cache-Control"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/cases/case/?severity__exact=%00",
        "/maintenance/feed/%00.ics",
        "/api/v1/cases/?q=%00",
    ],
)
def test_a_nul_character_in_the_address_is_a_400_not_a_500(client_for, staff, url) -> None:
    response = client_for(staff).get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_an_oversized_api_body_is_a_json_413(api, alice, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api(alice).post(
        "/api/v1/cases/", data='{"title": "' + "x" * 2000 + '"}', content_type="application/json"
    )
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_a_deeply_nested_json_body_is_a_400(api, alice) -> None:
    response = api(alice).post(
        "/api/v1/cases/", data="[" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_forged_forwarded_address_does_not_escape_the_anonymous_throttle(
    client, monkeypatch
) -> None:
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/min", raising=False)
    codes = [
        client.get("/api/schema/", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(5)
    ]
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]


def test_the_public_schema_is_built_once_per_language(client, monkeypatch) -> None:
    schema_module._built.clear()
    calls = []
    real = schema_module.SpectacularAPIView.generator_class.get_schema

    def counting(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(schema_module.SpectacularAPIView.generator_class, "get_schema", counting)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/schema/").status_code == 200
    assert len(calls) == 1
