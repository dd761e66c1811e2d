"""A user's own account and settings: GET/PATCH /api/v1/me/ and the "My settings" page
(DOMAIN.md: "Times shown to people")."""

from __future__ import annotations

import pytest

from portal.choices import Region
from portal.models import UserProfile

from ..factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_me_shows_my_own_account_with_the_defaults(api, alice, partner_a, customer_a):
    body = api(alice).get("/api/v1/me/").json()
    assert body["id"] == alice.pk and body["username"] == "alice"
    assert body["partner"] == partner_a.pk and body["role"] == "admin"
    assert body["is_staff"] is False
    assert body["language"] == "" and body["time_zone"] == ""
    # Defaults: the partner's language, the zone of its first customer's region (EMEA).
    assert body["effective_language"] == "en"
    assert body["effective_time_zone"] == "Europe/Paris"


def test_the_default_zone_is_the_first_customers_region(api, bob, partner_a):
    CustomerFactory(partner=partner_a, name="Zeta first", region=Region.APJC)
    CustomerFactory(partner=partner_a, name="Alpha later", region=Region.EMEA)
    assert api(bob).get("/api/v1/me/").json()["effective_time_zone"] == "Asia/Tokyo"


def test_staff_default_to_utc(api, staff):
    body = api(staff).get("/api/v1/me/").json()
    assert body["is_staff"] is True and body["partner"] is None
    assert body["effective_time_zone"] == "UTC"


def test_me_changes_language_and_zone(api, bob, partner_a):
    response = api(bob).patch(
        "/api/v1/me/",
        {"language": "pt-br", "time_zone": "America/Sao_Paulo", "first_name": "Bob"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["language"] == "pt-br" and body["time_zone"] == "America/Sao_Paulo"
    assert body["effective_time_zone"] == "America/Sao_Paulo"
    assert body["effective_language"] == "pt-br" and body["first_name"] == "Bob"
    profile = UserProfile.objects.get(user=bob)
    assert (profile.language, profile.time_zone) == ("pt-br", "America/Sao_Paulo")
    # Blank returns to the default.
    api(bob).patch("/api/v1/me/", {"time_zone": ""}, format="json")
    assert UserProfile.objects.get(user=bob).time_zone == ""


def test_an_unknown_zone_is_a_400_naming_the_field(api, bob):
    response = api(bob).patch("/api/v1/me/", {"time_zone": "Mars/Olympus"}, format="json")
    assert response.status_code == 400
    assert "Mars/Olympus" in response.json()["time_zone"][0]
    assert not UserProfile.objects.filter(user=bob, time_zone="Mars/Olympus").exists()


def test_an_unknown_language_is_a_400_naming_the_field(api, bob):
    response = api(bob).patch("/api/v1/me/", {"language": "fr"}, format="json")
    assert response.status_code == 400 and "language" in response.json()


def test_me_cannot_change_what_is_not_mine(api, bob, partner_b):
    response = api(bob).patch(
        "/api/v1/me/", {"partner": partner_b.pk, "role": "admin", "is_staff": True}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["partner"] != partner_b.pk and body["role"] == "engineer"
    assert body["is_staff"] is False


def test_an_outsider_sees_only_itself(api, charlie, alice):
    body = api(charlie).get("/api/v1/me/").json()
    assert body["id"] == charlie.pk and "alice" not in str(body)


def test_anonymous_callers_are_refused(api):
    assert api().get("/api/v1/me/").status_code in (401, 403)
    assert api().patch("/api/v1/me/", {"language": "en"}, format="json").status_code in (401, 403)


# --- the portal page and the language ------------------------------------------------------


def test_the_settings_page_saves_language_and_zone(client_for, bob):
    client = client_for(bob)
    assert client.get("/settings/").status_code == 200
    response = client.post(
        "/settings/", {"language": "pt-br", "time_zone": "America/Sao_Paulo"}, follow=True
    )
    assert response.status_code == 200
    assert b'lang="pt-br"' in response.content
    assert "horário de Brasília" in response.content.decode()
    profile = UserProfile.objects.get(user=bob)
    assert (profile.language, profile.time_zone) == ("pt-br", "America/Sao_Paulo")


def test_the_settings_page_refuses_an_unknown_zone(client_for, bob):
    response = client_for(bob).post("/settings/", {"language": "", "time_zone": "Mars/Olympus"})
    assert response.status_code == 400 and response.context["form"].errors["time_zone"]


def test_the_settings_page_needs_a_login(client):
    assert client.get("/settings/").status_code == 302


def test_the_partners_language_applies_to_its_users(client_for, bob, partner_a):
    partner_a.language = "pt-br"
    partner_a.save()
    assert b'lang="pt-br"' in client_for(bob).get("/customers/").content


def test_the_language_switch_is_kept_in_the_profile(client_for, bob):
    client = client_for(bob)
    client.post("/i18n/setlang/", {"language": "pt-br", "next": "/"})
    assert UserProfile.objects.get(user=bob).language == "pt-br"
    # A new session (another device) still speaks Portuguese.
    assert b'lang="pt-br"' in client_for(bob).get("/customers/").content
