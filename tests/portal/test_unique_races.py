"""Two identical submits at once: the database constraint decides, and the loser gets a 400
naming the field (never a 500). Usernames are unique ignoring case, and look-alike names
(full-width letters, mixed alphabets) are refused."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connections

from portal import services
from portal.errors import DomainError
from portal.identity import username_problem
from portal.models import Contact, PartnerMembership

User = get_user_model()


def invite(api, actor, partner, username: str, email: str = "new@acme.example"):
    return api(actor).post(
        "/api/v1/users/",
        {"username": username, "email": email, "partner": partner.pk, "role": "engineer"},
        format="json",
    )


@pytest.mark.parametrize(
    "name", ["ａｌｉｃｅ", "ali\u1d9c", "\u0430lice", "p\u0430ypal", "bob\u0391"]
)
def test_look_alike_usernames_are_refused(name):
    assert username_problem(name)


@pytest.mark.parametrize("name", ["alice", "dora.m", "joão", "алиса", "ops-2", "o'neil"])
def test_ordinary_usernames_of_one_alphabet_pass(name):
    assert username_problem(name) is None


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["ａｌｉｃｅ", "\u0430lice"])
def test_api_refuses_look_alike_username_naming_the_field(api, alice, partner_a, name):
    response = invite(api, alice, partner_a, name)
    assert response.status_code == 400
    assert list(response.json()) == ["username"]
    assert "letters" in response.json()["username"][0]
    assert not User.objects.filter(username=name).exists()


@pytest.mark.django_db
def test_database_refuses_a_username_differing_only_in_case(partner_a):
    User.objects.create_user(username="Dora")
    with pytest.raises(IntegrityError):
        User.objects.create_user(username="dora")


@pytest.mark.django_db
def test_invite_losing_a_race_answers_400_on_username(api, alice, partner_a, monkeypatch):
    """Another request creates "Dora" between our check and our insert."""
    real_create_user = User.objects.create_user

    def racing_create_user(**fields):
        real_create_user(username=fields["username"].capitalize())
        return real_create_user(**fields)

    monkeypatch.setattr(User.objects, "create_user", racing_create_user)
    response = invite(api, alice, partner_a, "dora")
    assert response.status_code == 400, response.content
    assert response.json() == {"username": ["This username is taken."]}
    # Nothing half-written: the service's transaction is rolled back as a whole.
    assert not PartnerMembership.objects.filter(user__username__iexact="dora").exists()


@pytest.mark.django_db
def test_contact_losing_a_race_answers_400_on_email(api, alice, partner_a, monkeypatch):
    real_create = Contact.objects.create

    def racing_create(**fields):
        real_create(**fields)
        return real_create(**fields)

    monkeypatch.setattr(Contact.objects, "create", racing_create)
    response = api(alice).post(
        "/api/v1/contacts/", {"name": "NOC", "email": "noc@acme.example"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"email": ["A contact with this e-mail already exists."]}


def _race(monkeypatch, manager, method: str, call) -> tuple[list, list]:
    """Run ``call`` in two threads that both pass the service's duplicate check and meet at
    the insert, so the database alone must decide."""
    barrier = threading.Barrier(2, timeout=20)
    real = getattr(manager, method)

    def meet_then_insert(*args, **kwargs):
        barrier.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(manager, method, meet_then_insert)
    results: list = []
    errors: list = []

    def run() -> None:
        try:
            results.append(call())
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_invitations_of_one_name_make_one_user(monkeypatch, alice, partner_a):
    names = iter(["Dora", "dora"])
    lock = threading.Lock()

    def call():
        with lock:
            name = next(names)
        return services.user_invite(
            actor=alice, partner=partner_a, username=name, email="d@acme.example", role="engineer"
        )

    results, errors = _race(monkeypatch, User.objects, "create_user", call)
    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], DomainError), errors
    assert errors[0].field == "username"
    assert User.objects.filter(username__iexact="dora").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_identical_contacts_make_one_contact(monkeypatch, alice, partner_a):
    def call():
        return services.contact_create(
            user=alice, partner=partner_a, name="NOC", email="noc@acme.example"
        )

    results, errors = _race(monkeypatch, Contact.objects, "create", call)
    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], DomainError), errors
    assert errors[0].field == "email"
    assert Contact.objects.filter(email="noc@acme.example").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["ａｌｉｃｅ", "\u0430lice", "ALICE"])
def test_admin_user_forms_refuse_look_alikes_and_case_twins(client_for, staff, alice, name):
    created = client_for(staff).post(
        "/admin/auth/user/add/",
        {"username": name, "password1": "Long-pass-2026!", "password2": "Long-pass-2026!"},
    )
    assert created.status_code == 200  # the form again, with the error on the field
    assert created.context["adminform"].form.errors["username"]
    renamed = client_for(staff).post(
        f"/admin/auth/user/{staff.pk}/change/",
        {"username": name, "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"},
    )
    assert renamed.status_code == 200
    assert renamed.context["adminform"].form.errors["username"]
    assert not User.objects.filter(username=name).exists()
