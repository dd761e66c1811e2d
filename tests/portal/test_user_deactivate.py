"""A partner admin deactivates a departing user: sessions and API tokens stop working at once,
and history keeps the name."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

User = get_user_model()


def deactivate(api, actor, user):
    return api(actor).post(f"/api/v1/users/{user.pk}/deactivate/")


def test_deactivation_ends_sessions_and_tokens_at_once(api, alice, bob):
    bob.set_password("bob-pass-2026!")
    bob.save()
    browser = Client()
    assert browser.login(username="bob", password="bob-pass-2026!")
    assert browser.get("/contacts/").status_code == 200
    token = Token.objects.create(user=bob)
    automation = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert automation.get("/api/v1/contacts/").status_code == 200

    response = deactivate(api, alice, bob)

    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    assert browser.get("/contacts/").status_code == 302  # back to the login page
    assert automation.get("/api/v1/contacts/").status_code == 401
    assert not Token.objects.filter(user=bob).exists()
    assert not browser.login(username="bob", password="bob-pass-2026!")
    bob.refresh_from_db()
    assert bob.username == "bob" and not bob.is_active  # history keeps the name


def test_deactivated_user_stays_listed_for_the_partner(api, alice, bob):
    deactivate(api, alice, bob)
    listed = {
        u["username"]: u["is_active"] for u in api(alice).get("/api/v1/users/").json()["results"]
    }
    assert listed == {"alice": True, "bob": False}


def test_engineer_cannot_deactivate(api, alice, bob):
    assert deactivate(api, bob, alice).status_code == 403
    alice.refresh_from_db()
    assert alice.is_active


def test_outsider_gets_404(api, charlie, bob):
    assert deactivate(api, charlie, bob).status_code == 404
    bob.refresh_from_db()
    assert bob.is_active


def test_staff_deactivate_any_partner_user(api, staff, charlie):
    assert deactivate(api, staff, charlie).status_code == 200
    charlie.refresh_from_db()
    assert not charlie.is_active


def test_admin_cannot_deactivate_themselves(api, alice):
    response = deactivate(api, alice, alice)
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_portal_users_page_deactivates_with_a_button(client_for, alice, bob):
    page = client_for(alice).get("/users/")
    assert page.status_code == 200
    assert f'action="/users/{bob.pk}/deactivate/"' in page.content.decode()
    assert f'action="/users/{alice.pk}/deactivate/"' not in page.content.decode()
    response = client_for(alice).post(f"/users/{bob.pk}/deactivate/", follow=True)
    assert "bob is deactivated" in response.content.decode()
    bob.refresh_from_db()
    assert not bob.is_active


def test_portal_engineer_sees_users_but_cannot_deactivate(client_for, alice, bob):
    page = client_for(bob).get("/users/")
    assert page.status_code == 200 and "deactivate/" not in page.content.decode()
    assert client_for(bob).post(f"/users/{alice.pk}/deactivate/").status_code == 403
    alice.refresh_from_db()
    assert alice.is_active


def test_portal_outsider_gets_404(client_for, charlie, bob):
    assert "bob" not in client_for(charlie).get("/users/").content.decode()
    assert client_for(charlie).post(f"/users/{bob.pk}/deactivate/").status_code == 404
