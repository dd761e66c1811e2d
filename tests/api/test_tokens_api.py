"""API tokens: created, used, listed and revoked through the API; stored hashed; a partner
admin sees and revokes its partner's tokens; outsiders get 404; the operators' command."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal import tokens
from portal.automation_models import ApiToken

pytestmark = pytest.mark.django_db

URL = "/api/v1/tokens/"


def _with_token(key: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")


def test_a_user_creates_a_token_sees_its_key_once_and_uses_it(api, bob):
    response = api(bob).post(URL, {"name": "CI pipeline"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    key = body["token"]
    assert body["id"].startswith("tok_") and body["name"] == "CI pipeline"
    assert (body["expires_at"], body["last_used_at"]) == (None, None)
    stored = ApiToken.objects.get()
    assert key not in (stored.digest, stored.token_key) and len(stored.digest) == 128  # hashed
    assert _with_token(key).get("/api/v1/me/").json()["username"] == "bob"
    listed = _with_token(key).get(URL).json()["results"]
    assert [t["id"] for t in listed] == [body["id"]]
    assert "token" not in listed[0] and listed[0]["last_used_at"] is not None


def test_revoking_stops_the_token_at_once(api, bob):
    _token, key = tokens.api_token_create(actor=bob, user=bob, name="laptop")
    client = _with_token(key)
    assert client.get("/api/v1/me/").status_code == 200
    assert client.delete(f"{URL}{_token.public_id}/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401
    assert not ApiToken.objects.exists()


def test_an_expired_token_no_longer_works(api, bob):
    token, key = tokens.api_token_create(
        actor=bob, user=bob, expires_at=timezone.now() + timedelta(days=1)
    )
    assert _with_token(key).get("/api/v1/me/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert _with_token(key).get("/api/v1/me/").status_code == 401


def test_an_expiry_in_the_past_or_naive_is_refused(api, bob):
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    assert "expires_at" in api(bob).post(URL, {"expires_at": past}, format="json").json()
    naive = api(bob).post(URL, {"expires_at": "2030-01-01T00:00:00"}, format="json")
    assert naive.status_code == 400 and "expires_at" in naive.json()


def test_last_used_is_stamped_at_most_once_a_minute(bob):
    token, key = tokens.api_token_create(actor=bob, user=bob)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _with_token(key).get("/api/v1/me/")
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        _with_token(key).get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        _with_token(key).get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(minutes=2)


def test_a_partner_admin_sees_and_revokes_its_partners_tokens(api, alice, bob, charlie):
    bobs, _ = tokens.api_token_create(actor=bob, user=bob, name="bob's script")
    tokens.api_token_create(actor=charlie, user=charlie, name="charlie's")
    listed = api(alice).get(URL).json()["results"]
    assert [(t["name"], t["user"]) for t in listed] == [("bob's script", "bob")]
    assert api(alice).delete(f"{URL}{bobs.public_id}/").status_code == 204
    assert not ApiToken.objects.filter(user=bob).exists()


def test_an_engineer_sees_only_its_own(api, alice, bob):
    tokens.api_token_create(actor=alice, user=alice, name="alice's")
    assert api(bob).get(URL).json()["results"] == []


def test_outsiders_get_404_on_another_partners_token(api, bob, charlie, alice):
    token, _ = tokens.api_token_create(actor=alice, user=alice)
    for user in (charlie, bob):
        client = api(user)
        assert client.get(f"{URL}{token.public_id}/").status_code == 404
        assert client.delete(f"{URL}{token.public_id}/").status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_anonymous_is_refused(api):
    assert api().get(URL).status_code == 401
    assert _with_token("0" * 64).get(URL).status_code == 401


def test_staff_list_every_token(api, staff, alice, charlie):
    tokens.api_token_create(actor=alice, user=alice)
    tokens.api_token_create(actor=charlie, user=charlie)
    assert len(api(staff).get(URL).json()["results"]) == 2


def test_a_token_list_takes_constant_queries(api, alice, bob, django_assert_max_num_queries):
    for n in range(5):
        tokens.api_token_create(actor=bob, user=bob, name=f"t{n}")
    with django_assert_max_num_queries(6):
        assert len(api(alice).get(URL).json()["results"]) == 5


def test_nobody_makes_tokens_for_somebody_else(alice, bob):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        tokens.api_token_create(actor=alice, user=bob)


def test_the_former_drf_tokens_keep_working(bob):
    legacy = Token.objects.create(user=bob)
    assert _with_token(legacy.key).get("/api/v1/me/").json()["username"] == "bob"


def test_deactivating_a_user_deletes_its_tokens(api, alice, bob):
    _token, key = tokens.api_token_create(actor=bob, user=bob)
    assert api(alice).post(f"/api/v1/users/{bob.pk}/deactivate/").status_code == 200
    assert _with_token(key).get("/api/v1/me/").status_code == 401
    assert not ApiToken.objects.filter(user=bob).exists()


def test_the_command_prints_a_new_hashed_token_that_works(bob):
    out = io.StringIO()
    call_command("drf_create_token", "bob", stdout=out)
    line = out.getvalue().strip()
    assert line.startswith("Generated token ") and line.endswith(" for user bob")
    key = line.split()[2]
    assert len(key) == 64
    assert ApiToken.objects.get(user=bob).name == "manage.py"
    assert _with_token(key).get("/api/v1/me/").status_code == 200
    call_command("drf_create_token", "bob", "--reset", stdout=io.StringIO())
    assert _with_token(key).get("/api/v1/me/").status_code == 401
    assert ApiToken.objects.filter(user=bob).count() == 1
