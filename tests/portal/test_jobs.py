"""portal/jobs.py: the one claim of periodic jobs, bisection of a failing batch, heartbeats."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from portal import jobs
from portal.choices import NotificationStatus
from portal.models import Delivery, JobHeartbeat, Notification

pytestmark = pytest.mark.django_db


def _rows(n: int) -> list[int]:
    event = Notification.objects.create(kind="legacy", category="cases", dedupe_key="job-test")
    Delivery.objects.bulk_create(
        Delivery(notification=event, recipient=f"r{i}@example.com", language="en")
        for i in range(n)
    )
    return list(Delivery.objects.order_by("pk").values_list("pk", flat=True))


def _due():
    return Delivery.objects.filter(status=NotificationStatus.PENDING)


def _mark_sent(ids: list[int]) -> dict[str, int]:
    return {"sent": Delivery.objects.filter(pk__in=ids).update(sent_at=timezone.now())}


def test_run_batches_handles_every_due_row_once_in_batches() -> None:
    ids = _rows(23)
    seen: list[list[int]] = []

    def handle(batch: list[int]) -> dict[str, int]:
        seen.append(batch)
        return _mark_sent(batch)

    result = jobs.run_batches(
        name="test", due=_due, handle=handle, stamp={"status": NotificationStatus.SENT},
        batch_size=10,
    )
    assert sorted(result.handled) == ids
    assert [len(b) for b in seen] == [10, 10, 3]
    assert result.counts == {"sent": 23}
    assert not _due().exists()
    # Idempotent: a second run finds nothing.
    again = jobs.run_batches(name="test", due=_due, handle=handle, stamp={"status": "sent"})
    assert again.handled == [] and again.counts == {}


def test_one_bad_row_is_set_aside_and_the_rest_go_on() -> None:
    ids = _rows(9)
    poisoned = ids[4]

    def handle(batch: list[int]) -> dict[str, int]:
        if poisoned in batch:
            raise ValueError("corrupt row")
        return _mark_sent(batch)

    result = jobs.run_batches(
        name="test", due=_due, handle=handle, stamp={"status": NotificationStatus.SENT},
        batch_size=8,
    )
    assert result.failed == [poisoned]
    assert sorted(result.handled) == [pk for pk in ids if pk != poisoned]
    assert result.counts == {"sent": 8}
    # The bad row was rolled back: still due, for the next run.
    assert list(_due().values_list("pk", flat=True)) == [poisoned]


def test_the_heartbeat_records_a_run_its_duration_and_counts() -> None:
    now = timezone.now()
    with jobs.heartbeat("cases-escalation-sweep", now=now) as run:
        run.counts = {"breached": [1, 2, 3], "warned": 0}
    beat = JobHeartbeat.objects.get(name="cases-escalation-sweep")
    assert beat.runs == 1 and beat.last_error == ""
    assert beat.last_counts == {"breached": 3, "warned": 0}
    assert beat.last_finished_at >= now and beat.last_duration_ms >= 0


def test_a_failed_run_is_recorded_and_not_counted_as_finished() -> None:
    with pytest.raises(RuntimeError), jobs.heartbeat("maintenance-tick"):
        raise RuntimeError("boom")
    beat = JobHeartbeat.objects.get(name="maintenance-tick")
    assert beat.last_finished_at is None and "boom" in beat.last_error


def test_every_periodic_task_records_its_heartbeat(customer_a) -> None:
    from cases import tasks

    tasks.escalation_sweep.apply().get()
    assert JobHeartbeat.objects.get(name="cases-escalation-sweep").runs == 1


def test_job_periods_follow_the_beat_schedule() -> None:
    assert jobs.job_period("cases-escalation-sweep") == timedelta(minutes=1)
    assert jobs.job_period("contact-review") == timedelta(days=1)
    assert jobs.job_period("no-such-job") is None


def test_monthly_and_weekly_crontabs_have_their_own_periods(settings) -> None:
    from celery.schedules import crontab

    settings.CELERY_BEAT_SCHEDULE = {
        "monthly": {"task": "x", "schedule": crontab(minute=45, hour=4, day_of_month=1)},
        "weekly": {"task": "x", "schedule": crontab(minute=0, hour=3, day_of_week=1)},
        "hourly": {"task": "x", "schedule": crontab(minute=5)},
    }
    assert jobs.job_period("monthly") == timedelta(days=31)
    assert jobs.job_period("weekly") == timedelta(days=7)
    assert jobs.job_period("hourly") == timedelta(hours=1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_claim_each_row_exactly_once() -> None:
    _rows(2000)
    handled: list[int] = []
    errors: list[Exception] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def handle(batch: list[int]) -> dict[str, int]:
        with lock:
            handled.extend(batch)
        return _mark_sent(batch)

    def run() -> None:
        try:
            barrier.wait()
            jobs.run_batches(
                name="test", due=_due, handle=handle,
                stamp={"status": NotificationStatus.SENT}, batch_size=50,
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(handled) == 2000 and len(set(handled)) == 2000
    assert not _due().exists()
