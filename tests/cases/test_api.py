"""The cases API: the contract of issue 3, errors naming field and rule, scoping."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cases import services, sweep
from cases.models import Case
from tests.factories import CustomerFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/"
OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")


def test_it_requires_credentials(api):
    assert api().get(URL).status_code == 401


def test_partner_opens_a_case(api, alice, open_payload):
    response = api(alice).post(URL, open_payload(urgency="critical", impact="widespread"))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {"id", "severity", "status", "opened_at", "response_due_at", "breached"} <= set(body)
    assert (body["severity"], body["status"], body["breached"], body["channel"]) == (
        "S1",
        "new",
        False,
        "api",
    )
    assert OFFSET.match(body["opened_at"]) and OFFSET.match(body["response_due_at"])


def test_affected_share_instead_of_impact(api, alice, open_payload):
    response = api(alice).post(URL, open_payload(impact=None, affected_share="0.5", urgency="high"))
    assert response.status_code == 201, response.json()
    assert response.json()["impact"] == "localized" and response.json()["severity"] == "S2"


def test_bad_contract_number_is_400_naming_field_and_rule(api, alice, open_payload):
    response = api(alice).post(URL, open_payload(contract_number="NOPE-1"))
    assert response.status_code == 400
    assert "contract_number" in response.json() and response.json()["rule"] == "R-CASE-1"


def test_missing_impact_and_share_is_400(api, alice, open_payload):
    response = api(alice).post(URL, open_payload(impact=None))
    assert response.status_code == 400
    assert response.json()["rule"] == "R-CASE-3" and "impact" in response.json()


def test_unknown_urgency_is_400(api, alice, open_payload):
    response = api(alice).post(URL, open_payload(urgency="apocalyptic"))
    assert response.status_code == 400 and "urgency" in response.json()


def test_share_above_one_is_400(api, alice, open_payload):
    response = api(alice).post(URL, open_payload(impact=None, affected_share="1.2"))
    assert response.status_code == 400 and "affected_share" in response.json()


def test_partner_may_not_send_opened_at(api, alice, open_payload):
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    response = api(alice).post(URL, open_payload(opened_at=past))
    assert response.status_code == 400 and response.json()["rule"] == "R-CASE-11"


def test_staff_record_a_phone_case_with_past_opened_at(api, staff, open_payload):
    past = timezone.now() - timedelta(hours=1)
    response = api(staff).post(URL, open_payload(opened_at=past.isoformat(), channel="phone"))
    assert response.status_code == 201, response.json()
    assert response.json()["channel"] == "phone"


def test_staff_opened_at_in_the_future_is_400(api, staff, open_payload):
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    response = api(staff).post(URL, open_payload(opened_at=future))
    assert response.status_code == 400
    assert "opened_at" in response.json() and response.json()["rule"] == "R-CASE-11"


def test_outsider_cannot_open_for_another_partners_customer(api, charlie, open_payload):
    response = api(charlie).post(URL, open_payload())
    assert response.status_code == 400 and "customer" in response.json()


def test_list_and_filters(api, alice, customer_a, partner_a):
    amer = CustomerFactory(partner=partner_a, name="Amer Corp", region="AMER")
    s1 = CaseFactory(customer=customer_a, urgency="critical", impact="widespread")
    s4 = CaseFactory(customer=amer, urgency="low")
    breached = CaseFactory(customer=customer_a, overdue=True)
    sweep.escalation_sweep()
    client = api(alice)

    def ids(query: str) -> set[int]:
        return {row["id"] for row in client.get(URL + query).json()["results"]}

    assert ids("") == {s1.pk, s4.pk, breached.pk}
    assert ids("?severity=S4") == {s4.pk}
    assert ids("?region=AMER") == {s4.pk}
    assert ids(f"?customer={amer.pk}") == {s4.pk}
    assert ids("?breached=true") == {breached.pk}
    assert ids("?breached=false") == {s1.pk, s4.pk}
    assert ids("?status=new") == {s1.pk, s4.pk, breached.pk}


def test_outsider_list_shows_nothing_of_partner_a(api, charlie, customer_a):
    CaseFactory(customer=customer_a)
    assert api(charlie).get(URL).json()["count"] == 0


def test_outsider_filter_by_another_partners_customer_is_refused(api, charlie, customer_a):
    CaseFactory(customer=customer_a)
    response = api(charlie).get(URL + f"?customer={customer_a.pk}")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("get", "events/"),
        ("post", "request-escalation/"),
        ("post", "transition/"),
    ],
)
def test_outsider_gets_404_for_every_case_endpoint(api, charlie, customer_a, method, suffix):
    case = CaseFactory(customer=customer_a)
    payload = {"severity": "S1", "reason": "x", "status": "in_progress"}
    response = getattr(api(charlie), method)(f"{URL}{case.pk}/{suffix}", payload)
    assert response.status_code == 404


@pytest.mark.parametrize("suffix", ["acknowledge/", "change-severity/", "action-plan/"])
def test_staff_only_endpoints_are_403_for_partners(api, alice, customer_a, suffix):
    case = CaseFactory(customer=customer_a)
    response = api(alice).post(f"{URL}{case.pk}/{suffix}", {"severity": "S1", "reason": "x"})
    assert response.status_code == 403


def test_staff_acknowledge(api, staff, customer_a):
    case = CaseFactory(customer=customer_a)
    response = api(staff).post(f"{URL}{case.pk}/acknowledge/")
    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged" and response.json()["acknowledged_at"]
    again = api(staff).post(f"{URL}{case.pk}/acknowledge/")
    assert again.status_code == 400 and again.json()["rule"] == "R-CASE-12"


def test_request_escalation(api, alice, customer_a):
    case = CaseFactory(customer=customer_a)
    response = api(alice).post(
        f"{URL}{case.pk}/request-escalation/", {"severity": "S2", "reason": "Every site now"}
    )
    assert response.status_code == 200 and response.json()["severity"] == "S2"
    lower = api(alice).post(
        f"{URL}{case.pk}/request-escalation/", {"severity": "S4", "reason": "x"}
    )
    assert lower.status_code == 400
    assert lower.json()["rule"] == "R-CASE-6" and "severity" in lower.json()


def test_request_escalation_reads_the_case_once_under_its_lock(api, alice, customer_a):
    """R-CASE-6 under load: a scoped id check, one locked read, the answer from that row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = CaseFactory(customer=customer_a, severity="S3")
    client = api(alice)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"{URL}{case.pk}/request-escalation/", {"severity": "S2", "reason": "Every site now"}
        )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["severity"] == "S2" and body["customer"] and body["id"] == case.pk
    case_reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "cases_case"' in q["sql"]
    ]
    assert len(case_reads) == 2, case_reads
    assert 'SELECT "cases_case"."id", "cases_case"."partner_id" FROM' in case_reads[0]


