"""A case's reporting contact and its watchers: the contacts that receive the case's messages
besides the category's subscribers (issue 12). Services, selector, portal page, API and admin,
with the outsider proofs: Charlie cannot see or change A's watchers, Alice cannot add B's
contact."""

from __future__ import annotations

import pytest

from cases import selectors, services
from cases.choices import EventKind
from cases.models import Case, CaseWatcher
from portal.errors import DomainError
from tests.factories import ContactFactory, CustomerFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/cases/"


@pytest.fixture
def case(customer_a) -> Case:
    return CaseFactory(customer=customer_a)


# --- services ----------------------------------------------------------------------------------


def test_a_partner_user_adds_a_partner_wide_contact_as_watcher(bob, case, case_contacts):
    noc = case_contacts["noc"]
    watcher = services.case_watcher_add(actor=bob, case=case, contact=noc)
    assert (watcher.case, watcher.contact, watcher.added_by) == (case, noc, bob)
    event = case.events.get(kind=EventKind.WATCHER_ADDED)
    assert (event.to_value, event.data, event.actor) == (noc.name, {"contact": noc.pk}, bob)

    # Adding again changes nothing.
    services.case_watcher_add(actor=bob, case=case, contact=noc)
    assert CaseWatcher.objects.count() == 1
    assert case.events.filter(kind=EventKind.WATCHER_ADDED).count() == 1


def test_the_customers_own_contact_may_watch_its_cases_only(alice, partner_a, case, case_contacts):
    services.case_watcher_add(actor=alice, case=case, contact=case_contacts["alpha"])
    other_case = CaseFactory(customer=CustomerFactory(partner=partner_a))
    with pytest.raises(DomainError) as err:
        services.case_watcher_add(actor=alice, case=other_case, contact=case_contacts["alpha"])
    assert err.value.field == "contact"


def test_another_partners_contact_is_refused(alice, staff, case, case_contacts):
    for actor in (alice, staff):
        with pytest.raises(DomainError) as err:
            services.case_watcher_add(actor=actor, case=case, contact=case_contacts["other"])
        assert err.value.field == "contact"
    with pytest.raises(DomainError) as err:
        services.case_watcher_add(actor=alice, case=case, contact=999_999)
    assert err.value.field == "contact"
    assert not CaseWatcher.objects.exists()


def test_an_outsider_cannot_add_or_remove_watchers(charlie, staff, case, case_contacts):
    with pytest.raises(DomainError):
        services.case_watcher_add(actor=charlie, case=case, contact=case_contacts["noc"])
    services.case_watcher_add(actor=staff, case=case, contact=case_contacts["noc"])
    with pytest.raises(DomainError):
        services.case_watcher_remove(actor=charlie, case=case, contact=case_contacts["noc"])
    assert CaseWatcher.objects.count() == 1


def test_removing_a_watcher_is_on_the_timeline(alice, case, case_contacts):
    noc = case_contacts["noc"]
    services.case_watcher_add(actor=alice, case=case, contact=noc)
    services.case_watcher_remove(actor=alice, case=case, contact=noc)
    assert not CaseWatcher.objects.exists()
    event = case.events.get(kind=EventKind.WATCHER_REMOVED)
    assert event.from_value == noc.name
    with pytest.raises(DomainError) as err:
        services.case_watcher_remove(actor=alice, case=case, contact=noc)
    assert err.value.field == "contact"


# --- the reporting contact on opening ------------------------------------------------------------


def _open(user, customer, **kwargs) -> Case:
    values = {
        "title": "No audio",
        "description": "Calls have no audio.",
        "category": "common",
        "impact": "localized",
        "urgency": "medium",
        "contract_number": customer.contract_number,
        "contact_name": "Nina Ops",
        "contact_phone": "+33 1 23 45 67 89",
        "contact_email": "nina@elsewhere.example",
    }
    values.update(kwargs)
    return services.case_open(user=user, customer=customer, **values)


def test_the_reporting_contact_is_given_on_opening(alice, customer_a, case_contacts):
    case = _open(alice, customer_a, reporting_contact=case_contacts["alpha"])
    assert case.reporting_contact == case_contacts["alpha"]


def test_the_reporting_contact_fills_the_contact_fields_left_blank(
    alice, customer_a, case_contacts
):
    noc = case_contacts["noc"]
    case = _open(alice, customer_a, reporting_contact=noc.pk, contact_name="", contact_email="")
    assert (case.contact_name, case.contact_email) == (noc.name, noc.email)


def test_the_reporting_contact_defaults_to_the_contact_with_the_given_email(
    alice, customer_a, case_contacts
):
    case = _open(alice, customer_a, contact_email="IT@Alpha.example")
    assert case.reporting_contact == case_contacts["alpha"]


def test_the_reporting_contact_defaults_to_the_opening_users_contact(alice, partner_a, customer_a):
    own = ContactFactory(partner=partner_a, email=alice.email or "alice@acme.example")
    if not alice.email:
        alice.email = own.email
        alice.save()
    assert _open(alice, customer_a).reporting_contact == own


