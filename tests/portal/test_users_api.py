"""Partner users: invitations through the outbox with a set-password link."""

import re

import pytest
from django.core import mail

from portal.models import PartnerMembership
from portal.notifications import deliver_due
from tests.outbox import deliveries

pytestmark = pytest.mark.django_db


def test_partner_admin_invites_a_user_who_sets_a_password(api, alice, partner_a, client):
    response = api(alice).post(
        "/api/v1/users/",
        {
            "username": "dora",
            "email": "dora@acme.example",
            "partner": partner_a.pk,
            "role": "engineer",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["partner"] == partner_a.pk and response.json()["role"] == "engineer"
    assert PartnerMembership.objects.get(user__username="dora").partner == partner_a
    [invitation] = deliveries(recipient="dora@acme.example")
    deliver_due()
    assert mail.outbox[0].to == ["dora@acme.example"]
    link = re.search(r"http://\S+/accounts/set-password/\S+/", invitation.body).group(0)
    path = link.split("8000", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "S3cure-pass-xyz", "new_password2": "S3cure-pass-xyz"},
    )
    assert done.status_code == 302
    assert client.login(username="dora", password="S3cure-pass-xyz")


def test_staff_invites_for_any_partner(api, staff, partner_b):
    response = api(staff).post(
        "/api/v1/users/",
        {"username": "eve", "email": "eve@b.example", "partner": partner_b.pk, "role": "admin"},
        format="json",
    )
    assert response.status_code == 201


def test_engineer_cannot_invite(api, bob, partner_a):
    response = api(bob).post(
        "/api/v1/users/",
        {"username": "zed", "email": "zed@a.example", "partner": partner_a.pk, "role": "engineer"},
        format="json",
    )
    assert response.status_code == 403


def test_outsider_cannot_invite_into_partner_a(api, charlie, partner_a):
    response = api(charlie).post(
        "/api/v1/users/",
        {"username": "mole", "email": "mole@b.example", "partner": partner_a.pk, "role": "admin"},
        format="json",
    )
    assert response.status_code == 400
    assert "partner" in response.json()
    assert not PartnerMembership.objects.filter(user__username="mole").exists()


def test_bad_role_and_taken_username_name_their_fields(api, alice, partner_a, bob):
    bad_role = api(alice).post(
        "/api/v1/users/",
        {"username": "x1", "email": "x1@a.example", "partner": partner_a.pk, "role": "owner"},
        format="json",
    )
    assert bad_role.status_code == 400 and "role" in bad_role.json()
    taken = api(alice).post(
        "/api/v1/users/",
        {"username": "bob", "email": "b@a.example", "partner": partner_a.pk, "role": "engineer"},
        format="json",
    )
    assert taken.status_code == 400 and "username" in taken.json()


def test_users_list_is_scoped(api, alice, charlie, bob):
    assert {u["username"] for u in api(alice).get("/api/v1/users/").json()["results"]} == {
        "alice",
        "bob",
    }
    assert {u["username"] for u in api(charlie).get("/api/v1/users/").json()["results"]} == {
        "charlie"
    }
    assert api(charlie).get(f"/api/v1/users/{bob.pk}/").status_code == 404
