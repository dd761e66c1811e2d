"""The contacts admin writes through contact_create / contact_update / contact_delete, with the
portal's and the API's checks (R-NOT-1)."""

from __future__ import annotations

import pytest

from portal.models import Contact

pytestmark = pytest.mark.django_db
ADD = "/admin/portal/contact/add/"


def _post(client, url, **data):
    payload = {"name": "NOC", "email": "noc@acme.example", "phone": "", "customer": ""}
    payload.update(data)
    return client.post(url, payload)


def test_staff_add_a_contact_with_its_categories(client_for, staff, partner_a) -> None:
    response = _post(
        client_for(staff), ADD, partner=partner_a.pk, categories=["cases", "capacity"]
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    contact = Contact.objects.get()
    assert set(contact.subscriptions.values_list("category", flat=True)) == {"cases", "capacity"}


def test_a_duplicate_e_mail_is_refused_on_its_field_and_nothing_is_written(
    client_for, staff, partner_a, contact_a
) -> None:
    response = _post(client_for(staff), ADD, partner=partner_a.pk, email="NOC@acme.example")
    assert response.status_code == 200
    html = response.content.decode()
    assert "A contact with this e-mail already exists." in html
    assert 'value="NOC@acme.example"' in html  # what was typed is kept
    assert Contact.objects.count() == 1


def test_staff_change_and_delete_a_contact_through_the_services(
    client_for, staff, contact_a
) -> None:
    client = client_for(staff)
    url = f"/admin/portal/contact/{contact_a.pk}/change/"
    response = _post(client, url, name="Acme NOC 24x7", email=contact_a.email, categories=["cases"])
    assert response.status_code == 302
    contact_a.refresh_from_db()
    assert contact_a.name == "Acme NOC 24x7"
    assert list(contact_a.subscriptions.values_list("category", flat=True)) == ["cases"]
    deleted = client.post(f"/admin/portal/contact/{contact_a.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not Contact.objects.exists()
