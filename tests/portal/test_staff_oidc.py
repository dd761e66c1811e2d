"""Staff sign-in through the operator's provider: off by default, and only staff accounts.
(The whole login against a real provider is in tests/browser/test_staff_sign_in.py.)"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from portal.oidc import StaffOIDCBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def oidc_settings(settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "Operator SSO"
    settings.OIDC_RP_CLIENT_ID = "portal"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_OP_ISSUER = ""
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "http://127.0.0.1:9/auth"
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"
    settings.OIDC_OP_USER_ENDPOINT = "http://127.0.0.1:9/me"
    settings.OIDC_OP_JWKS_ENDPOINT = "http://127.0.0.1:9/jwks"
    settings.OIDC_STAFF_EMAIL_DOMAINS = ["operator.example"]
    return settings


def test_off_by_default_no_button_and_no_oidc_pages():
    client = Client()
    assert "oidc-sign-in" not in client.get("/admin/login/").content.decode()
    assert "oidc-sign-in" not in client.get("/accounts/login/").content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


def test_enabled_shows_the_button_and_redirects_to_the_provider(oidc_settings):
    client = Client()
    assert "Sign in with Operator SSO" in client.get("/admin/login/").content.decode()
    assert "Sign in with Operator SSO" in client.get("/accounts/login/").content.decode()
    response = client.get("/oidc/authenticate/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith("http://127.0.0.1:9/auth?")
    assert "client_id=portal" in response.url and "code_challenge=" in response.url


def test_password_sign_in_still_works_with_oidc_settings_unset(alice):
    alice.set_password("alice-pass-2026!")
    alice.save()
    assert Client().login(username="alice", password="alice-pass-2026!")


def test_existing_staff_matched_by_email_partner_users_never(oidc_settings, alice):
    tess = UserFactory(username="tess", email="tess@operator.example", is_staff=True)
    alice.email = "alice@operator.example"
    alice.is_staff = True  # even a partner user flagged staff by mistake
    alice.save()
    backend = StaffOIDCBackend()
    assert list(backend.filter_users_by_claims({"email": "TESS@operator.example"})) == [tess]
    assert not backend.filter_users_by_claims({"email": "alice@operator.example"}).exists()
    assert backend.create_user({"email": "alice@operator.example"}) is None


def test_new_staff_only_for_the_listed_domains(oidc_settings):
    backend = StaffOIDCBackend()
    assert backend.create_user({"email": "mallory@elsewhere.example"}) is None
    nora = backend.create_user({"email": "Nora@Operator.example", "given_name": "Nora"})
    assert nora.is_staff and not nora.is_superuser and nora.username == "nora@operator.example"
    assert not nora.has_usable_password()


def test_unverified_email_is_refused(oidc_settings):
    backend = StaffOIDCBackend()
    assert not backend.verify_claims({"email": "tess@operator.example", "email_verified": False})
    assert backend.verify_claims({"email": "tess@operator.example", "email_verified": True})
    assert not backend.verify_claims({"sub": "tess"})


def test_deactivated_staff_session_ends(oidc_settings):
    tess = UserFactory(username="tess", email="tess@operator.example", is_staff=True)
    tess.is_active = False
    tess.save()
    assert StaffOIDCBackend().get_user(tess.pk) is None
