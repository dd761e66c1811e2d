"""Periodic duties: reminders, start/end, reschedule expiry, certificate scan. Set-based,
idempotent, and exactly once when two runs overlap (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import close_old_connections

from maintenance import services
from maintenance.choices import ChangeKind, ChangeStatus, NoticeKind
from maintenance.models import Change, ChangeNotice
from maintenance.windows import window_for_night
from tests.factories import ContactFactory, CustomerFactory, PartnerFactory
from tests.outbox import deliveries, statements

from .factories import CertificateFactory, ChangeFactory

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
WED = window_for_night("EMEA", datetime(2027, 3, 24).date())


def notified_change(partner, customer, *, start=None, kind=ChangeKind.ROUTINE) -> Change:
    start = start or WED.start
    change = ChangeFactory(
        partner=partner,
        customers=[customer],
        kind=kind,
        start=start,
        end=start + timedelta(hours=1),
    )
    return services.change_send_notice(actor=None, change=change, now=NOW)


def reminders_of(change: Change) -> list[str]:
    return list(change.notices.filter(kind=NoticeKind.REMINDER).values_list("event_key", flat=True))


@pytest.mark.django_db
def test_reminders_go_out_72_and_24_hours_before_start_once_each(
    partner_a, customer_a, noc_a
) -> None:
    change = notified_change(partner_a, customer_a)

    assert services.changes_send_due_reminders(now=WED.start - timedelta(hours=73)) == 0
    assert services.changes_send_due_reminders(now=WED.start - timedelta(hours=72)) == 1
    assert services.changes_send_due_reminders(now=WED.start - timedelta(hours=71)) == 0
    assert services.changes_send_due_reminders(now=WED.start - timedelta(hours=24)) == 1
    assert services.changes_send_due_reminders(now=WED.start - timedelta(hours=1)) == 0

    assert len(reminders_of(change)) == 2
    assert sum("reminder" in d.subject for d in deliveries()) == 2


@pytest.mark.django_db
def test_a_late_run_sends_only_the_nearest_reminder(partner_a, customer_a, noc_a) -> None:
    change = notified_change(partner_a, customer_a)

    assert services.changes_send_due_reminders(now=WED.start - timedelta(hours=10)) == 1

    utc_start = WED.start.astimezone(UTC).isoformat()
    assert reminders_of(change) == [f"change:{change.pk}:reminder:24:{utc_start}"]


@pytest.mark.django_db
def test_a_notice_sent_two_days_ahead_skips_the_72_hour_reminder(
    partner_a, customer_a, noc_a
) -> None:
    start = WED.start
    change = ChangeFactory(
        partner=partner_a, customers=[customer_a], start=start, end=start + timedelta(hours=1)
    )
    services.change_send_notice(actor=None, change=change, now=start - timedelta(hours=48))

    assert services.changes_send_due_reminders(now=start - timedelta(hours=47)) == 0
    assert services.changes_send_due_reminders(now=start - timedelta(hours=24)) == 1


@pytest.mark.django_db
def test_reminder_hours_are_configurable(settings, partner_a, customer_a, noc_a) -> None:
    settings.MAINTENANCE_REMINDER_HOURS = [48]
    notified_change(partner_a, customer_a)

    assert services.changes_send_due_reminders(now=WED.start - timedelta(hours=72)) == 0
    assert services.changes_send_due_reminders(now=WED.start - timedelta(hours=48)) == 1


@pytest.mark.django_db
def test_changes_start_and_complete_on_time(partner_a, customer_a, noc_a) -> None:
    change = notified_change(partner_a, customer_a)

    assert services.changes_start_due(now=WED.start - timedelta(seconds=1)) == 0
    assert services.changes_start_due(now=WED.start) == 1
    change.refresh_from_db()
    assert change.status == ChangeStatus.IN_PROGRESS
    assert services.changes_complete_due(now=change.end) == 1
    assert services.changes_complete_due(now=change.end) == 0
    change.refresh_from_db()
    assert change.status == ChangeStatus.COMPLETED
    assert change.notices.filter(kind=NoticeKind.COMPLETED).count() == 1


@pytest.mark.django_db
def test_an_unnotified_service_impacting_change_does_not_start_r_mnt_4(
    partner_a, customer_a
) -> None:
    silent = ChangeFactory(
        partner=partner_a, customers=[customer_a], kind=ChangeKind.SERVICE_IMPACTING
    )
    later = silent.end + timedelta(minutes=30)
    routine = ChangeFactory(
        partner=partner_a, customers=[customer_a], start=later, end=later + timedelta(hours=1)
    )

    services.changes_start_due(now=routine.start)

    silent.refresh_from_db()
    routine.refresh_from_db()
    assert (silent.status, routine.status) == (ChangeStatus.SCHEDULED, ChangeStatus.IN_PROGRESS)


@pytest.mark.django_db
def test_the_reschedule_period_closes_after_three_days_r_mnt_5(partner_a, customer_a) -> None:
    change = notified_change(partner_a, customer_a)

    assert services.changes_close_reschedule_periods(now=NOW + timedelta(days=3)) == 0
    assert services.changes_close_reschedule_periods(now=NOW + timedelta(days=3, seconds=1)) == 1
    change.refresh_from_db()
    assert change.reschedule_open is False


@pytest.mark.django_db
def test_the_tick_is_idempotent(partner_a, customer_a, noc_a) -> None:
    notified_change(partner_a, customer_a)
    moment = WED.start - timedelta(hours=24)

    first = services.maintenance_tick(now=moment)
    second = services.maintenance_tick(now=moment)

    assert first["reminders"] == 1
    assert second == {"reschedule_closed": 0, "reminders": 0, "started": 0, "completed": 0}


@pytest.mark.django_db
def test_r_mnt_4_reminders_constantstatements() -> None:
    """A run writes a batch of reminders (notices, outbox events, level) in the same number of
    statements whether the batch holds 3 changes or 30."""
    moment = WED.start - timedelta(hours=23)
    remind = lambda: services.changes_send_due_reminders(now=moment)  # noqa: E731
    few = _many_notified_changes(3)
    with_few = statements(remind)
    many = _many_notified_changes(30)
    with_many = statements(remind)

    assert with_many == with_few
    assert ChangeNotice.objects.filter(kind=NoticeKind.REMINDER).count() == len(few) + len(many)
    notice = ChangeNotice.objects.get(change=many[-1], kind=NoticeKind.REMINDER)
    assert notice.recipients == 2
    assert notice.event_key == (
        f"change:{many[-1].pk}:reminder:24:{many[-1].start.astimezone(UTC).isoformat()}"
    )
    assert deliveries(dedupe_key=notice.event_key).count() == 2


@pytest.mark.django_db
def test_r_mnt_4_a_reminder_already_on_record_is_not_sent_again(
    partner_a, customer_a, noc_a
) -> None:
    """A change moved back to a start it was already reminded of keeps its one notice."""
    change = notified_change(partner_a, customer_a)
    moment = WED.start - timedelta(hours=23)
    assert services.changes_send_due_reminders(now=moment) == 1
    Change.objects.filter(pk=change.pk).update(reminder_level=None)

    assert services.changes_send_due_reminders(now=moment) == 1

    assert len(reminders_of(change)) == 1
    assert sum("reminder" in d.subject for d in deliveries()) == 1


@pytest.mark.django_db
def test_the_management_commands_run_each_duty_once(partner_a, customer_a, capsys) -> None:
    CertificateFactory(customer=customer_a)

    call_command("maintenance_tick")
    call_command("certificates_scan")

    out = capsys.readouterr().out
    assert "reminders: 0" in out
    assert "created: 1" in out


# --- exactly once under concurrent runs (PostgreSQL) ------------------------------------------


def _run_concurrently(func, runs: int = 2) -> list:
    barrier = threading.Barrier(runs)
    results: list = []
    errors: list = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(func())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def _many_notified_changes(count: int) -> list[Change]:
    changes = []
    for i in range(count):
        partner = PartnerFactory()
        customer = CustomerFactory(partner=partner)
        ContactFactory(partner=partner, categories=["maintenance_and_outages"])
        ContactFactory(partner=partner, customer=customer, categories=["maintenance_and_outages"])
        start = WED.start + timedelta(minutes=i % 300)
        changes.append(notified_change(partner, customer, start=start))
    return changes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_reminder_runs_send_each_reminder_exactly_once() -> None:
    changes = _many_notified_changes(60)
    before = deliveries().count()
    moment = WED.start - timedelta(hours=24)

    results = _run_concurrently(lambda: services.changes_send_due_reminders(now=moment), runs=3)

    assert sum(results) == len(changes)
    assert ChangeNotice.objects.filter(kind=NoticeKind.REMINDER).count() == len(changes)
    assert deliveries().count() - before == 2 * len(changes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_ticks_start_and_complete_each_change_once() -> None:
    changes = _many_notified_changes(40)
    moment = WED.start + timedelta(hours=6)

    results = _run_concurrently(lambda: services.maintenance_tick(now=moment), runs=2)

    assert sum(r["started"] for r in results) == len(changes)
    assert sum(r["completed"] for r in results) == len(changes)
    assert ChangeNotice.objects.filter(kind=NoticeKind.COMPLETED).count() == len(changes)
    assert Change.objects.filter(status=ChangeStatus.COMPLETED).count() == len(changes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_notice_sends_notify_once() -> None:
    partner = PartnerFactory()
    customer = CustomerFactory(partner=partner)
    ContactFactory(partner=partner, categories=["maintenance_and_outages"])
    change = ChangeFactory(
        partner=partner, customers=[customer], start=WED.start, end=WED.start + timedelta(hours=1)
    )

    def send():
        try:
            services.change_send_notice(actor=None, change=change, now=NOW)
            return "sent"
        except Exception as exc:  # noqa: BLE001
            return type(exc).__name__

    results = _run_concurrently(send, runs=2)

    assert sorted(results) == ["DomainError", "sent"]
    assert deliveries(dedupe_key=f"change:{change.pk}:notice").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_certificate_scans_create_one_renewal_each() -> None:
    certificates = [
        CertificateFactory(expires_at=NOW + timedelta(days=9, hours=i)) for i in range(20)
    ]

    results = _run_concurrently(lambda: services.certificates_scan(now=NOW), runs=2)

    assert sum(r["created"] for r in results) == len(certificates)
    assert Change.objects.filter(kind=ChangeKind.CERTIFICATE_RENEWAL).count() == len(certificates)
