"""?q= on the case list: title, customer name and #id as before, and now the words of the
description and the comments (icontains on SQLite, full-text with a GIN index on PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection

from cases import services
from cases.filtersets import CaseFilter
from cases.models import Case
from cases.search import prefix_query, refresh_search_vector, words

from .factories import CaseFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/"


@pytest.fixture
def found(api):
    def search(user, q):
        body = api(user).get(URL, {"q": q}).json()
        return {row["id"] for row in body["results"]}

    return search


@pytest.fixture
def cases(alice, customer_a, customer_b, open_payload):
    """Opened through the service, so the stored words exist on PostgreSQL."""
    sip = services.case_open(
        user=alice,
        **{
            **open_payload(),
            "customer": customer_a,
            "title": "Calls drop after thirty seconds",
            "description": "Session timers: the SBC sends a re-INVITE the carrier rejects.",
        },
    )
    voicemail = services.case_open(
        user=alice,
        **{
            **open_payload(),
            "customer": customer_a,
            "title": "Voicemail greeting missing",
            "description": "Callers hear silence instead of the greeting.",
        },
    )
    other = CaseFactory(customer=customer_b, title="Calls drop at Beta", description="carrier")
    refresh_search_vector([other.pk])
    return {"sip": sip, "voicemail": voicemail, "other": other}


def test_title_words_and_customer_name_still_match(found, alice, cases):
    assert found(alice, "voicemail") == {cases["voicemail"].pk}
    assert found(alice, "Alpha Bank") == {cases["sip"].pk, cases["voicemail"].pk}
    assert found(alice, "alpha") == {cases["sip"].pk, cases["voicemail"].pk}


def test_hash_id_matches(found, alice, cases):
    assert found(alice, f"#{cases['sip'].pk}") == {cases["sip"].pk}
    assert found(alice, str(cases["voicemail"].pk)) == {cases["voicemail"].pk}


def test_words_of_the_description_match(found, alice, cases):
    assert found(alice, "re-INVITE") == {cases["sip"].pk}
    assert found(alice, "silence") == {cases["voicemail"].pk}


def test_words_of_a_comment_match_once_commented(found, alice, cases):
    assert found(alice, "wireshark") == set()
    services.case_comment(user=alice, case=cases["voicemail"], text="Wireshark trace attached")
    assert found(alice, "wireshark") == {cases["voicemail"].pk}


def test_prefixes_of_words_match(found, alice, cases):
    assert found(alice, "voicemai") == {cases["voicemail"].pk}
    assert found(alice, "calls drop") == {cases["sip"].pk}


def test_the_outsider_finds_none_of_partner_as_cases(found, charlie, cases):
    assert found(charlie, "carrier") == {cases["other"].pk}
    assert found(charlie, "voicemail") == set()
    assert found(charlie, f"#{cases['sip'].pk}") == set()


def test_the_portal_list_searches_the_description(client_for, bob, cases):
    html = client_for(bob).get("/cases/", {"q": "silence"}).content.decode()
    assert "Voicemail greeting missing" in html and "Calls drop after" not in html


def test_odd_input_is_harmless(found, alice, cases):
    for q in ["'", "&", "a:* | b", "!!", "(", "\\", "#", "ü", "x" * 300, "99999999999999999999"]:
        found(alice, q)  # no error, whatever matches


def test_words_are_split_like_the_simple_configuration():
    assert words("re-INVITE, SIP/2.0!") == ["re", "invite", "sip", "2", "0"]
    assert prefix_query("") is None and prefix_query("&|!") is None


@pytest.mark.postgres
def test_postgres_uses_the_stored_words_and_the_gin_index(alice, staff, cases, rf):
    assert connection.vendor == "postgresql"
    stored = Case.objects.values_list("search_vector", flat=True).get(pk=cases["sip"].pk)
    assert "carrier" in stored and "invite" in stored
    request = rf.get(URL, {"q": "carrier"})
    request.user = alice
    qs = CaseFilter({"q": "carrier"}, queryset=Case.objects.for_user(alice), request=request).qs
    assert set(qs.values_list("pk", flat=True)) == {cases["sip"].pk}
    request.user = staff
    qs = CaseFilter({"q": "carrier"}, queryset=Case.objects.for_user(staff), request=request).qs
    assert set(qs.values_list("pk", flat=True)) == {cases["sip"].pk, cases["other"].pk}
    with connection.cursor() as cursor:
        # A tiny table: the planner would read it whole; forbid that to see the index it
        # can use (the benchmark shows it chosen on a million cases).
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")
        try:
            plan = qs.explain()
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_indexscan")
    assert "case_search_gin" in plan, plan
