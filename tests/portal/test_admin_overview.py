"""The operator console's index: every partner at a glance, in a constant number of queries."""

import pytest

from tests.factories import CustomerFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def test_staff_see_every_partner_with_figures(client_for, staff, customer_a, customer_b):
    page = client_for(staff).get("/admin/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Partners at a glance" in html
    assert "Acme Telecom" in html and "Borealis Networks" in html
    assert "Open cases" in html


def test_overview_query_count_does_not_grow_with_partners(
    client_for, staff, django_assert_max_num_queries
):
    client = client_for(staff)
    for _n in range(3):
        CustomerFactory(partner=PartnerFactory())
    client.get("/admin/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/admin/")
    for _n in range(20):
        CustomerFactory(partner=PartnerFactory())
    with CaptureQueriesContext(connection) as many:
        client.get("/admin/")
    assert len(many) == len(few)


def test_partners_cannot_open_the_console(client_for, alice):
    response = client_for(alice).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response.url