def test_request_escalation_writes_its_timeline_in_one_insert(api, alice, customer_a):
    """R-CASE-6: the request, the severity change and the "notification sent" entry go in
    with one statement, in this order, and the outbox has the escalation's event."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.choices import EventKind
    from portal.models import Notification

    case = CaseFactory(customer=customer_a, severity="S3")
    client = api(alice)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"{URL}{case.pk}/request-escalation/", {"severity": "S2", "reason": "Every site now"}
        )
    assert response.status_code == 200, response.json()
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT INTO" in q["sql"]]
    assert sum('INTO "cases_caseevent"' in sql for sql in inserts) == 1, inserts
    kinds = list(case.events.order_by("id").values_list("kind", flat=True))
    assert kinds[-3:] == [
        EventKind.ESCALATION_REQUEST,
        EventKind.SEVERITY_CHANGE,
        EventKind.NOTIFICATION_SENT,
    ]
    assert Notification.objects.filter(dedupe_key=f"case:{case.pk}:escalation:1").exists()
    again = client.post(f"{URL}{case.pk}/request-escalation/", {"severity": "S1", "reason": "All"})
    assert again.status_code == 200
    assert Notification.objects.filter(dedupe_key=f"case:{case.pk}:escalation:2").exists()


def test_outsider_cannot_request_escalation(api, charlie, customer_a):
    case = CaseFactory(customer=customer_a)
    response = api(charlie).post(
        f"{URL}{case.pk}/request-escalation/", {"severity": "S1", "reason": "Mine now"}
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.severity != "S1"


def test_change_severity_needs_a_reason(api, staff, customer_a):
    case = CaseFactory(customer=customer_a)
    bad = api(staff).post(f"{URL}{case.pk}/change-severity/", {"severity": "S4", "reason": " "})
    assert bad.status_code == 400 and "reason" in bad.json()
    ok = api(staff).post(f"{URL}{case.pk}/change-severity/", {"severity": "S4", "reason": "Minor"})
    assert ok.status_code == 200 and ok.json()["severity"] == "S4"


def test_transition_refuses_illegal_moves(api, staff, alice, customer_a):
    case = CaseFactory(customer=customer_a)
    bad = api(staff).post(f"{URL}{case.pk}/transition/", {"status": "closed"})
    assert bad.status_code == 400 and bad.json()["rule"] == "R-CASE-12"
    services.case_acknowledge(user=staff, case=case)
    # R-CASE-12 Decision: awaiting_partner is entered only from in_progress
    early = api(staff).post(f"{URL}{case.pk}/transition/", {"status": "awaiting_partner"})
    assert early.status_code == 400 and early.json()["rule"] == "R-CASE-12"
    api(staff).post(f"{URL}{case.pk}/transition/", {"status": "in_progress"})
    ok = api(staff).post(
        f"{URL}{case.pk}/transition/", {"status": "awaiting_partner", "note": "Need traces"}
    )
    assert ok.status_code == 200 and ok.json()["status"] == "awaiting_partner"
    answered = api(alice).post(f"{URL}{case.pk}/transition/", {"status": "in_progress"})
    assert answered.status_code == 200


def test_events_are_the_timeline(api, alice, staff, customer_a):
    case = CaseFactory(customer=customer_a)
    services.case_change_severity(user=staff, case=case, severity="S2", reason="Triage")
    events = api(alice).get(f"{URL}{case.pk}/events/").json()
    change = next(e for e in events if e["kind"] == "severity_change")
    assert (change["actor"], change["from_value"], change["to_value"], change["text"]) == (
        "tess",
        "S3",
        "S2",
        "Triage",
    )
    assert OFFSET.match(change["at"])


def test_slo_report(api, alice, charlie, staff, customer_a):
    met = CaseFactory(customer=customer_a, urgency="low")
    services.case_acknowledge(user=staff, case=met)
    CaseFactory(customer=customer_a, urgency="low", overdue=False)
    late = CaseFactory(
        customer=customer_a, urgency="low", opened_at=timezone.now() - timedelta(days=10)
    )
    sweep.escalation_sweep()
    rows = api(alice).get(URL + "slo-report/").json()
    s4 = [r for r in rows if r["severity"] == "S4"]
    assert sum(r["met"] for r in s4) == 1 and sum(r["breached"] for r in s4) == 1
    assert all(r["target"] == "95.0" for r in s4)
    assert late.pk  # breached one counted above
    assert api(charlie).get(URL + "slo-report/").json() == []


def test_list_query_count_is_the_same_for_1_and_50_rows(
    api, alice, customer_a, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    CaseFactory(customer=customer_a)
    client = api(alice)
    client.get(URL)  # warm per-user caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).json()["count"] == 1
    CaseFactory.create_batch(49, customer=customer_a)
    with CaptureQueriesContext(connection) as fifty:
        assert len(client.get(URL).json()["results"]) == 50
    assert len(one) == len(fifty)
    assert len(fifty) <= 4


def test_case_fields_contract(api, alice, customer_a):
    case = CaseFactory(customer=customer_a)
    body = api(alice).get(f"{URL}{case.pk}/").json()
    assert body["partner"] == customer_a.partner_id and body["region"] == "EMEA"
    assert body["waiting_on_partner_seconds"] == 0
    assert Case.objects.get(pk=case.pk).response_due_at.isoformat() == body["response_due_at"]


def test_list_count_is_exact_for_partners(api, alice, customer_a):
    CaseFactory.create_batch(3, customer=customer_a)
    body = api(alice).get(URL).json()
    assert body["count"] == 3 and body["count_is_estimate"] is False


@pytest.mark.postgres
def test_unfiltered_staff_list_of_a_huge_table_uses_the_planner_estimate(
    api, staff, customer_a, monkeypatch
):
    from django.db import connection

    from cases.api import pagination

    CaseFactory.create_batch(3, customer=customer_a)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    monkeypatch.setattr(pagination, "ESTIMATE_ABOVE", -1)
    assert api(staff).get(URL).json()["count_is_estimate"] is True
    filtered = api(staff).get(URL + "?severity=S3").json()
    assert filtered["count"] == 3 and filtered["count_is_estimate"] is False


def test_staff_mark_a_case_out_of_scope(api, staff, alice, customer_a):
    case = CaseFactory(customer=customer_a)
    url = f"{URL}{case.pk}/out-of-scope/"
    payload = {"out_of_scope_reason": "partner_network", "out_of_scope_note": "Customer LAN"}
    assert api(alice).post(url, payload).status_code == 403
    response = api(staff).post(url, payload)
    assert response.status_code == 200
    body = response.json()
    assert body["out_of_scope"] and body["out_of_scope_reason"] == "partner_network"
    assert body["status"] == "resolved"


def test_an_escalation_request_to_a_malformed_case_id_is_a_404_not_an_error(api, alice):
    """The lookup that only proves access answers like the others for an id that is no
    number (DRF's get_object_or_404 turns the ValueError into a 404)."""
    response = api(alice).post(
        "/api/v1/cases/null,null/request-escalation/",
        {"severity": "S1", "reason": "Down"},
        format="json",
    )
    assert response.status_code == 404
