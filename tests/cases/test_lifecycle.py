"""The decided lifecycle (R-CASE-12): monitoring period, self-resolution, recurrence."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connections
from django.utils import timezone

from cases import services, sweep, tasks
from cases.choices import EventKind, Status
from cases.models import Case
from portal.errors import DomainError
from tests.factories import token_client
from tests.outbox import deliveries

from .factories import CaseFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/cases/"
ADMIN = "/admin/cases/case/"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def in_progress(staff, customer, now=T0):
    case = CaseFactory(customer=customer, opened_at=now - timedelta(minutes=5))
    services.case_acknowledge(user=staff, case=case, now=now)
    return services.case_transition(user=staff, case=case, status=Status.IN_PROGRESS, now=now)


def monitoring(staff, customer, days=None, now=T0):
    case = in_progress(staff, customer, now=now)
    return services.case_transition(
        user=staff, case=case, status=Status.MONITORING, monitoring_days=days, now=now
    )


# --- transitions ------------------------------------------------------------------------------


def test_awaiting_partner_is_entered_only_from_in_progress_r_case_12(staff, customer_a):
    case = CaseFactory(customer=customer_a)
    services.case_acknowledge(user=staff, case=case)
    with pytest.raises(DomainError) as err:
        services.case_transition(user=staff, case=case, status=Status.AWAITING_PARTNER)
    assert err.value.rule == "R-CASE-12"
    services.case_transition(user=staff, case=case, status=Status.IN_PROGRESS)
    case = services.case_transition(user=staff, case=case, status=Status.AWAITING_PARTNER)
    assert case.status == Status.AWAITING_PARTNER


def test_monitoring_is_optional_r_case_12(staff, customer_a):
    case = in_progress(staff, customer_a)
    case = services.case_transition(user=staff, case=case, status=Status.RESOLVED, now=T0)
    assert case.status == Status.RESOLVED and case.monitoring_until is None


# --- the monitoring period --------------------------------------------------------------------


def test_entering_monitoring_sets_the_default_period_of_7_days_r_case_12(staff, customer_a):
    case = monitoring(staff, customer_a)
    assert case.monitoring_until == T0 + timedelta(days=7)
    event = case.events.filter(kind=EventKind.STATUS_CHANGE, to_value="monitoring").get()
    assert event.data["days"] == 7


def test_the_default_period_is_a_setting_r_case_12(staff, customer_a, settings):
    settings.CASES_MONITORING_DAYS = 3
    assert monitoring(staff, customer_a).monitoring_until == T0 + timedelta(days=3)


def test_staff_set_the_monitoring_period_r_case_12(staff, customer_a):
    assert monitoring(staff, customer_a, days=14).monitoring_until == T0 + timedelta(days=14)


@pytest.mark.parametrize("days", [0, -1, 91])
def test_a_monitoring_period_out_of_range_is_refused_r_case_12(staff, customer_a, days):
    case = in_progress(staff, customer_a)
    with pytest.raises(DomainError) as err:
        services.case_transition(
            user=staff, case=case, status=Status.MONITORING, monitoring_days=days
        )
    assert (err.value.field, err.value.rule) == ("monitoring_days", "R-CASE-12")
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS


def test_a_period_only_goes_with_monitoring_r_case_12(staff, customer_a):
    case = in_progress(staff, customer_a)
    with pytest.raises(DomainError) as err:
        services.case_transition(user=staff, case=case, status=Status.RESOLVED, monitoring_days=3)
    assert err.value.field == "monitoring_days"


def test_partner_cannot_put_a_case_under_monitoring_r_case_12(staff, alice, customer_a):
    case = in_progress(staff, customer_a)
    with pytest.raises(DomainError):
        services.case_transition(user=alice, case=case, status=Status.MONITORING)


# --- the period ends: the case resolves itself ------------------------------------------------


def test_monitoring_sweep_resolves_the_case_and_tells_the_partner_once_r_case_12(
    staff, customer_a, case_contacts
):
    case = monitoring(staff, customer_a, days=7)
    assert sweep.monitoring_sweep(now=T0 + timedelta(days=7) - timedelta(seconds=1)) == []
    end = T0 + timedelta(days=7)
    assert sweep.monitoring_sweep(now=end) == [case.pk]
    assert sweep.monitoring_sweep(now=end + timedelta(hours=1)) == []  # idempotent
    case.refresh_from_db()
    assert (case.status, case.resolved_at) == (Status.RESOLVED, end)
    event = case.events.filter(kind=EventKind.STATUS_CHANGE).last()
    assert (event.from_value, event.to_value, event.actor_name) == (
        "monitoring",
        "resolved",
        "system",
    )
    sent = deliveries(dedupe_key__contains=":monitoring_resolved:")
    assert set(sent.values_list("recipient", flat=True)) == {
        "noc@acme.example",
        "it@alpha.example",
    }
    # the partner can still reopen within the reopen period
    reopened = services.case_transition(
        user=staff, case=case, status=Status.IN_PROGRESS, now=end + timedelta(days=1)
    )
    assert reopened.status == Status.IN_PROGRESS


def test_monitoring_sweep_leaves_a_case_that_moved_on_r_case_12(staff, customer_a):
    case = monitoring(staff, customer_a, days=1)
    services.case_transition(user=staff, case=case, status=Status.RESOLVED, now=T0)
    assert sweep.monitoring_sweep(now=T0 + timedelta(days=2)) == []


def test_monitoring_sweep_works_in_batches_r_case_12(staff, customer_a):
    ids = {monitoring(staff, customer_a, days=1).pk for _ in range(5)}
    assert set(sweep.monitoring_sweep(now=T0 + timedelta(days=1), batch_size=2)) == ids


def test_monitoring_task_and_beat_r_case_12(staff, customer_a, settings):
    monitoring(staff, customer_a, days=1, now=timezone.now() - timedelta(days=2))
    assert tasks.monitoring_sweep.apply().get() == {"resolved": 1}
    assert settings.CELERY_BEAT_SCHEDULE["cases-monitoring-sweep"]["task"] == (
        "cases.tasks.monitoring_sweep"
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_monitoring_sweeps_resolve_each_case_once_r_case_12(partner_a, staff):
    from tests.factories import ContactFactory, CustomerFactory

    customer = CustomerFactory(partner=partner_a, region="APJC")
    ContactFactory(partner=partner_a, email="noc@acme.example", categories=["cases"])
    end = T0 + timedelta(days=1)
    rows = []
    for _ in range(600):
        row = CaseFactory.build(customer=customer, status=Status.MONITORING)
        row.opened_at, row.acknowledged_at, row.monitoring_until = T0, T0, end
        rows.append(row)
    Case.objects.bulk_create(rows)
    results: list = []
    barrier = threading.Barrier(4)

    def run_sweep() -> None:
        try:
            barrier.wait()
            results.append(sweep.monitoring_sweep(now=end, batch_size=50))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    resolved = [pk for r in results for pk in r]
    assert len(resolved) == 600 and len(set(resolved)) == 600
    assert Case.objects.filter(status=Status.RESOLVED).count() == 600
    assert deliveries(recipient="noc@acme.example").count() == 600


# --- a recurrence during monitoring -----------------------------------------------------------


def test_partner_reports_a_recurrence_the_case_is_back_in_progress_r_case_12(
    staff, alice, customer_a, oncall
):
    case = monitoring(staff, customer_a)
    case = services.case_report_recurrence(
        user=alice, case=case, note="Audio drops again", now=T0 + timedelta(days=2)
    )
    assert case.status == Status.IN_PROGRESS and case.monitoring_until is None
    event = case.events.filter(kind=EventKind.STATUS_CHANGE).last()
    assert event.data.get("recurrence") is True and event.text == "Audio drops again"
    assert deliveries(recipient=oncall).exists()
    # the old period no longer resolves it
    assert sweep.monitoring_sweep(now=T0 + timedelta(days=30)) == []


def test_a_recurrence_needs_a_case_under_monitoring_r_case_12(staff, alice, customer_a):
    case = in_progress(staff, customer_a)
    with pytest.raises(DomainError) as err:
        services.case_report_recurrence(user=alice, case=case)
    assert (err.value.field, err.value.rule) == ("status", "R-CASE-12")


def test_outsider_cannot_report_a_recurrence(staff, charlie, customer_a):
    case = monitoring(staff, customer_a)
    with pytest.raises(DomainError):
        services.case_report_recurrence(user=charlie, case=case)
    assert Case.objects.get(pk=case.pk).status == Status.MONITORING


# --- the faces --------------------------------------------------------------------------------


def test_api_staff_enter_monitoring_with_a_period_r_case_12(api, staff, customer_a):
    case = in_progress(staff, customer_a, now=timezone.now())
    response = api(staff).post(
        f"{API}{case.pk}/transition/",
        {"status": "monitoring", "monitoring_days": 10},
        format="json",
    )
    assert response.status_code == 200, response.json()
    until = datetime.fromisoformat(response.json()["monitoring_until"])
    assert timedelta(days=10) - timedelta(minutes=1) < until - timezone.now() <= timedelta(days=10)
    bad = api(staff).post(
        f"{API}{case.pk}/transition/", {"status": "resolved", "monitoring_days": 2}, format="json"
    )
    assert bad.status_code == 400 and "monitoring_days" in bad.json()


def test_api_recurrence_r_case_12(api, staff, alice, customer_a):
    case = monitoring(staff, customer_a, now=timezone.now())
    response = api(alice).post(f"{API}{case.pk}/recurrence/", {"note": "Back again"})
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    again = api(alice).post(f"{API}{case.pk}/recurrence/", {})
    assert again.status_code == 400 and again.json()["rule"] == "R-CASE-12"


def test_api_recurrence_outsider_gets_404(api, staff, charlie, customer_a):
    case = monitoring(staff, customer_a, now=timezone.now())
    assert api(charlie).post(f"{API}{case.pk}/recurrence/", {}).status_code == 404


def test_admin_transition_page_sets_the_monitoring_period_r_case_12(client_for, staff, customer_a):
    case = in_progress(staff, customer_a, now=timezone.now())
    url = f"{ADMIN}{case.pk}/do/transition/"
    client = client_for(staff)
    assert client.post(url, {"status": "monitoring", "monitoring_days": "0"}).status_code == 400
    assert client.post(url, {"status": "monitoring", "monitoring_days": "5"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.MONITORING
    assert timedelta(days=5) - timedelta(minutes=1) < case.monitoring_until - timezone.now()


def test_portal_shows_the_period_and_a_recurrence_button_r_case_12(
    client_for, bob, staff, customer_a
):
    case = monitoring(staff, customer_a, now=timezone.now())
    client = client_for(bob)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="monitoring-until"' in html and f"/cases/{case.pk}/recurrence/" in html
    assert client.post(f"/cases/{case.pk}/recurrence/", {"note": "Again"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/recurrence/" not in html


def test_portal_recurrence_outsider_gets_404(client_for, charlie, staff, customer_a):
    case = monitoring(staff, customer_a, now=timezone.now())
    assert client_for(charlie).post(f"/cases/{case.pk}/recurrence/").status_code == 404
    assert Case.objects.get(pk=case.pk).status == Status.MONITORING


@time_machine.travel(T0 + timedelta(days=8), tick=False)
def test_case_page_after_self_resolution_offers_reopen(client_for, bob, staff, customer_a):
    case = monitoring(staff, customer_a)
    sweep.monitoring_sweep()
    html = client_for(bob).get(f"/cases/{case.pk}/").content.decode()
    assert "Reopen" in html


def test_the_self_resolution_text_is_rendered_in_the_readers_language(
    api, client_for, staff, bob, customer_a
):
    import importlib

    from django.utils import translation

    from cases.models import CaseEvent
    from portal.models import UserProfile

    case = monitoring(staff, customer_a, days=7)
    sweep.monitoring_sweep(now=T0 + timedelta(days=7))
    event = case.events.filter(kind=EventKind.STATUS_CHANGE).last()
    assert event.text == ""
    assert event.display_text == "The monitoring period ended without a recurrence."
    with translation.override("pt-br"):
        assert event.display_text == "O período de monitoramento terminou sem recorrência."

    UserProfile.objects.update_or_create(user=bob, defaults={"language": "pt-br"})
    page = client_for(bob).get(f"/cases/{case.pk}/").content.decode()
    assert "O período de monitoramento terminou sem recorrência." in page
    body = token_client(bob).get(f"{API}{case.pk}/events/").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert "O período de monitoramento terminou sem recorrência." in [r["text"] for r in rows]

    # Rows written before in Portuguese lose the stored words (the data migration, run with
    # the migration's own models: the application's timeline refuses updates).
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    name = "0008_generated_event_texts_rendered"
    old = CaseEvent.objects.create(
        case=case,
        kind=EventKind.STATUS_CHANGE,
        at=T0 + timedelta(days=7),
        to_value=Status.RESOLVED,
        text="O período de monitoramento terminou sem recorrência.",
        data={"monitoring_ended": "2026-03-09T09:00:00+00:00"},
    )
    state = MigrationExecutor(connection).loader.project_state(("cases", name))
    importlib.import_module(f"cases.migrations.{name}").forwards(state.apps, None)
    assert CaseEvent.objects.get(pk=old.pk).text == ""
