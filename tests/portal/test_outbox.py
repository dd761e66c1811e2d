"""The notification outbox: one event row, fanned out into one delivery per recipient and
channel, exactly once, retried, never lost."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from portal import notifications
from portal.choices import Category, NotificationStatus
from portal.models import Delivery, Notification
from portal.notifications import deliver_due, fan_out, notify
from tests.factories import ContactFactory
from tests.outbox import deliveries

pytestmark = pytest.mark.django_db


def _notify(partner, **kw):
    return notify(
        partner=partner,
        category=Category.CASES,
        kind="legacy",
        context={"subject": "S1 opened", "body": "body"},
        dedupe_key="case:1:opened",
        **kw,
    )


def test_it_writes_one_event_and_one_delivery_per_subscribed_contact_once(partner_a, contact_a):
    ContactFactory(partner=partner_a, email="cap@acme.example", categories=[Category.CAPACITY])
    assert _notify(partner_a, operator_emails=["oncall@operator.example"]) == 1
    assert _notify(partner_a, operator_emails=["oncall@operator.example"]) == 0
    assert Notification.objects.count() == 1
    assert sorted(deliveries().values_list("recipient", flat=True)) == [
        "noc@acme.example",
        "oncall@operator.example",
    ]
    assert fan_out() == 0  # a second fan-out writes nothing
    assert Delivery.objects.count() == 2


def test_recipients_are_resolved_at_fan_out_not_when_the_event_happens(partner_a):
    _notify(partner_a)
    ContactFactory(partner=partner_a, email="late@acme.example", categories=[Category.CASES])
    assert list(deliveries().values_list("recipient", flat=True)) == ["late@acme.example"]


def test_rows_vanish_with_a_rolled_back_transaction(partner_a, contact_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify(partner_a)
        raise RuntimeError("the change failed")
    assert Notification.objects.count() == 0


def test_delivery_sends_and_marks_sent(partner_a, contact_a):
    _notify(partner_a)
    assert deliver_due() == {"sent": 1, "failed": 0}
    row = Delivery.objects.get()
    assert row.status == NotificationStatus.SENT and row.sent_at and row.attempts == 1
    assert mail.outbox[0].subject == "S1 opened"
    assert mail.outbox[0].alternatives[0].mimetype == "text/html"
    assert deliver_due() == {"sent": 0, "failed": 0}


def _failing_send(recipients=None, error="smtp down"):
    real = notifications.EmailMultiAlternatives.send

    def send(self, *args, **kwargs):
        if recipients is None or self.to[0] in recipients:
            raise OSError(error)
        return real(self, *args, **kwargs)

    return mock.patch.object(notifications.EmailMultiAlternatives, "send", send)


def test_a_failure_is_retried_with_backoff_and_not_lost(partner_a, contact_a):
    _notify(partner_a)
    with _failing_send():
        assert deliver_due() == {"sent": 0, "failed": 1}
    row = Delivery.objects.get()
    assert row.status == NotificationStatus.PENDING and "smtp down" in row.last_error
    assert row.next_attempt_at > timezone.now()
    assert deliver_due() == {"sent": 0, "failed": 0}  # not due yet
    assert deliver_due(now=timezone.now() + timedelta(hours=2)) == {"sent": 1, "failed": 0}


def test_one_bad_row_does_not_stop_the_others(partner_a, contact_a):
    ContactFactory(partner=partner_a, email="second@acme.example", categories=[Category.CASES])
    _notify(partner_a)
    with _failing_send({"noc@acme.example"}, "mailbox full"):
        assert deliver_due() == {"sent": 1, "failed": 1}


def test_it_gives_up_after_max_attempts_and_flags_the_contact(settings, partner_a, contact_a):
    """R-NOT-3: a contact whose messages fail for good shows in the contact review."""
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    _notify(partner_a)
    later = timezone.now()
    with _failing_send(error="no"):
        for _ in range(2):
            later += timedelta(days=1)
            deliver_due(now=later)
    assert Delivery.objects.get().status == NotificationStatus.FAILED
    contact_a.refresh_from_db()
    assert contact_a.delivery_failing_since == later
    # staff retry through the service; a delivered message clears the flag
    assert notifications.notification_retry(ids=[Delivery.objects.get().pk], now=later) == 1
    assert deliver_due(now=later) == {"sent": 1, "failed": 0}
    contact_a.refresh_from_db()
    assert contact_a.delivery_failing_since is None


def test_a_worker_killed_mid_batch_loses_nothing(settings, partner_a, contact_a):
    """The claim is a lease: rows a dead worker claimed are due again once it expires."""
    settings.NOTIFICATION_LEASE_SECONDS = 300
    _notify(partner_a)
    fan_out()
    now = timezone.now()
    with transaction.atomic():  # a worker claims, then dies before sending anything
        claimed = notifications.jobs.claim(
            notifications._due_deliveries(now),
            stamp={"next_attempt_at": now + timedelta(seconds=300)},
        )
    assert claimed
    assert deliver_due(now=now) == {"sent": 0, "failed": 0}  # still leased
    assert deliver_due(now=now + timedelta(seconds=301)) == {"sent": 1, "failed": 0}
    assert len(mail.outbox) == 1


def test_a_worker_killed_mid_batch_resends_at_most_the_unrecorded_messages(
    settings, partner_a, monkeypatch
):
    """Sent rows are recorded every NOTIFICATION_RECORD_EVERY messages: a worker that dies
    after 23 sends of a batch of 30 has recorded 20; after its lease only the 3 it sent since
    and the 7 it never sent go out again."""
    settings.NOTIFICATION_RECORD_EVERY = 10
    settings.NOTIFICATION_LEASE_SECONDS = 300
    for n in range(30):
        ContactFactory(partner=partner_a, email=f"c{n}@acme.example", categories=[Category.CASES])
    _notify(partner_a)
    fan_out()
    real_send = mail.EmailMultiAlternatives.send
    calls = []

    def send(message, *args, **kwargs):
        if len(calls) == 23:
            raise SystemExit("the worker is killed")  # not an Exception: nothing catches it
        calls.append(message.to[0])
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", send)
    now = timezone.now()
    with pytest.raises(SystemExit):
        deliver_due(now=now, batch_size=30)
    assert Delivery.objects.filter(status=NotificationStatus.SENT).count() == 20
    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", real_send)
    assert deliver_due(now=now) == {"sent": 0, "failed": 0}  # still leased
    assert deliver_due(now=now + timedelta(seconds=301)) == {"sent": 10, "failed": 0}
    assert Delivery.objects.filter(status=NotificationStatus.SENT).count() == 30


def test_a_batch_shares_one_smtp_connection(partner_a, contact_a):
    for n in range(5):
        ContactFactory(partner=partner_a, email=f"c{n}@acme.example", categories=[Category.CASES])
    _notify(partner_a)
    with mock.patch(
        "portal.notifications.get_connection", wraps=notifications.get_connection
    ) as spy:
        assert deliver_due() == {"sent": 6, "failed": 0}
    assert spy.call_count == 1


def test_a_broker_outage_never_breaks_the_write(
    partner_a, contact_a, django_capture_on_commit_callbacks
):
    with mock.patch(
        "portal.tasks.deliver_notifications.apply_async", side_effect=ConnectionError("broker down")
    ):
        with django_capture_on_commit_callbacks(execute=True):
            assert _notify(partner_a) == 1
    assert Notification.objects.get().fanned_out_at is None
    assert deliver_due() == {"sent": 1, "failed": 0}  # the periodic task picks it up


def test_a_title_with_newlines_still_makes_a_one_line_subject_that_is_delivered(partner_a):
    """Security review: a newline in a partner's title must not block the e-mail for good."""
    notify(
        partner=None,
        category="cases",
        kind="legacy",
        context={"subject": "Case: first line\r\nBcc: victim@example.com\nthird", "body": "body"},
        dedupe_key="newline-subject",
        operator_emails=["oncall@example.com"],
    )
    [row] = deliveries(dedupe_key="newline-subject")
    assert row.subject == "Case: first line Bcc: victim@example.com third"
    assert deliver_due() == {"sent": 1, "failed": 0}
    assert mail.outbox[-1].subject == row.subject
    assert "Bcc" not in mail.outbox[-1].extra_headers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_delivery_exactly_once(partner_a):
    """Skip-locked claims: concurrent workers take different batches, none sends twice."""
    import threading

    from django.db import connection

    ContactFactory.create_batch(
        300, partner=partner_a, categories=[Category.CASES]
    )  # distinct addresses from the factory's sequence
    _notify(partner_a)
    fan_out()
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(deliver_due(batch_size=50))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["sent"] for r in results) == 300
    assert len(mail.outbox) == 300 and len({m.to[0] for m in mail.outbox}) == 300
    assert Delivery.objects.filter(status=NotificationStatus.SENT).count() == 300


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_concurrent_writer_of_the_same_event_wins_and_the_other_is_told_nothing_was_written(
    partner_a,
):
    """The outbox write is one INSERT … ON CONFLICT DO NOTHING: while a first writer's
    transaction holds the event uncommitted, a second writer's insert waits for it and then
    writes nothing, and says so (0), so its caller records no second "notified"."""
    import threading

    from django.db import connection

    first_wrote = threading.Event()
    second_started = threading.Event()
    results = {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = _notify(partner_a)
                first_wrote.set()
                second_started.wait(10)
                # Commit once the second writer waits on this event's row (its insert).
                with connection.cursor() as cursor:
                    for _ in range(100_000):
                        # A lock that waits on this transaction (pg_locks is live;
                        # pg_stat_activity is a snapshot per transaction).
                        cursor.execute(
                            "SELECT count(*) FROM pg_locks WHERE NOT granted"
                            " AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
                        )
                        if cursor.fetchone()[0]:
                            break
        finally:
            connection.close()

    def second():
        try:
            first_wrote.wait(10)
            second_started.set()
            with transaction.atomic():
                results["second"] = _notify(partner_a)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"first": 1, "second": 0}
    assert Notification.objects.filter(dedupe_key="case:1:opened").count() == 1
