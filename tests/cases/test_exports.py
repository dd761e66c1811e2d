"""CSV exports: the case list and the SLO report answer ?format=csv, streamed, scoped and
filtered like their JSON."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.http import StreamingHttpResponse

from cases.search import refresh_search_vector

from .factories import CaseFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/"
SLO = "/api/v1/cases/slo-report/"


def rows(response) -> list[dict]:
    assert isinstance(response, StreamingHttpResponse) and response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def cases(customer_a, customer_b):
    at = datetime(2027, 3, 10, 9, 30, tzinfo=UTC)
    made = {
        "a1": CaseFactory(customer=customer_a, title="=HYPERLINK(evil)", urgency="critical",
                          impact="widespread", opened_at=at),
        "a2": CaseFactory(customer=customer_a, title="Slow IVR", opened_at=at),
        "b1": CaseFactory(customer=customer_b, title="Borealis only", opened_at=at),
    }
    refresh_search_vector([case.pk for case in made.values()])  # (factories skip the services)
    return made


def test_the_case_list_exports_csv_for_a_partner(api, alice, cases):
    response = api(alice).get(URL, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="cases.csv"'
    found = rows(response)
    assert {r["id"] for r in found} == {str(cases["a1"].pk), str(cases["a2"].pk)}
    first = next(r for r in found if r["id"] == str(cases["a1"].pk))
    assert first["opened_at"] == "2027-03-10T09:30:00+00:00"  # ISO 8601 with the offset
    assert first["severity"] == "S1" and first["breached"] == "false"
    assert first["title"] == "'=HYPERLINK(evil)"  # no formula for a spreadsheet to run
    assert first["customer_name"] == "Alpha Bank"


def test_the_outsiders_export_has_none_of_partner_as_rows(api, charlie, cases):
    found = rows(api(charlie).get(URL, {"format": "csv"}))
    assert [r["id"] for r in found] == [str(cases["b1"].pk)]
    assert all(r["partner"] == "Borealis Networks" for r in found)


def test_the_export_keeps_the_filters(api, alice, staff, cases):
    found = rows(api(alice).get(URL, {"format": "csv", "severity": "S1"}))
    assert [r["id"] for r in found] == [str(cases["a1"].pk)]
    found = rows(api(alice).get(URL, {"format": "csv", "q": "ivr"}))
    assert [r["id"] for r in found] == [str(cases["a2"].pk)]
    found = rows(api(staff).get(URL, {"format": "csv", "q": "borealis"}))
    assert [r["id"] for r in found] == [str(cases["b1"].pk)]


def test_staff_export_every_partner(api, staff, cases):
    assert len(rows(api(staff).get(URL, {"format": "csv"}))) == 3


def test_another_partners_customer_in_the_filter_is_a_400(api, alice, customer_b, cases):
    response = api(alice).get(URL, {"format": "csv", "customer": customer_b.pk})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"  # errors stay JSON
    assert "customer" in response.json()


def test_an_anonymous_export_is_refused(api, cases):
    assert api().get(URL, {"format": "csv"}).status_code == 401


def test_the_export_is_not_paginated_and_reads_in_chunks(api, alice, customer_a,
                                                         django_assert_max_num_queries):
    for _ in range(60):  # more than one API page of 50
        CaseFactory(customer=customer_a)
    response = api(alice).get(URL, {"format": "csv"})
    with django_assert_max_num_queries(3):  # the rows come in chunks, not a query per row
        assert len(rows(response)) == 60


def test_the_json_list_is_unchanged(api, alice, cases):
    body = api(alice).get(URL).json()
    assert len(body["results"]) == 2


@time_machine.travel(datetime(2027, 3, 20, 12, 0, tzinfo=UTC), tick=False)
def test_the_slo_report_exports_csv(api, alice, charlie, cases):
    found = rows(api(alice).get(SLO, {"format": "csv"}))
    assert {(r["month"], r["severity"]) for r in found} == {("2027-03", "S1"), ("2027-03", "S3")}
    assert all(r["pending"] == "1" for r in found)
    theirs = rows(api(charlie).get(SLO, {"format": "csv"}))
    assert sum(int(r["pending"]) for r in theirs) == 1  # only Borealis' case


def test_the_portal_pages_link_to_the_exports(client_for, bob, cases):
    client = client_for(bob)
    html = client.get("/cases/", {"severity": "S1", "q": "ivr"}).content.decode()
    assert 'id="export-csv"' in html
    assert "/api/v1/cases/?format=csv&amp;severity=S1&amp;q=ivr" in html
    html = client.get("/cases/slo/").content.decode()
    assert "/api/v1/cases/slo-report/?format=csv" in html


def test_the_portal_link_works_with_the_session(client_for, bob, cases):
    response = client_for(bob).get("/api/v1/cases/?format=csv&severity=S1")
    assert [r["id"] for r in rows(response)] == [str(cases["a1"].pk)]


def test_the_admin_slo_report_links_to_the_export(client_for, staff, cases):
    client = client_for(staff)
    html = client.get("/admin/cases/case/slo-report/").content.decode()
    assert "/api/v1/cases/slo-report/?format=csv" in html
    found = rows(client.get("/api/v1/cases/slo-report/?format=csv"))
    assert sum(int(r["pending"]) for r in found) == 3  # staff: every partner
