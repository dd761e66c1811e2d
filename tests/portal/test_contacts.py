"""Contacts and subscriptions (R-NOT-1, R-NOT-3): API and portal pages."""

import pytest

from portal.choices import Category
from portal.models import Contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def _payload(**extra):
    return {
        "name": "Ops desk",
        "email": "ops@acme.example",
        "phone": "+55 11 5555 0000",
        "categories": ["maintenance_and_outages", "cases"],
        **extra,
    }


def test_partner_admin_creates_a_contact_with_subscriptions(api, alice, partner_a):
    response = api(alice).post("/api/v1/contacts/", _payload(), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["categories"] == ["cases", "maintenance_and_outages"]
    assert Contact.objects.get(email="ops@acme.example").partner == partner_a


def test_engineer_reads_but_cannot_write_contacts(api, bob, contact_a):
    assert api(bob).get("/api/v1/contacts/").json()["count"] == 1
    assert api(bob).post("/api/v1/contacts/", _payload(), format="json").status_code == 403
    assert api(bob).delete(f"/api/v1/contacts/{contact_a.pk}/").status_code == 403


def test_unknown_category_names_the_field(api, alice):
    response = api(alice).post("/api/v1/contacts/", _payload(categories=["gossip"]), format="json")
    assert response.status_code == 400
    assert "categories" in response.json()


def test_duplicate_email_is_refused_with_the_field(api, alice, contact_a):
    response = api(alice).post("/api/v1/contacts/", _payload(email=contact_a.email), format="json")
    assert response.status_code == 400
    assert "email" in response.json()


def test_outsider_cannot_see_change_or_attach_to_partner_a(api, charlie, contact_a, customer_a):
    client = api(charlie)
    assert client.get("/api/v1/contacts/").json()["count"] == 0
    assert client.get(f"/api/v1/contacts/{contact_a.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/contacts/{contact_a.pk}/", {"name": "x"}, format="json").status_code
        == 404
    )
    response = client.post("/api/v1/contacts/", _payload(customer=customer_a.pk), format="json")
    assert response.status_code == 400
    assert "customer" in response.json()


def test_update_replaces_subscriptions(api, alice, contact_a):
    response = api(alice).patch(
        f"/api/v1/contacts/{contact_a.pk}/", {"categories": ["capacity"]}, format="json"
    )
    assert response.status_code == 200
    assert contact_a.categories == ["capacity"]


def test_portal_contact_pages_for_admin_and_engineer(client_for, alice, bob, contact_a):
    page = client_for(alice).get("/contacts/")
    assert (
        page.status_code == 200 and b"Acme NOC" in page.content and b"Add contact" in page.content
    )
    assert b"Add contact" not in client_for(bob).get("/contacts/").content
    assert client_for(bob).get("/contacts/new/").status_code == 302


def test_portal_admin_adds_a_contact_and_errors_name_the_field(client_for, alice, partner_a):
    client = client_for(alice)
    ok = client.post(
        "/contacts/new/", {"name": "Desk", "email": "desk@acme.example", "categories": ["cases"]}
    )
    assert ok.status_code == 302
    assert Contact.objects.get(email="desk@acme.example").categories == [Category.CASES]
    bad = client.post("/contacts/new/", {"name": "Desk", "email": "not-an-email"})
    assert bad.status_code == 400 and b"valid email" in bad.content


def test_portal_outsider_gets_404_on_partner_a_contact(client_for, charlie, contact_a):
    assert client_for(charlie).get(f"/contacts/{contact_a.pk}/").status_code == 404
    assert client_for(charlie).post(f"/contacts/{contact_a.pk}/delete/").status_code == 404
    assert Contact.objects.filter(pk=contact_a.pk).exists()


def test_confirming_contacts_records_the_time_r_not_3(client_for, alice, partner_a):
    assert client_for(alice).post("/contacts/confirm/").status_code == 302
    partner_a.refresh_from_db()
    assert partner_a.contacts_confirmed_at is not None


def test_customer_scoped_contact_only_on_its_customer(partner_a, customer_a):
    ContactFactory(partner=partner_a, customer=customer_a, email="local@acme.example")
    from portal.notifications import recipients_for

    ContactFactory(
        partner=partner_a, customer=customer_a, email="x@acme.example", categories=["cases"]
    )
    assert [
        c.email for c in recipients_for(partner=partner_a, category="cases", customer=customer_a)
    ] == ["x@acme.example"]
    assert list(recipients_for(partner=partner_a, category="cases")) == []
