"""Faults on PostgreSQL + Redis, with real processes: a broker outage, duplicated beats.

The test runs its own Redis server on a free port (so the shared one keeps serving the other
tests), stops it, writes through the API while it is down, starts it again with two real
Celery worker processes, fires every periodic task several times at once, and checks that
every notification was delivered exactly once and every overdue case breached exactly once.
Figures are printed (run with ``-s`` to see them).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from cases.choices import EventKind
from cases.models import Case, CaseEvent
from maintenance.models import Change
from portal.celery import app
from portal.choices import NotificationStatus
from tests.outbox import deliveries

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    # Its Celery workers are processes of their own, on the machine's clock: under a moved
    # session clock the rows this test writes would be in another time than theirs.
    pytest.mark.skipif(
        bool(os.environ.get("PORTAL_TEST_CLOCK", "").strip()),
        reason="its worker processes run on the machine's clock, not PORTAL_TEST_CLOCK",
    ),
]
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


def _use_broker(url: str) -> None:
    """Point this process's Celery app at ``url`` (drops its pooled connections). Celery reads
    the CELERY_BROKER_URL environment variable before its own configuration."""
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_server():
    server = OwnRedis()
    old_env, old = os.environ.get("CELERY_BROKER_URL"), app.conf.broker_url
    yield server
    server.stop()
    _use_broker(old)
    if old_env is None:
        os.environ.pop("CELERY_BROKER_URL", None)


def _worker(broker_url: str, mail_dir: Path, name: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "OPERATOR_ONCALL_EMAIL": "oncall@operator.example",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-P",
            "threads",
            "-c",
            "2",
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait(predicate, timeout: float = 60.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if predicate():
            return time.perf_counter() - started
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def _case_payload(customer, **extra) -> dict:
    return {
        "customer": customer.pk,
        "title": "Phones cannot register",
        "description": "Since 9:00.",
        "category": "common",
        "impact": "localized",
        "urgency": "medium",
        "contract_number": customer.contract_number,
        "contact_name": "Ana",
        "contact_phone": "+55 11 5555 0101",
        "contact_email": "ana@acme.example",
        **extra,
    }


def test_broker_outage_loses_nothing_and_duplicated_beats_change_nothing(
    redis_server, api, alice, staff, customer_a, contact_a, tmp_path, settings
):
    settings.OPERATOR_ONCALL_EMAIL = "oncall@operator.example"
    # --- Redis is down: writes still succeed, notifications wait in the outbox -------------
    _use_broker(redis_server.url)  # nothing listens there yet
    latencies = []
    partner_client, staff_client = api(alice), api(staff)
    for _ in range(10):
        started = time.perf_counter()
        response = partner_client.post("/api/v1/cases/", _case_payload(customer_a), format="json")
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 201, response.json()
    opened_at = (timezone.now() - timedelta(hours=1)).isoformat()
    for _ in range(5):  # S1 cases phoned in an hour ago: overdue, the sweep must breach them
        started = time.perf_counter()
        response = staff_client.post(
            "/api/v1/cases/",
            _case_payload(customer_a, urgency="critical", impact="widespread", opened_at=opened_at),
            format="json",
        )
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 201, response.json()
    from maintenance.windows import next_windows

    window = next_windows(customer_a.region, timezone.now() + timedelta(days=2), 1)[0]
    change = staff_client.post(
        "/api/v1/changes/",
        {
            "partner": customer_a.partner_id,
            "kind": "routine",
            "title": "Voicemail clean-up",
            "customers": [customer_a.pk],
            "start": window.start.isoformat(),
            "end": (window.start + timedelta(hours=2)).isoformat(),
        },
        format="json",
    )
    assert change.status_code == 201, change.json()
    notice = staff_client.post(f"/api/v1/changes/{change.json()['id']}/send-notice/", format="json")
    assert notice.status_code == 200, notice.json()
    pending = deliveries(status=NotificationStatus.PENDING).count()
    assert pending > 0 and not deliveries(status=NotificationStatus.SENT).exists()
    overdue = list(Case.objects.filter(severity="S1").values_list("id", flat=True))
    assert len(overdue) == 5 and not Case.objects.filter(breached_at__isnull=False).exists()

    # --- Redis is back, with two workers; every periodic task fired 4 times at once -------
    redis_server.start()
    _use_broker(redis_server.url)
    mail_dir = tmp_path / "mail"
    workers = [_worker(redis_server.url, mail_dir, f"w{i}") for i in range(2)]
    try:
        from cases.tasks import escalation_sweep
        from maintenance.tasks import maintenance_tick
        from portal.tasks import deliver_notifications

        recovered = time.perf_counter()
        for _ in range(4):  # a duplicated beat, several ticks missed during the outage
            escalation_sweep.delay()
            maintenance_tick.delay()
            deliver_notifications.delay()
        _wait(lambda: Case.objects.filter(id__in=overdue, breached_at__isnull=False).count() == 5)
        for _ in range(2):
            deliver_notifications.delay()
        _wait(lambda: not deliveries(status=NotificationStatus.PENDING).exists())
        recovery_seconds = time.perf_counter() - recovered
    finally:
        for worker in workers:
            worker.terminate()
        errors = b"".join(w.communicate(timeout=30)[1] for w in workers)
    assert b"Traceback" not in errors, errors.decode()[-3000:]

    # --- nothing lost, nothing duplicated --------------------------------------------------
    for case_id in overdue:
        assert CaseEvent.objects.filter(case_id=case_id, kind=EventKind.BREACH).count() == 1
    sent = deliveries(status=NotificationStatus.SENT)
    assert sent.count() == deliveries().count()
    mails = "".join(p.read_text() for p in mail_dir.glob("*.log"))
    assert mails.count("\nSubject: ") + mails.startswith("Subject: ") == sent.count()
    breach_rows = deliveries(dedupe_key__endswith=":breach")
    assert breach_rows.count() == 5 * 2  # the partner's "cases" contact and on-call, once each
    assert Change.objects.get(pk=change.json()["id"]).notices.count() == 1
    print(
        f"\n[broker outage] {len(latencies)} case writes while Redis was down: all 201, "
        f"mean {1000 * sum(latencies) / len(latencies):.1f} ms, max {1000 * max(latencies):.1f} ms; "
        f"{pending} notifications waited in the outbox; after Redis came back, 2 workers "
        f"and a 4x duplicated beat delivered all {sent.count()} exactly once and breached "
        f"{len(overdue)} overdue cases once each in {recovery_seconds:.1f} s"
    )
