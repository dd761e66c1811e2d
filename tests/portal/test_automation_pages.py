"""Portal pages of automation: my API tokens (shown once, last used, revoke) and the
partner's webhooks (admins); outsiders get 404."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from portal import tokens, webhooks
from portal.automation_models import ApiToken

pytestmark = pytest.mark.django_db


def test_settings_link_to_the_token_page(client_for, bob):
    page = client_for(bob).get("/settings/")
    assert 'href="/settings/tokens/"' in page.content.decode()


def test_a_user_creates_a_token_shown_once_and_it_works(client_for, bob):
    client = client_for(bob)
    page = client.post("/settings/tokens/", {"name": "Monitoring script"})
    assert page.status_code == 200
    key = re.search(r'id="new-token-key">(\w+)<', page.content.decode()).group(1)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 200
    listed = client.get("/settings/tokens/").content.decode()
    assert "Monitoring script" in listed and key not in listed
    assert "UTC" in listed or "BRT" in listed or "CET" in listed or "GMT" in listed


def test_a_token_with_an_expiry_date(client_for, bob):
    client_for(bob).post("/settings/tokens/", {"name": "Short", "expires_on": "2099-01-31"})
    assert ApiToken.objects.get().expiry.year == 2099


def test_a_missing_name_is_shown_on_the_form(client_for, bob):
    page = client_for(bob).post("/settings/tokens/", {"name": ""})
    assert page.status_code == 400 and not ApiToken.objects.exists()


def test_a_user_revokes_its_token(client_for, bob):
    token, _key = tokens.api_token_create(actor=bob, user=bob, name="old")
    response = client_for(bob).post(f"/settings/tokens/{token.public_id}/revoke/")
    assert response.status_code == 302 and not ApiToken.objects.exists()


def test_the_admin_sees_and_revokes_the_partners_tokens(client_for, alice, bob):
    token, _key = tokens.api_token_create(actor=bob, user=bob, name="bob's script")
    client = client_for(alice)
    assert "bob&#x27;s script" in client.get("/settings/tokens/").content.decode()
    client.post(f"/settings/tokens/{token.public_id}/revoke/")
    assert not ApiToken.objects.exists()


def test_outsiders_cannot_see_or_revoke_another_partners_token(client_for, alice, bob, charlie):
    token, _key = tokens.api_token_create(actor=alice, user=alice, name="alice-secret-name")
    for user in (charlie, bob):
        client = client_for(user)
        assert "alice-secret-name" not in client.get("/settings/tokens/").content.decode()
        assert client.post(f"/settings/tokens/{token.public_id}/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_the_webhooks_page_lists_endpoints_and_deliveries_for_admins(
    client_for, alice, bob, charlie, partner_a, django_assert_max_num_queries
):
    webhooks.webhook_create(
        actor=alice, partner=partner_a, url="http://127.0.0.1:9/acme-hook", events=["case.opened"]
    )
    for n in range(3):
        webhooks.publish(
            partner=partner_a, type="case.opened", data={"case_id": n}, dedupe_key=f"k{n}"
        )
    client = client_for(alice)
    client.get("/settings/webhooks/")
    with django_assert_max_num_queries(12):
        page = client.get("/settings/webhooks/")
    text = page.content.decode()
    assert page.status_code == 200 and "acme-hook" in text and text.count("case.opened") >= 4
    assert client_for(bob).get("/settings/webhooks/").status_code == 404
    assert "acme-hook" not in client_for(charlie).get("/settings/webhooks/").content.decode()


def test_the_pages_are_translated(client_for, bob):
    from portal.services import profile_update

    profile_update(user=bob, language="pt-br")
    text = client_for(bob).get("/settings/tokens/").content.decode()
    assert "Criar token" in text
    # the page's title and heading start with a capital, as in English
    assert "<h1>Tokens de API</h1>" in text and "<title>Tokens de API" in text
