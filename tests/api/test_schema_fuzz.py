"""Bad input, found by fuzzing: schemathesis walks the project's own OpenAPI schema.

Every operation of the schema is called with generated requests (valid and invalid ones) as a
partner administrator (Alice of Acme) and as staff (Tess), over the demo data. Each response
must pass three checks:

1. no 5xx (``not_a_server_error``);
2. a documented response matches its schema (``response_schema_conformance``);
3. every 4xx is JSON, and a 400 names the field (``four_xx_is_json_naming_the_field``).

The number of examples is bounded and the generation derandomized, so CI is stable and fast.
"""

from __future__ import annotations

import io
import json
import os

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from portal.wsgi import application

# Examples per operation and persona: small for CI; FUZZ_EXAMPLES=200 for a deeper local hunt.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))


def _openapi() -> dict:
    """The schema exactly as ``/api/schema/`` serves it, as plain JSON types."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(schema, default=str))


OPENAPI = _openapi()
schema = schemathesis.openapi.from_dict(OPENAPI)


GENERIC_KEYS = {"non_field_errors", "detail", "rule"}


def _properties(media_types: dict) -> set[str]:
    names: set[str] = set()
    for media in media_types.values():
        ref = media.get("schema", {}).get("$ref", "")
        if ref:
            component = OPENAPI["components"]["schemas"][ref.rsplit("/", 1)[-1]]
            names |= set(component.get("properties", {}))
    return names


def _fields_of(operation_path: str, method: str) -> set[str]:
    """The names a 400 may use for ``method path``: its parameters, its body's properties,
    and the fields of the object it acts on (``status`` when a transition is not allowed)."""
    operation = OPENAPI["paths"][operation_path][method.lower()]
    names = {p["name"] for p in operation.get("parameters", [])}
    names |= _properties(operation.get("requestBody", {}).get("content", {}))
    for code, answer in operation.get("responses", {}).items():
        if code.startswith("2"):
            names |= _properties(answer.get("content", {}))
    return names


@schemathesis.check
def four_xx_is_json_naming_the_field(ctx, response, case) -> None:
    """Every 4xx is a JSON object; a 400 names fields of the operation (its parameters or
    body properties), ``non_field_errors`` or ``detail``."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), (
        f"{response.status_code} is not JSON: {content_type!r}"
    )
    body = json.loads(response.content or b"null")
    assert isinstance(body, dict) and body, f"{response.status_code} is not an object: {body!r}"
    if response.status_code == 400:
        unknown = set(body) - GENERIC_KEYS - _fields_of(case.operation.path, case.method)
        assert not unknown, f"400 names no field of the operation: {sorted(unknown)}"
    return None


CHECKS = [not_a_server_error, response_schema_conformance, four_xx_is_json_naming_the_field]


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    """The demo data, loaded once for the module and rolled back at its end."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("demo", stdout=io.StringIO())
            users = get_user_model().objects.filter(username__in=["alice", "tess"])
            tokens = {u.username: Token.objects.get_or_create(user=u)[0].key for u in users}
            yield tokens
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _in_process_requests():
    """Requests go through the real WSGI application inside the test's transaction: like
    Django's test client, keep the request signals from closing the connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("persona", ["alice", "tess"])
@schema.parametrize()
@FUZZ_SETTINGS
def test_api_survives_bad_input(case, persona, demo_world, db):
    token = demo_world[persona]
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"}, checks=CHECKS, app=application
    )
