"""Portal pages of the cases app: list, detail, open, escalate, reopen, SLO, dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services, sweep
from cases.models import Case

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_list_shows_own_cases_with_countdowns(client_for, bob, customer_a):
    case = CaseFactory(customer=customer_a, title="Voicemail down")
    response = client_for(bob).get("/cases/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Voicemail down" in html
    assert f'data-due="{case.response_due_at.isoformat()}"' in html


def test_list_filters_share_the_api_filterset(client_for, bob, customer_a):
    CaseFactory(customer=customer_a, title="Low one", urgency="low")
    CaseFactory(customer=customer_a, title="Medium one")
    html = client_for(bob).get("/cases/?severity=S4").content.decode()
    assert "Low one" in html and "Medium one" not in html


def test_list_shows_the_breach_marker(client_for, bob, customer_a):
    CaseFactory(customer=customer_a, overdue=True)
    sweep.escalation_sweep()
    assert "Breached" in client_for(bob).get("/cases/").content.decode()


def test_list_query_count_is_constant(client_for, bob, customer_a):
    CaseFactory(customer=customer_a)
    client = client_for(bob)
    client.get("/cases/")
    with CaptureQueriesContext(connection) as one:
        client.get("/cases/")
    CaseFactory.create_batch(49, customer=customer_a)
    with CaptureQueriesContext(connection) as fifty:
        client.get("/cases/")
    assert len(one) == len(fifty)


def test_list_reads_the_viewer_once(client_for, bob, customer_a, django_assert_max_num_queries):
    """Session, user, the viewer (partner, role, language, zone in one), the count, the rows
    and the customers of the filter: whatever the number of rows."""
    CaseFactory.create_batch(3, customer=customer_a)
    client = client_for(bob)
    client.get("/cases/")
    with django_assert_max_num_queries(6):
        assert client.get("/cases/").status_code == 200


def test_list_rows_show_link_customer_status_and_times(client_for, bob, customer_a):
    case = CaseFactory(customer=customer_a, title="Fax <down>")
    html = client_for(bob).get("/cases/").content.decode()
    assert f'<td>{case.pk}</td><td><a href="/cases/{case.pk}/">Fax &lt;down&gt;</a></td>' in html
    assert f'{customer_a.name} <span class="badge muted">{customer_a.region}</span>' in html
    assert f'<span class="badge {case.severity}">{case.severity}</span>' in html
    assert f"<td>{case.get_status_display()}</td>" in html


def test_list_filter_with_a_page_number_still_filters(client_for, bob, customer_a):
    CaseFactory(customer=customer_a, title="Low one", urgency="low")
    CaseFactory(customer=customer_a, title="Medium one")
    html = client_for(bob).get("/cases/?severity=S4&page=1").content.decode()
    assert "Low one" in html and "Medium one" not in html
    assert '<option value="S4" selected>' in html
    everything = client_for(bob).get("/cases/?page=1").content.decode()
    assert "Low one" in everything and "Medium one" in everything


@time_machine.travel(datetime(2026, 7, 1, 10, 0, tzinfo=UTC), tick=False)
def test_list_times_opened_in_the_viewers_zone_due_in_the_customers_r_case_8(
    client_for, bob, customer_a
):
    """The opened time is in the viewer's zone (bob chose São Paulo's); the countdown's
    tooltip is the due time in the zone of the case's customer (EMEA: Paris)."""
    from portal.services import profile_update

    profile_update(user=bob, time_zone="America/Sao_Paulo")
    case = CaseFactory(customer=customer_a, urgency="low")
    html = client_for(bob).get("/cases/").content.decode()
    row = html[html.index(f"<td>{case.pk}</td>") :].split("</tr>", 1)[0]
    assert "1 Jul 2026, 07:00 BRT" in row  # opened, viewer's zone
    due = case.response_due_at.astimezone(ZoneInfo("Europe/Paris"))
    assert f'title="{due.day} ' in row and "CEST" in row  # due, customer's zone (EMEA)
    assert 'class="countdown"' in row


