"""The notification outbox: exactly once per event and recipient, retried, never lost."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from portal.choices import Category, NotificationStatus
from portal.models import Notification
from portal.notifications import deliver_due, notify
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def _notify(partner, **kw):
    return notify(
        partner=partner,
        category=Category.CASES,
        subject="S1 opened",
        body="body",
        dedupe_key="case:1:opened",
        **kw,
    )


def test_it_writes_one_row_per_subscribed_contact_once(partner_a, contact_a):
    ContactFactory(partner=partner_a, email="cap@acme.example", categories=[Category.CAPACITY])
    assert _notify(partner_a, extra_emails=["oncall@operator.example"]) == 2
    assert _notify(partner_a, extra_emails=["oncall@operator.example"]) == 0
    assert sorted(Notification.objects.values_list("recipient", flat=True)) == [
        "noc@acme.example",
        "oncall@operator.example",
    ]


def test_rows_vanish_with_a_rolled_back_transaction(partner_a, contact_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify(partner_a)
        raise RuntimeError("the change failed")
    assert Notification.objects.count() == 0


def test_delivery_sends_and_marks_sent(partner_a, contact_a):
    _notify(partner_a)
    assert deliver_due() == {"sent": 1, "failed": 0}
    row = Notification.objects.get()
    assert row.status == NotificationStatus.SENT and row.sent_at and row.attempts == 1
    assert mail.outbox[0].subject == "S1 opened"
    assert deliver_due() == {"sent": 0, "failed": 0}


def test_a_failure_is_retried_with_backoff_and_not_lost(partner_a, contact_a):
    _notify(partner_a)
    with mock.patch("portal.notifications.send_mail", side_effect=OSError("smtp down")):
        assert deliver_due() == {"sent": 0, "failed": 1}
    row = Notification.objects.get()
    assert row.status == NotificationStatus.PENDING and "smtp down" in row.last_error
    assert row.next_attempt_at > timezone.now()
    assert deliver_due() == {"sent": 0, "failed": 0}  # not due yet
    assert deliver_due(now=timezone.now() + timedelta(hours=2)) == {"sent": 1, "failed": 0}


def test_one_bad_row_does_not_stop_the_others(partner_a, contact_a):
    ContactFactory(partner=partner_a, email="second@acme.example", categories=[Category.CASES])
    _notify(partner_a)
    real = __import__("django.core.mail", fromlist=["send_mail"]).send_mail

    def flaky(subject, body, sender, to):
        if to == ["noc@acme.example"]:
            raise OSError("mailbox full")
        return real(subject, body, sender, to)

    with mock.patch("portal.notifications.send_mail", side_effect=flaky):
        assert deliver_due() == {"sent": 1, "failed": 1}


def test_it_gives_up_after_max_attempts(settings, partner_a, contact_a):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    _notify(partner_a)
    later = timezone.now()
    with mock.patch("portal.notifications.send_mail", side_effect=OSError("no")):
        for _ in range(2):
            later += timedelta(days=1)
            deliver_due(now=later)
    assert Notification.objects.get().status == NotificationStatus.FAILED


def test_a_broker_outage_never_breaks_the_write(
    partner_a, contact_a, django_capture_on_commit_callbacks
):
    with mock.patch(
        "portal.tasks.deliver_notifications.apply_async", side_effect=ConnectionError("broker down")
    ):
        with django_capture_on_commit_callbacks(execute=True):
            assert _notify(partner_a) == 1
    assert Notification.objects.get().status == NotificationStatus.PENDING


def test_a_title_with_newlines_still_makes_a_one_line_subject_that_is_delivered(partner_a):
    """Security review: a newline in a partner's title must not block the e-mail for good."""
    notify(
        partner=None,
        category="cases",
        subject="Case: first line\r\nBcc: victim@example.com\nthird",
        body="body",
        dedupe_key="newline-subject",
        extra_emails=["oncall@example.com"],
    )
    row = Notification.objects.get(dedupe_key="newline-subject")
    assert row.subject == "Case: first line Bcc: victim@example.com third"
    assert deliver_due() == {"sent": 1, "failed": 0}
    assert mail.outbox[-1].subject == row.subject
    assert "Bcc" not in mail.outbox[-1].extra_headers
