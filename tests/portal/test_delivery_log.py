"""The partners' delivery log (R-NOT-4): a page and a read-only API, scoped to the partner."""

import pytest

from portal.choices import Category
from portal.notifications import deliver_due, notify
from tests.factories import ContactFactory
from tests.outbox import deliveries

pytestmark = pytest.mark.django_db


def _events(partner_a, partner_b, customer_a):
    ContactFactory(partner=partner_a, email="noc@acme.example", categories=[Category.CASES])
    ContactFactory(partner=partner_b, email="noc@globex.example", categories=[Category.CASES])
    for partner, key in ((partner_a, "a"), (partner_b, "b")):
        notify(
            partner=partner,
            category=Category.CASES,
            kind="legacy",
            context={"subject": f"Message for {key}", "body": "body"},
            dedupe_key=f"log:{key}",
            operator_emails=["oncall@operator.example"],  # the operator's: in nobody's log
        )
    deliver_due()


def test_the_page_lists_what_was_sent_to_the_partner_only(
    client_for, alice, charlie, partner_a, partner_b, customer_a
):
    _events(partner_a, partner_b, customer_a)
    html = client_for(alice).get("/notifications/").content.decode()
    assert "noc@acme.example" in html and "Message for a" in html
    assert "noc@globex.example" not in html and "oncall@operator.example" not in html
    outsider = client_for(charlie).get("/notifications/").content.decode()
    assert "noc@acme.example" not in outsider and "noc@globex.example" in outsider


def test_the_page_costs_the_same_queries_for_many_rows(
    client_for, alice, partner_a, partner_b, customer_a, django_assert_max_num_queries
):
    for n in range(30):
        ContactFactory(partner=partner_a, email=f"c{n}@acme.example", categories=[Category.CASES])
    _events(partner_a, partner_b, customer_a)
    client = client_for(alice)
    with django_assert_max_num_queries(15):
        assert client.get("/notifications/").status_code == 200


def test_the_api_lists_the_partners_deliveries_and_hides_others(
    api, alice, charlie, partner_a, partner_b, customer_a
):
    _events(partner_a, partner_b, customer_a)
    rows = api(alice).get("/api/v1/deliveries/").json()["results"]
    assert [r["recipient"] for r in rows] == ["noc@acme.example"]
    assert rows[0]["status"] == "sent" and rows[0]["channel"] == "email"
    assert rows[0]["kind"] == "legacy" and rows[0]["sent_at"]
    other = deliveries(recipient="noc@acme.example").get()
    assert api(charlie).get(f"/api/v1/deliveries/{other.pk}/").status_code == 404
    assert api(alice).get(f"/api/v1/deliveries/{other.pk}/").status_code == 200
    assert api(alice).post("/api/v1/deliveries/", {}, format="json").status_code == 405


def test_staff_see_every_delivery_in_the_admin(client_for, staff, partner_a, partner_b, customer_a):
    _events(partner_a, partner_b, customer_a)
    html = client_for(staff).get("/admin/portal/delivery/").content.decode()
    assert "noc@acme.example" in html and "oncall@operator.example" in html
    event = deliveries(recipient="noc@acme.example").get().notification
    page = client_for(staff).get(f"/admin/portal/notification/{event.pk}/change/")
    assert page.status_code == 200 and "oncall@operator.example" in page.content.decode()
