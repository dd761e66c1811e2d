"""The Atom feed of a partner's outages and their updates (R-MNT-12), on the calendar feed's
secret token: valid Atom, ids, UTC updated times, links; only the token's partner's outages."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from maintenance import services

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
ATOM = "{http://www.w3.org/2005/Atom}"


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
        applications=["CUCM"],
        now=NOW - timedelta(hours=3),
    )
    services.outage_update_post(
        actor=staff,
        outage=outage,
        status="monitoring",
        text="Traffic rerouted.",
        now=NOW - timedelta(hours=1),
    )
    return outage


def feed_url(partner) -> str:
    feed = services.calendar_feed_get_or_create(partner=partner)
    return f"/maintenance/feed/{feed.token}.atom"


def parse(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root


def text(element: ET.Element, name: str) -> str:
    found = element.find(f"{ATOM}{name}")
    assert found is not None, f"<{name}> missing"
    return found.text or ""


def test_the_feed_is_valid_atom_with_ids_times_and_links(client, partner_a, outage) -> None:
    root = parse(client.get(feed_url(partner_a)))

    # RFC 4287: a feed has id, title, updated and an author (here, on the feed).
    assert text(root, "id") and "Acme Telecom" in text(root, "title")
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    [entry] = root.findall(f"{ATOM}entry")
    assert text(entry, "id") == f"urn:partner-operations-portal:outage:{outage.pk}"
    assert text(entry, "title") == "[Monitoring] SBC cluster down"
    updated = datetime.fromisoformat(text(entry, "updated"))
    assert updated == NOW - timedelta(hours=1) and updated.utcoffset() == timedelta(0)
    assert datetime.fromisoformat(text(entry, "published")) == NOW - timedelta(hours=3)
    assert text(root, "updated") == text(entry, "updated")
    link = entry.find(f"{ATOM}link").get("href")
    assert link.endswith(f"/maintenance/outages/{outage.pk}/")
    summary = text(entry, "summary")
    assert "Traffic rerouted." in summary and "Calls fail." in summary and "UTC" in summary


def test_an_update_moves_the_entry_s_updated_time(client, staff, partner_a, outage) -> None:
    services.outage_update_post(actor=staff, outage=outage, status="resolved", text="Fixed.")

    [entry] = parse(client.get(feed_url(partner_a))).findall(f"{ATOM}entry")
    assert datetime.fromisoformat(text(entry, "updated")) == NOW
    assert text(entry, "title") == "[Resolved] SBC cluster down"


def test_partner_b_s_token_shows_none_of_a_s_outages(client, partner_b, outage) -> None:
    root = parse(client.get(feed_url(partner_b)))

    assert root.findall(f"{ATOM}entry") == []
    assert b"SBC cluster down" not in client.get(feed_url(partner_b)).content


def test_a_bad_or_rotated_token_is_a_404(client, alice, partner_a, outage) -> None:
    old = feed_url(partner_a)
    assert client.get("/maintenance/feed/not-a-token.atom").status_code == 404
    services.calendar_feed_rotate(actor=alice, partner=partner_a)
    assert client.get(old).status_code == 404


def test_the_feed_settings_page_gives_the_atom_address(client_for, alice, partner_a) -> None:
    html = client_for(alice).get("/maintenance/feed/").content.decode()
    assert feed_url(partner_a) in html


def test_the_feed_queries_do_not_grow(
    client, staff, partner_a, customer_a, outage, django_assert_max_num_queries
) -> None:
    url = feed_url(partner_a)
    with django_assert_max_num_queries(10) as one:
        client.get(url)
    for n in range(5):
        more = services.outage_declare(actor=staff, title=f"Down {n}", customers=[customer_a])
        services.outage_update_post(actor=staff, outage=more, status="identified", text="x")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(parse(client.get(url)).findall(f"{ATOM}entry")) == 6
