"""GET /metrics: Prometheus text behind a bearer token, 404 while the token is unset, and the
domain gauges (outbox, breached cases by severity, job runs)."""

from __future__ import annotations

import pytest

from cases.sweep import escalation_sweep
from portal import jobs
from tests.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests-0123456789"


def test_metrics_do_not_exist_without_a_token_setting(client, settings) -> None:
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


@pytest.mark.parametrize("header", ["", "Bearer wrong", f"Basic {TOKEN}", TOKEN])
def test_metrics_refuse_a_missing_or_wrong_token(client, settings, header) -> None:
    settings.METRICS_TOKEN = TOKEN
    response = client.get("/metrics", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert "portal_" not in response.content.decode()


def test_metrics_show_request_and_domain_figures(client, settings, customer_a, contact_a) -> None:
    settings.METRICS_TOKEN = TOKEN
    CaseFactory(customer=customer_a, overdue=True)  # an S1, an hour late
    with jobs.heartbeat("cases-escalation-sweep") as run:
        run.counts = {"breached": len(escalation_sweep().breached)}
    client.get("/health/live")
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'portal_cases_breached_unacknowledged{severity="S1"} 1.0' in text
    assert 'portal_cases_breached_unacknowledged{severity="S2"} 0.0' in text
    assert 'portal_notifications{status="pending"}' in text
    assert 'portal_notifications{status="failed"} 0.0' in text
    assert "portal_notification_oldest_pending_seconds" in text
    assert 'portal_job_last_duration_seconds{job="cases-escalation-sweep"}' in text
    assert 'portal_job_stale{job="cases-escalation-sweep"} 0.0' in text
    assert "django_http_requests_latency_seconds_by_view_method" in text
