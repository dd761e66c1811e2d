"""/health/live and /health/ready: exact paths, JSON shape, 200/503, no login, no secrets,
and a stopped beat (moved clock) or an unreachable broker or cache turning readiness red."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from portal import jobs
from portal.celery import app

pytestmark = pytest.mark.django_db


def _fresh_heartbeats(now=None) -> None:
    for name in settings.CELERY_BEAT_SCHEDULE:
        with jobs.heartbeat(name, now=now) as run:
            run.counts = {"done": 0}


def test_live_answers_ok_without_login_or_redirect(client) -> None:
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"process": {"ok": True}}}
    assert response["Cache-Control"].startswith("max-age=0")


def test_ready_answers_ok_with_every_check_named(client) -> None:
    _fresh_heartbeats()
    response = client.get("/health/ready")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "broker", "cache", "jobs"}
    assert all(check["ok"] for check in body["checks"].values())


def test_the_paths_with_a_slash_do_not_redirect(client) -> None:
    assert client.get("/health/live/").status_code == 404
    assert client.get("/health/ready/").status_code == 404


def test_a_stopped_beat_turns_readiness_red_after_three_periods_r_case_10(client) -> None:
    start = timezone.now()
    _fresh_heartbeats(now=start)
    # Two minutes later (two sweep periods): still fine.
    with time_machine.travel(start + timedelta(minutes=2, seconds=30), tick=False):
        assert client.get("/health/ready").status_code == 200
    # Beat stopped: more than three one-minute periods without a finished sweep.
    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert "cases-escalation-sweep" in body["checks"]["jobs"]["stale"]
    assert "capacity-thresholds" not in body["checks"]["jobs"]["stale"]  # daily: not yet


def test_a_fresh_installation_is_red_only_when_beat_never_came(client) -> None:
    installed = jobs._installed_at()
    with time_machine.travel(installed + timedelta(seconds=30), tick=False):
        assert client.get("/health/ready").status_code == 200
    with time_machine.travel(installed + timedelta(minutes=4), tick=False):
        response = client.get("/health/ready")
    assert response.status_code == 503
    assert "cases-escalation-sweep" in response.json()["checks"]["jobs"]["stale"]


def test_an_unreachable_broker_turns_readiness_red_without_revealing_its_address(
    client, monkeypatch
) -> None:
    _fresh_heartbeats()
    # Patch the connection, not app.conf: restoring a conf key would pin it for later tests.
    real = app.connection_for_write
    monkeypatch.setattr(
        app, "connection_for_write", lambda **kw: real(url="redis://:s3cret@127.0.0.1:9/0")
    )
    response = client.get("/health/ready")
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker["ok"] is False
    text = response.content.decode()
    assert "s3cret" not in text and "127.0.0.1" not in text


def test_an_unreachable_cache_turns_readiness_red(client, settings) -> None:
    _fresh_heartbeats()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/1",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    from django.core.cache import caches

    caches._settings = None  # re-read the overridden setting
    try:
        response = client.get("/health/ready")
    finally:
        caches._settings = None
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False


def test_the_admin_index_shows_the_jobs_last_runs(client_for, staff) -> None:
    _fresh_heartbeats()
    html = client_for(staff).get("/admin/").content.decode()
    assert 'id="job-heartbeats"' in html
    assert "cases-escalation-sweep" in html


def test_the_admin_index_points_staff_to_permanently_failed_deliveries(client_for, staff) -> None:
    from portal.models import Delivery, Notification

    event = Notification.objects.create(category="cases", dedupe_key="failed-once")
    Delivery.objects.create(
        notification=event, recipient="gone@example.com", language="en", status="failed"
    )
    html = client_for(staff).get("/admin/").content.decode()
    assert 'id="failed-notifications"' in html
    assert "status__exact=failed" in html