def test_list_renders_a_case_whose_customer_region_has_no_zone(client_for, bob, customer_a):
    """A region the zones do not know (data written past the choices) shows the due time in
    the viewer's zone instead of failing the page."""
    from portal.models import Customer
    from portal.services import profile_update

    profile_update(user=bob, time_zone="America/Sao_Paulo")
    case = CaseFactory(customer=customer_a, urgency="low")
    Customer.objects.filter(pk=customer_a.pk).update(region="MARS")
    html = client_for(bob).get("/cases/").content.decode()
    row = html[html.index(f"<td>{case.pk}</td>") :].split("</tr>", 1)[0]
    assert 'class="countdown"' in row and "BRT" in row


def test_list_filter_fields_follow_customers_language_and_choices(
    client_for, bob, charlie, customer_a, customer_b
):
    """The unfiltered list reuses its rendered filter fields: still each partner's own
    customers, the viewer's language, and the chosen values once a filter is set."""
    bob_client = client_for(bob)
    first = bob_client.get("/cases/").content.decode()
    assert "Alpha Bank" in first and "Beta Retail" not in first
    assert bob_client.get("/cases/?page=1").content.decode().count("Alpha Bank") == first.count(
        "Alpha Bank"
    )
    other = client_for(charlie).get("/cases/").content.decode()
    assert "Beta Retail" in other and "Alpha Bank" not in other
    customer_a.name = "Alpha Bank Renamed"
    customer_a.save()
    assert "Alpha Bank Renamed" in bob_client.get("/cases/").content.decode()
    from portal.services import profile_update

    profile_update(user=bob, language="pt-br")
    portuguese = client_for(bob).get("/cases/").content.decode()
    assert "Aberto após" in portuguese and "Alpha Bank Renamed" in portuguese
    chosen = client_for(bob).get("/cases/?severity=S2").content.decode()
    assert '<option value="S2" selected>' in chosen


def test_outsider_list_shows_nothing_of_partner_a(client_for, charlie, customer_a):
    CaseFactory(customer=customer_a, title="Secret of Acme")
    assert "Secret of Acme" not in client_for(charlie).get("/cases/").content.decode()