def test_without_a_matching_contact_there_is_no_reporting_contact(alice, customer_a):
    assert _open(alice, customer_a).reporting_contact is None


def test_a_reporting_contact_of_another_partner_or_customer_is_refused(
    alice, staff, partner_a, customer_a, case_contacts
):
    other_customer = CustomerFactory(partner=partner_a)
    for user, contact in (
        (staff, case_contacts["other"]),
        (alice, case_contacts["other"].pk),
        (alice, ContactFactory(partner=partner_a, customer=other_customer)),
    ):
        with pytest.raises(DomainError) as err:
            _open(user, customer_a, reporting_contact=contact)
        assert err.value.field == "reporting_contact"
    assert not Case.objects.exists()


# --- the audience selector ---------------------------------------------------------------------


def test_case_audience_is_the_reporting_contact_and_the_watchers_in_one_query(
    alice, customer_a, case_contacts, django_assert_num_queries
):
    first = _open(alice, customer_a, reporting_contact=case_contacts["alpha"])
    services.case_watcher_add(actor=alice, case=first, contact=case_contacts["noc"])
    services.case_watcher_add(actor=alice, case=first, contact=case_contacts["quiet"])
    second = _open(alice, customer_a)
    third = _open(alice, customer_a)
    services.case_watcher_add(actor=alice, case=third, contact=case_contacts["noc"])

    with django_assert_num_queries(1):
        audience = selectors.case_audience([first.pk, second.pk, str(third.pk)])

    assert audience == {
        first.pk: {case_contacts["alpha"].pk, case_contacts["noc"].pk, case_contacts["quiet"].pk},
        second.pk: set(),
        third.pk: {case_contacts["noc"].pk},
    }
    assert selectors.case_audience([]) == {}


# --- API ---------------------------------------------------------------------------------------


def test_the_api_opens_a_case_with_its_reporting_contact(api, alice, open_payload, case_contacts):
    answer = api(alice).post(API, open_payload(reporting_contact=case_contacts["noc"].pk))
    assert answer.status_code == 201, answer.json()
    assert answer.json()["reporting_contact"] == case_contacts["noc"].pk
    read = api(alice).get(f"{API}{answer.json()['id']}/").json()
    assert read["reporting_contact"] == case_contacts["noc"].pk


def test_the_api_refuses_another_partners_reporting_contact(
    api, alice, open_payload, case_contacts
):
    answer = api(alice).post(API, open_payload(reporting_contact=case_contacts["other"].pk))
    assert answer.status_code == 400
    assert "reporting_contact" in answer.json()


def test_the_api_lists_adds_and_removes_watchers(api, bob, case, case_contacts):
    client = api(bob)
    url = f"{API}{case.pk}/watchers/"
    assert client.get(url).json() == []

    added = client.post(url, {"contact": case_contacts["noc"].pk}, format="json")
    assert added.status_code == 201
    assert added.json()["contact"] == case_contacts["noc"].pk
    assert added.json()["contact_email"] == "noc@acme.example"
    assert added.json()["added_by"] == "bob"
    assert [w["contact"] for w in client.get(url).json()] == [case_contacts["noc"].pk]

    gone = client.delete(f"{url}{case_contacts['noc'].pk}/")
    assert gone.status_code == 204
    assert client.get(url).json() == []
    assert client.delete(f"{url}{case_contacts['noc'].pk}/").status_code == 404


def test_the_api_refuses_another_partners_contact_as_watcher(api, alice, case, case_contacts):
    answer = api(alice).post(
        f"{API}{case.pk}/watchers/", {"contact": case_contacts["other"].pk}, format="json"
    )
    assert answer.status_code == 400
    assert "contact" in answer.json()


def test_the_api_refuses_another_customers_contact_with_the_rule(api, alice, partner_a, case):
    contact = ContactFactory(partner=partner_a, customer=CustomerFactory(partner=partner_a))
    answer = api(alice).post(f"{API}{case.pk}/watchers/", {"contact": contact.pk}, format="json")
    assert answer.status_code == 400
    assert "contact" in answer.json() and answer.json()["rule"] == "R-NOT-1"


def test_an_outsider_cannot_see_or_change_the_watchers_over_the_api(
    api, charlie, staff, case, case_contacts
):
    services.case_watcher_add(actor=staff, case=case, contact=case_contacts["noc"])
    client = api(charlie)
    url = f"{API}{case.pk}/watchers/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"contact": case_contacts["noc"].pk}, format="json").status_code == 404
    assert client.delete(f"{url}{case_contacts['noc'].pk}/").status_code == 404
    assert CaseWatcher.objects.count() == 1


def test_charlie_cannot_add_as_watcher_a_contact_of_partner_a(
    api, charlie, customer_b, case_contacts
):
    b_case = CaseFactory(customer=customer_b)
    answer = api(charlie).post(
        f"{API}{b_case.pk}/watchers/", {"contact": case_contacts["noc"].pk}, format="json"
    )
    assert answer.status_code == 400
    assert not CaseWatcher.objects.exists()


