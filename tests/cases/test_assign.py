"""The owner of a case (the operator's work queue, issue 14): the service and the API."""

from __future__ import annotations

import pytest

from cases import services
from cases.choices import EventKind
from portal.errors import DomainError
from tests.factories import UserFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def engineer(db):
    """A second operator engineer, with a name."""
    return UserFactory(username="omar", first_name="Omar", last_name="Silva", is_staff=True)


def url(case) -> str:
    return f"/api/v1/cases/{case.pk}/assign/"


# --- the service


def test_staff_assign_a_case_and_it_is_on_the_timeline(staff, engineer, customer_a):
    case = CaseFactory(customer=customer_a)
    services.case_assign(actor=staff, case=case, owner=engineer)
    case.refresh_from_db()
    assert case.owner == engineer
    event = case.events.get(kind=EventKind.ASSIGNMENT)
    assert event.text == "" and event.display_text == "Assigned to Omar Silva."
    assert (event.actor, event.to_value) == (staff, "Omar Silva")


def test_staff_unassign_a_case(staff, engineer, customer_a):
    case = CaseFactory(customer=customer_a, owner=engineer)
    services.case_assign(actor=staff, case=case, owner=None)
    case.refresh_from_db()
    assert case.owner is None
    assert case.events.get(kind=EventKind.ASSIGNMENT).display_text == "Unassigned (was Omar Silva)."


def test_assigning_the_same_owner_again_changes_nothing(staff, customer_a):
    case = CaseFactory(customer=customer_a, owner=staff)
    services.case_assign(actor=staff, case=case, owner=staff)
    assert not case.events.filter(kind=EventKind.ASSIGNMENT).exists()


def test_partner_users_cannot_assign(bob, staff, customer_a):
    case = CaseFactory(customer=customer_a)
    with pytest.raises(DomainError):
        services.case_assign(actor=bob, case=case, owner=staff)
    case.refresh_from_db()
    assert case.owner is None


@pytest.mark.parametrize("who", ["partner user", "inactive staff"])
def test_the_owner_must_be_an_active_operator_engineer(staff, bob, customer_a, who):
    owner = bob if who == "partner user" else UserFactory(is_staff=True, is_active=False)
    case = CaseFactory(customer=customer_a)
    with pytest.raises(DomainError) as error:
        services.case_assign(actor=staff, case=case, owner=owner)
    assert error.value.field == "owner"
    assert not case.events.filter(kind=EventKind.ASSIGNMENT).exists()


# --- the API


def test_staff_assign_through_the_api(api, staff, engineer, customer_a):
    case = CaseFactory(customer=customer_a)
    response = api(staff).post(url(case), {"owner": engineer.pk}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["owner"], body["owner_name"], body["escalation_level"]) == (
        engineer.pk,
        "Omar Silva",
        0,
    )
    case.refresh_from_db()
    assert case.owner == engineer


def test_staff_unassign_through_the_api(api, staff, engineer, customer_a):
    case = CaseFactory(customer=customer_a, owner=engineer)
    response = api(staff).post(url(case), {"owner": None}, format="json")
    assert response.status_code == 200 and response.json()["owner"] is None
    assert response.json()["owner_name"] == ""


def test_a_partner_user_as_owner_is_a_400_naming_the_field(api, staff, bob, customer_a):
    case = CaseFactory(customer=customer_a)
    response = api(staff).post(url(case), {"owner": bob.pk}, format="json")
    assert response.status_code == 400
    assert "owner" in str(response.json())


def test_partners_may_not_assign(api, alice, staff, customer_a):
    case = CaseFactory(customer=customer_a)
    assert api(alice).post(url(case), {"owner": staff.pk}, format="json").status_code == 403
    case.refresh_from_db()
    assert case.owner is None


def test_outsider_may_not_assign(api, charlie, staff, customer_a):
    case = CaseFactory(customer=customer_a)
    assert api(charlie).post(url(case), {"owner": staff.pk}, format="json").status_code in (
        403,
        404,
    )
    assert api(charlie).get(f"/api/v1/cases/{case.pk}/").status_code == 404


def test_partners_see_the_engineers_name_but_no_user_id(api, alice, engineer, customer_a):
    case = CaseFactory(customer=customer_a, owner=engineer)
    body = api(alice).get(f"/api/v1/cases/{case.pk}/").json()
    assert body["owner_name"] == "Omar Silva"
    assert body["owner"] is None and body["escalation_level"] is None
    listed = api(alice).get("/api/v1/cases/").json()["results"][0]
    assert listed["owner_name"] == "Omar Silva" and listed["owner"] is None


def test_staff_see_the_owner_id_in_the_list(api, staff, engineer, customer_a):
    CaseFactory(customer=customer_a, owner=engineer)
    listed = api(staff).get("/api/v1/cases/").json()["results"][0]
    assert listed["owner"] == engineer.pk and listed["escalation_level"] == 0


def test_the_partners_case_page_names_the_engineer(client_for, alice, engineer, customer_a):
    case = CaseFactory(customer=customer_a, owner=engineer)
    html = client_for(alice).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="case-owner"' in html and "Omar Silva" in html


def test_outsider_gets_404_on_the_case_page(client_for, charlie, engineer, customer_a):
    case = CaseFactory(customer=customer_a, owner=engineer)
    assert client_for(charlie).get(f"/cases/{case.pk}/").status_code == 404
