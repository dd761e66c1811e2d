"""The cases admin: list, filters, search, actions, phone cases, severity change form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from cases.models import Case

from .factories import CaseFactory

pytestmark = pytest.mark.django_db
LIST = "/admin/cases/case/"


def test_changelist_shows_countdown_and_breach_marker(client_for, staff, customer_a):
    due = CaseFactory(customer=customer_a, title="Counting down")
    CaseFactory(customer=customer_a, title="Too late", overdue=True)
    client = client_for(staff)
    client.post(LIST + "sweep/")
    html = client.get(LIST).content.decode()
    assert f'data-due="{due.response_due_at.isoformat()}"' in html
    assert "BREACHED" in html


@pytest.mark.parametrize(
    "query", ["?severity__exact=S1", "?status__exact=new", "?breached=yes", "?region=EMEA", "?q=42"]
)
def test_changelist_filters_and_search(client_for, staff, customer_a, query):
    CaseFactory(customer=customer_a)
    assert client_for(staff).get(LIST + query).status_code == 200


def test_search_by_case_number(client_for, staff, customer_a):
    case = CaseFactory(customer=customer_a, title="Findable")
    CaseFactory(customer=customer_a, title="Other")
    html = client_for(staff).get(LIST + f"?q=%23{case.pk}").content.decode()
    assert "Findable" in html


def test_acknowledge_action(client_for, staff, customer_a):
    case = CaseFactory(customer=customer_a)
    client_for(staff).post(LIST, {"action": "acknowledge_selected", "_selected_action": [case.pk]})
    assert Case.objects.get(pk=case.pk).status == "acknowledged"


def test_sweep_action(client_for, staff, customer_a):
    case = CaseFactory(customer=customer_a, overdue=True)
    response = client_for(staff).post(
        LIST, {"action": "run_escalation_sweep", "_selected_action": [case.pk]}, follow=True
    )
    assert "1 case(s) breached" in response.content.decode()
    assert Case.objects.get(pk=case.pk).breached


def test_phone_case_with_real_opening_time(client_for, staff, customer_a):
    called = timezone.now() - timedelta(minutes=10)
    data = {
        "customer": customer_a.pk,
        "opened_at": called.strftime("%Y-%m-%d %H:%M:%S"),
        "channel": "phone",
        "contract_number": customer_a.contract_number,
        "title": "Whole site down",
        "description": "No calls at all",
        "category": "availability",
        "urgency": "critical",
        "impact": "widespread",
        "contact_name": "Nina",
        "contact_phone": "+33 1",
        "contact_email": "nina@acme.example",
    }
    response = client_for(staff).post(LIST + "add/", data)
    case = Case.objects.get()
    assert response.status_code == 302
    assert case.channel == "phone" and case.severity == "S1"
    assert abs((case.opened_at - called).total_seconds()) < 1


def test_phone_case_in_the_future_shows_the_error(client_for, staff, customer_a):
    later = timezone.now() + timedelta(hours=2)
    data = {
        "customer": customer_a.pk,
        "opened_at": later.strftime("%Y-%m-%d %H:%M:%S"),
        "channel": "phone",
        "contract_number": customer_a.contract_number,
        "title": "x",
        "description": "x",
        "category": "bug",
        "urgency": "low",
        "impact": "large",
        "contact_name": "N",
        "contact_phone": "1",
        "contact_email": "n@acme.example",
    }
    response = client_for(staff).post(LIST + "add/", data)
    assert response.status_code == 400 and "R-CASE-11" in response.content.decode()
    assert not Case.objects.exists()


def test_severity_change_form_asks_for_the_reason(client_for, staff, customer_a):
    case = CaseFactory(customer=customer_a)
    url = f"{LIST}{case.pk}/do/change-severity/"
    client = client_for(staff)
    assert client.get(url).status_code == 200
    assert client.post(url, {"severity": "S1", "reason": ""}).status_code == 400
    assert client.post(url, {"severity": "S1", "reason": "Outage confirmed"}).status_code == 302
    event = Case.objects.get(pk=case.pk).events.get(kind="severity_change")
    assert event.text == "Outage confirmed" and event.actor == staff


def test_change_page_shows_the_timeline_inline(client_for, staff, customer_a):
    case = CaseFactory(customer=customer_a)
    client = client_for(staff)
    client.post(f"{LIST}{case.pk}/do/action-plan/", {"plan": "Collect SIP traces"})
    html = client.get(f"{LIST}{case.pk}/change/").content.decode()
    assert "Collect SIP traces" in html and "Change severity" in html


def test_illegal_transition_shows_the_rule(client_for, staff, customer_a):
    case = CaseFactory(customer=customer_a)
    response = client_for(staff).post(f"{LIST}{case.pk}/do/transition/", {"status": "closed"})
    assert response.status_code == 400 and "R-CASE-12" in response.content.decode()


def test_slo_report_page(client_for, staff, customer_a):
    CaseFactory(customer=customer_a)
    html = client_for(staff).get(LIST + "slo-report/").content.decode()
    assert 'id="slo-report"' in html


def test_partner_users_cannot_reach_the_admin(client_for, alice, customer_a):
    case = CaseFactory(customer=customer_a)
    response = client_for(alice).get(f"{LIST}{case.pk}/do/change-severity/")
    assert response.status_code == 302 and "/admin/login/" in response.url


def _queries_of(client, url: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"].upper() for q in queries.captured_queries]


def test_date_drilldown_offers_periods_without_scanning_the_table(client_for, staff, customer_a):
    """The changelist's date hierarchy comes from the first and last opening time, not from a
    DISTINCT over every case (a million rows under load)."""
    CaseFactory(customer=customer_a, opened_at=datetime(2024, 3, 5, 10, tzinfo=UTC))
    CaseFactory(customer=customer_a, opened_at=datetime(2025, 7, 10, 10, tzinfo=UTC))
    CaseFactory(customer=customer_a, opened_at=datetime(2025, 9, 12, 10, tzinfo=UTC))
    client = client_for(staff)
    queries = _queries_of(client, LIST)
    assert not any("DISTINCT" in q for q in queries)
    html = client.get(LIST).content.decode()
    assert "opened_at__year=2024" in html and "opened_at__year=2025" in html
    html = client.get(LIST + "?opened_at__year=2025").content.decode()
    assert "opened_at__month=7" in html and "opened_at__month=9" in html
    assert "opened_at__month=6" not in html
    html = client.get(LIST + "?opened_at__year=2025&opened_at__month=9").content.decode()
    assert "opened_at__day=12" in html and "opened_at__day=13" not in html
    day = "?opened_at__year=2025&opened_at__month=9&opened_at__day=12"
    assert client.get(LIST + day).status_code == 200


@pytest.mark.postgres
def test_unfiltered_changelist_of_a_huge_table_does_not_count_it(
    client_for, staff, customer_a, monkeypatch
):
    from django.db import connection

    from cases.api import pagination

    CaseFactory.create_batch(3, customer=customer_a)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    monkeypatch.setattr(pagination, "ESTIMATE_ABOVE", -1)
    client = client_for(staff)

    def table_counts(queries):
        # The work queue's tab counts (of the open cases only: "Mine" and one aggregate of
        # COUNT … FILTER) are not the paginator's count of the table.
        open_only = "NOT (\"CASES_CASE\".\"STATUS\" IN"
        return [q for q in queries if "COUNT(" in q and "CASES_CASE" in q and open_only not in q]

    assert not table_counts(_queries_of(client, LIST))
    assert table_counts(_queries_of(client, LIST + "?severity__exact=S3"))
    filtered = _queries_of(client, LIST + "?severity__exact=S3")
    assert any("COUNT(" in q and "CASES_CASE" in q for q in filtered)


def test_the_read_only_case_form_offers_action_buttons_and_no_save_button(
    client_for, staff, customer_a
):
    case = CaseFactory(customer=customer_a)
    html = client_for(staff).get(f"{LIST}{case.pk}/change/").content.decode()
    assert 'name="_save"' not in html
    assert f"{LIST}{case.pk}/do/acknowledge/" in html
    assert f"{LIST}{case.pk}/do/change-severity/" in html


def test_a_refused_action_shows_the_service_message_on_its_field_r_case_6(
    client_for, staff, customer_a
):
    case = CaseFactory(customer=customer_a)
    response = client_for(staff).post(
        f"{LIST}{case.pk}/do/change-severity/", {"severity": case.severity, "reason": "same"}
    )
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert Case.objects.get(pk=case.pk).severity == case.severity


def test_changelist_rows_keep_django_s_checkbox_and_change_links(client_for, staff, customer_a):
    """The cheaper rows write the same selection checkbox and change link as Django does."""
    from django.contrib import admin as django_admin

    from cases.admin import CaseAdmin

    case = CaseFactory(customer=customer_a, title="Router <loop>")
    ours = CaseAdmin(Case, django_admin.site)
    assert ours.action_checkbox(case) == django_admin.ModelAdmin.action_checkbox(ours, case)
    html = client_for(staff).get(LIST).content.decode()
    assert ours.action_checkbox(case) in html
    assert f'href="{LIST}{case.pk}/change/"' in html


def test_changelist_query_count_is_constant(client_for, staff, customer_a):
    CaseFactory(customer=customer_a)
    client = client_for(staff)
    one = _queries_of(client, LIST)
    for _ in range(30):
        CaseFactory(customer=customer_a)
    assert len(_queries_of(client, LIST)) == len(one)


def test_the_partner_filter_is_a_drop_down_that_keeps_the_other_filters(
    client_for, staff, customer_a, customer_b
):
    CaseFactory(customer=customer_a, title="Acme's case")
    CaseFactory(customer=customer_b, title="Borealis's case")
    client = client_for(staff)
    partner = customer_b.partner
    html = client.get(LIST + f"?severity__exact=S3&partner__id__exact={partner.pk}").content.decode()
    assert f'<option value="{partner.pk}" selected>Borealis Networks</option>' in html
    assert f'<option value="{customer_a.partner.pk}">Acme Telecom</option>' in html
    # the form keeps the other filter; the page shows only the partner's cases
    assert '<input type="hidden" name="severity__exact" value="S3">' in html
    assert 'name="partner__id__exact"' in html and "Acme&#x27;s case" not in html
    everyone = client.get(LIST + "?partner__id__exact=").content.decode()
    assert "Acme&#x27;s case" in everyone and "Borealis&#x27;s case" in everyone


def test_the_partner_filter_escapes_partner_names(client_for, staff, customer_a):
    from tests.factories import PartnerFactory

    odd = PartnerFactory(name='<b>"Bold" & Co</b>')
    html = client_for(staff).get(LIST).content.decode()
    assert f'<option value="{odd.pk}">&lt;b&gt;&quot;Bold&quot; &amp; Co&lt;/b&gt;</option>' in html
    assert "<b>\"Bold\"" not in html


def test_the_partner_filter_refuses_a_value_that_is_not_an_id(client_for, staff, customer_a):
    response = client_for(staff).get(LIST + "?partner__id__exact=acme")
    # the admin's own answer to a wrong lookup: the unfiltered list with ?e=1
    assert response.status_code == 302 and "e=1" in response["Location"]


def test_the_partner_filter_speaks_portuguese(client_for, staff, customer_a):
    html = client_for(staff).get(LIST, HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()
    assert '<option value="">Todos</option>' in html and ">Ir</button>" in html


def test_the_changelist_with_counts_shown_keeps_the_partner_drop_down(
    client_for, staff, customer_a
):
    CaseFactory(customer=customer_a)
    response = client_for(staff).get(LIST + "?_facets=True")
    assert response.status_code == 200
    assert '<option value="">All</option>' in response.content.decode()


def _rows(rows) -> str:
    return "".join("".join(str(cell) for cell in row) for row in rows)


@pytest.mark.parametrize("language", ["en", "pt-br"])
@pytest.mark.parametrize(
    "query",
    [
        "",
        "?o=-1.4",
        "?o=7",
        "?severity__exact=S1",
        *(f"?queue={q}" for q in ("mine", "unassigned", "soon", "breached", "plan_overdue")),
    ],
)
@time_machine.travel(datetime(2027, 3, 2, 10, tzinfo=UTC), tick=False)  # countdowns hold still
def test_the_cheap_rows_are_django_s_rows(client_for, staff, customer_a, language, query):
    """The case changelist's rows (``cheap_results``) are byte for byte what Django's own
    ``results`` writes for the same page: linked and plain columns, empty values, markup in
    a title, a breached case and one owned by the viewer, in both languages."""
    from django.contrib.admin.templatetags.admin_list import results
    from django.utils import translation

    from portal.admin_actions import cheap_results

    CaseFactory(customer=customer_a, title='Router <loop> & "quotes" ' + "long " * 20)
    CaseFactory(customer=customer_a, title="   ", overdue=True)
    CaseFactory(customer=customer_a, title="Liga\u0063\u0327\u00e3o caída em São Paulo")
    CaseFactory(customer=customer_a, title="Mine", owner=staff)
    client = client_for(staff)
    client.post(LIST + "sweep/")
    response = client.get(LIST + query, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    cl = response.context["cl"]
    if query in ("", "?o=-1.4", "?o=7", "?queue=mine", "?queue=unassigned", "?queue=breached"):
        assert len(cl.result_list) >= 1
    with translation.override(language):
        # The page's rows are these (it took the cheap path) …
        page = response.content.decode()
        assert all(f"<tr>{_rows([row])}</tr>" in page for row in cheap_results(cl))
        # … and, in any zone, they are Django's.
        with timezone.override("America/Sao_Paulo"):
            assert _rows(cheap_results(cl)) == _rows(results(cl))


@time_machine.travel(datetime(2027, 3, 2, 10, tzinfo=UTC), tick=False)
def test_the_cheap_rows_match_django_s_on_every_admin_changelist(client_for, staff, customer_a):
    """``cheap_results`` is general: on the changelist of every registered model, with the
    rows the fixtures make, it writes what Django's ``results`` writes."""
    from django.contrib import admin as django_admin
    from django.contrib.admin.templatetags.admin_list import results

    from portal.admin_actions import cheap_results

    CaseFactory(customer=customer_a, owner=staff)
    client = client_for(staff)
    compared = 0
    for model in django_admin.site._registry:
        opts = model._meta
        url = f"/admin/{opts.app_label}/{opts.model_name}/"
        response = client.get(url)
        if response.status_code != 200 or "cl" not in (response.context or {}):
            continue
        cl = response.context["cl"]
        assert _rows(cheap_results(cl)) == _rows(results(cl)), url
        compared += bool(cl.result_list)
    assert compared >= 5