def test_the_watcher_list_takes_the_same_queries_for_many_watchers(
    api, alice, partner_a, case, django_assert_max_num_queries
):
    for _ in range(5):
        services.case_watcher_add(actor=alice, case=case, contact=ContactFactory(partner=partner_a))
    client = api(alice)
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{API}{case.pk}/watchers/").json()) == 5


# --- portal page -------------------------------------------------------------------------------


def test_the_case_page_lists_adds_and_removes_watchers(client_for, bob, case, case_contacts):
    client = client_for(bob)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="watchers"' in page and case_contacts["noc"].email in page  # offered

    response = client.post(f"/cases/{case.pk}/watchers/", {"contact": case_contacts["noc"].pk})
    assert response.status_code == 302
    assert CaseWatcher.objects.filter(case=case, contact=case_contacts["noc"]).exists()
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/watchers/{case_contacts['noc'].pk}/remove/" in page

    client.post(f"/cases/{case.pk}/watchers/{case_contacts['noc'].pk}/remove/")
    assert not CaseWatcher.objects.exists()


def test_the_case_page_does_not_offer_another_partners_contacts(
    client_for, alice, case, case_contacts
):
    page = client_for(alice).get(f"/cases/{case.pk}/").content.decode()
    assert case_contacts["other"].email not in page
    client_for(alice).post(f"/cases/{case.pk}/watchers/", {"contact": case_contacts["other"].pk})
    assert not CaseWatcher.objects.exists()


def test_an_outsider_gets_404_on_the_watcher_pages(client_for, charlie, staff, case, case_contacts):
    services.case_watcher_add(actor=staff, case=case, contact=case_contacts["noc"])
    client = client_for(charlie)
    noc = case_contacts["noc"].pk
    assert client.post(f"/cases/{case.pk}/watchers/", {"contact": noc}).status_code == 404
    assert client.post(f"/cases/{case.pk}/watchers/{noc}/remove/").status_code == 404
    assert CaseWatcher.objects.count() == 1


def test_the_open_form_offers_the_partners_contacts(client_for, alice, case_contacts):
    page = client_for(alice).get("/cases/new/").content.decode()
    assert 'name="reporting_contact"' in page
    assert case_contacts["noc"].name in page and case_contacts["other"].name not in page


# --- admin -------------------------------------------------------------------------------------


def test_the_case_admin_shows_the_watchers_and_adds_them_through_the_service(
    client_for, staff, case, case_contacts
):
    client = client_for(staff)
    response = client.post(
        "/admin/cases/casewatcher/add/", {"case": case.pk, "contact": case_contacts["noc"].pk}
    )
    assert response.status_code == 302
    assert case.events.filter(kind=EventKind.WATCHER_ADDED).exists()
    page = client.get(f"/admin/cases/case/{case.pk}/change/").content.decode()
    assert case_contacts["noc"].name in page

    refused = client.post(
        "/admin/cases/casewatcher/add/", {"case": case.pk, "contact": case_contacts["other"].pk}
    )
    assert refused.status_code == 200  # the form again, with the service's refusal
    assert CaseWatcher.objects.count() == 1

    watcher = CaseWatcher.objects.get()
    client.post(f"/admin/cases/casewatcher/{watcher.pk}/delete/", {"post": "yes"})
    assert not CaseWatcher.objects.exists()
    assert case.events.filter(kind=EventKind.WATCHER_REMOVED).exists()


# --- they receive the case's messages (the outbox's registered audience) -----------------------


def test_a_watcher_receives_the_cases_breach_notice(staff, customer_a, case_contacts, oncall):
    from datetime import timedelta

    from django.utils import timezone

    from cases import sweep
    from tests.outbox import deliveries

    case = CaseFactory(
        customer=customer_a,
        urgency="critical",
        impact="widespread",
        opened_at=timezone.now() - timedelta(minutes=16),
    )
    # "quiet" is subscribed to releases only: it hears of the case because it watches it.
    services.case_watcher_add(actor=staff, case=case, contact=case_contacts["quiet"])
    sweep.escalation_sweep()
    recipients = set(
        deliveries(dedupe_key=f"case:{case.pk}:breach").values_list("recipient", flat=True)
    )
    assert recipients == {"noc@acme.example", "it@alpha.example", "quiet@acme.example", oncall}
    assert "noc@borealis.example" not in recipients


def test_the_reporting_contact_receives_the_opening_notice(alice, customer_a, case_contacts):
    from tests.outbox import deliveries

    case = _open(
        alice,
        customer_a,
        urgency="critical",
        impact="widespread",
        reporting_contact=case_contacts["quiet"],
    )
    recipients = set(deliveries(object_id=str(case.pk)).values_list("recipient", flat=True))
    assert "quiet@acme.example" in recipients
    assert "noc@borealis.example" not in recipients


def test_a_case_without_followers_reaches_only_the_subscribers(staff, customer_a, case_contacts):
    from tests.outbox import deliveries

    case = _open(staff, customer_a, urgency="critical", impact="widespread")
    recipients = set(deliveries(object_id=str(case.pk)).values_list("recipient", flat=True))
    assert "quiet@acme.example" not in recipients and "noc@acme.example" in recipients