@pytest.mark.parametrize(
    "query", ["?page=2", "?severity=S3&page=1", "?customer={customer}", "?q=Secret&page=1"]
)
def test_outsider_filtered_list_shows_nothing_of_partner_a(client_for, charlie, customer_a, query):
    """Both paths of the list (no filter, and a filter with or without a page number) read
    the viewer's cases only; partner A's customer id is not a choice for charlie."""
    CaseFactory(customer=customer_a, title="Secret of Acme")
    response = client_for(charlie).get("/cases/" + query.format(customer=customer_a.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Secret of Acme" not in html and "Alpha Bank" not in html


def test_detail_shows_the_timeline(client_for, bob, staff, customer_a):
    case = CaseFactory(customer=customer_a)
    services.case_change_severity(user=staff, case=case, severity="S2", reason="Triage says S2")
    html = client_for(bob).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="timeline"' in html and "Triage says S2" in html


@pytest.mark.parametrize("suffix", ["", "escalate/"])
def test_outsider_gets_404_on_case_pages(client_for, charlie, customer_a, suffix):
    case = CaseFactory(customer=customer_a)
    assert client_for(charlie).get(f"/cases/{case.pk}/{suffix}").status_code == 404


@pytest.mark.parametrize("suffix", ["escalate/", "transition/", "comment/"])
def test_outsider_gets_404_when_posting(client_for, charlie, customer_a, suffix):
    case = CaseFactory(customer=customer_a)
    data = {"severity": "S1", "reason": "x", "status": "closed", "text": "x"}
    assert client_for(charlie).post(f"/cases/{case.pk}/{suffix}", data).status_code == 404
    assert Case.objects.get(pk=case.pk).severity == "S3"


def test_open_form_creates_a_case(client_for, bob, customer_a, open_payload):
    response = client_for(bob).post("/cases/new/", open_payload())
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == f"/cases/{case.pk}/"
    assert case.channel == "web" and case.severity == "S3"


def test_open_form_shows_the_r_case_1_error_on_the_field(client_for, bob, open_payload):
    response = client_for(bob).post("/cases/new/", open_payload(contract_number="WRONG-1"))
    assert response.status_code == 400
    assert "contract number does not match" in response.content.decode()
    assert response.context["form"].errors["contract_number"]
    assert not Case.objects.exists()


def test_open_form_offers_only_own_customers(client_for, charlie, customer_a, open_payload):
    response = client_for(charlie).post("/cases/new/", open_payload())
    assert response.status_code == 400 and "customer" in response.context["form"].errors


def test_open_form_in_portuguese(client_for, bob):
    response = client_for(bob).get("/cases/new/", HTTP_ACCEPT_LANGUAGE="pt-br")
    assert response.status_code == 200


def test_request_escalation_form_offers_only_raises(client_for, bob, customer_a):
    case = CaseFactory(customer=customer_a)  # S3
    client = client_for(bob)
    choices = client.get(f"/cases/{case.pk}/escalate/").context["form"].fields["severity"].choices
    assert [value for value, _ in choices] == ["S1", "S2"]
    response = client.post(f"/cases/{case.pk}/escalate/", {"severity": "S2", "reason": "Worse"})
    assert response.status_code == 302 and Case.objects.get(pk=case.pk).severity == "S2"
    bad = client.post(f"/cases/{case.pk}/escalate/", {"severity": "S1", "reason": ""})
    assert bad.status_code == 400


def test_partner_reopens_a_resolved_case(client_for, bob, staff, customer_a):
    case = CaseFactory(customer=customer_a)
    services.case_acknowledge(user=staff, case=case)
    services.case_resume(user=staff, case=case)
    services.case_resolve(user=staff, case=case)
    client = client_for(bob)
    assert "Reopen" in client.get(f"/cases/{case.pk}/").content.decode()
    client.post(f"/cases/{case.pk}/transition/", {"status": "in_progress"})
    assert Case.objects.get(pk=case.pk).status == "in_progress"


def test_partner_cannot_resolve_through_the_portal(client_for, bob, staff, customer_a):
    case = CaseFactory(customer=customer_a)
    services.case_acknowledge(user=staff, case=case)
    services.case_resume(user=staff, case=case)
    response = client_for(bob).post(
        f"/cases/{case.pk}/transition/", {"status": "resolved"}, follow=True
    )
    assert "Only operator staff" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "in_progress"


def test_waiting_time_is_shown_apart(client_for, bob, staff, customer_a):
    case = CaseFactory(customer=customer_a)
    services.case_acknowledge(user=staff, case=case)
    services.case_transition(
        user=staff, case=case, status="in_progress", now=timezone.now() - timedelta(hours=3)
    )
    services.case_transition(
        user=staff, case=case, status="awaiting_partner", now=timezone.now() - timedelta(hours=2)
    )
    html = client_for(bob).get(f"/cases/{case.pk}/").content.decode()
    # In words, never a clock reading such as 2:00:00.004817.
    assert 'id="waiting-on-partner">2 h <span' in html and "2:00:00" not in html


def test_comment(client_for, bob, customer_a):
    case = CaseFactory(customer=customer_a)
    client_for(bob).post(f"/cases/{case.pk}/comment/", {"text": "Traces uploaded"})
    assert case.events.filter(kind="comment", text="Traces uploaded").exists()


def test_slo_page(client_for, bob, staff, customer_a):
    case = CaseFactory(customer=customer_a, urgency="low")
    services.case_acknowledge(user=staff, case=case)
    html = client_for(bob).get("/cases/slo/").content.decode()
    assert 'id="slo-report"' in html and "100.0 %" in html and "95 %" in html


def test_outsider_slo_page_shows_nothing_of_partner_a(client_for, charlie, staff, customer_a):
    case = CaseFactory(customer=customer_a, urgency="low")
    services.case_acknowledge(user=staff, case=case)
    assert "100.0 %" not in client_for(charlie).get("/cases/slo/").content.decode()


def test_dashboard_card_and_nav(client_for, bob, charlie, customer_a):
    CaseFactory(customer=customer_a, title="Dashboard case", urgency="critical", impact="large")
    html = client_for(bob).get("/").content.decode()
    assert 'id="card-cases"' in html and "Dashboard case" in html and 'href="/cases/"' in html
    assert "Dashboard case" not in client_for(charlie).get("/").content.decode()


def test_staff_are_sent_to_the_admin(client_for, staff):
    response = client_for(staff).get("/cases/")
    assert response.status_code == 302 and "/admin/" in response.url
