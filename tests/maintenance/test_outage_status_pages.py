"""Partner pages of outages like a status page (R-MNT-12): the timeline on the outage page, the
current status of every customer and of one, in English and Brazilian Portuguese; outsiders
get 404 and the status page's queries do not grow with customers or outages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from maintenance import services
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def outage(staff, customer_a):
    outage = services.outage_declare(
        actor=staff,
        title="SBC cluster down",
        customers=[customer_a],
        description="Calls fail.",
        applications=["CUCM", "IMP"],
        regions=["EMEA"],
        now=NOW - timedelta(hours=2, minutes=5),
    )
    services.outage_update_post(
        actor=staff,
        outage=outage,
        status="identified",
        text="A fibre cut near Paris.",
        now=NOW - timedelta(hours=1),
    )
    return outage


def portuguese(client):
    client.post("/i18n/setlang/", {"language": "pt-br", "next": "/"})
    return client


def test_the_outage_page_shows_the_timeline_with_zones(client_for, alice, outage) -> None:
    html = client_for(alice).get(f"/maintenance/outages/{outage.pk}/").content.decode()

    assert "A fibre cut near Paris." in html and "Calls fail." in html
    assert "Identified" in html and "Investigating" in html
    timeline = html.split('class="timeline"')[1]
    assert timeline.index("A fibre cut near Paris.") < timeline.index("Calls fail.")  # newest first
    assert "Call manager (CUCM)" in html and "Europe, Middle East and Africa" in html
    assert "CET" in html or "UTC" in html or "+01" in html  # every time carries its zone


def test_the_status_page_says_what_is_affected_now(
    client_for, alice, outage, customer_a, partner_a
) -> None:
    CustomerFactory(partner=partner_a, name="Quiet Co")

    html = client_for(alice).get("/maintenance/status/").content.decode()

    assert "Quiet Co" in html and "All applications operational" in html
    assert "Alpha Bank" in html and "SBC cluster down" in html
    assert "Call manager (CUCM), IM and presence (IMP)" in html
    assert "Identified" in html  # the latest update's status
    assert "2 h 5 min" in html  # since when, in words


def test_a_resolved_outage_leaves_the_customer_operational(
    client_for, staff, alice, outage, customer_a
) -> None:
    services.outage_update_post(actor=staff, outage=outage, status="resolved", text="Fixed.")

    html = client_for(alice).get("/maintenance/status/").content.decode()
    assert "SBC cluster down" not in html and "All applications operational" in html
    detail = client_for(alice).get(f"/maintenance/status/{customer_a.pk}/").content.decode()
    assert "No outage affects this customer now." in detail
    assert "SBC cluster down" in detail  # among the last month's


def test_the_customer_status_page_shows_open_timelines(
    client_for, alice, outage, customer_a
) -> None:
    html = client_for(alice).get(f"/maintenance/status/{customer_a.pk}/").content.decode()

    assert "Current status of Alpha Bank" in html
    assert "A fibre cut near Paris." in html and "Calls fail." in html


def test_the_pages_are_linked_from_the_subnav_and_the_customer_page(
    client_for, alice, customer_a
) -> None:
    client = client_for(alice)
    assert 'href="/maintenance/status/"' in client.get("/maintenance/outages/").content.decode()
    customer_page = client.get(f"/customers/{customer_a.pk}/").content.decode()
    assert f'href="/maintenance/status/{customer_a.pk}/"' in customer_page


def test_the_pages_speak_brazilian_portuguese(client_for, alice, outage, customer_a) -> None:
    client = portuguese(client_for(alice))

    status = client.get("/maintenance/status/").content.decode()
    assert "Status atual" in status and "Identificado" in status
    detail = client.get(f"/maintenance/outages/{outage.pk}/").content.decode()
    assert "Atualizações" in detail and "Aplicações afetadas" in detail
    customer = client.get(f"/maintenance/status/{customer_a.pk}/").content.decode()
    assert "Status atual de Alpha Bank" in customer


def test_an_operational_customer_reads_in_portuguese(client_for, alice, customer_a) -> None:
    html = portuguese(client_for(alice)).get("/maintenance/status/").content.decode()
    assert "Todas as aplicações operacionais" in html


def test_outsiders_see_none_of_it(client_for, charlie, outage, customer_a) -> None:
    client = client_for(charlie)

    assert client.get(f"/maintenance/status/{customer_a.pk}/").status_code == 404
    assert client.get(f"/maintenance/outages/{outage.pk}/").status_code == 404
    html = client.get("/maintenance/status/").content.decode()
    assert "Alpha Bank" not in html and "SBC cluster down" not in html


def test_the_status_page_queries_do_not_grow(
    client_for, staff, alice, partner_a, outage, django_assert_max_num_queries
) -> None:
    client = client_for(alice)
    with django_assert_max_num_queries(30) as one:
        client.get("/maintenance/status/")
    for n in range(6):
        customer = CustomerFactory(partner=partner_a)
        more = services.outage_declare(
            actor=staff, title=f"Down {n}", customers=[customer], applications=["CER"]
        )
        services.outage_update_post(actor=staff, outage=more, status="monitoring", text="Ok.")
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get("/maintenance/status/").content.decode()
    assert "Down 5" in html
