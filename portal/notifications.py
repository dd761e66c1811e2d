"""The notification outbox (R-NOT-1, R-NOT-2).

``notify`` writes rows inside the caller's transaction; ``deliver_due`` sends them. A unique
(event key, recipient) pair makes every notification exactly-once, however many times the
event's job runs or however many workers run it at the same time.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from . import jobs
from .celery import app
from .choices import NotificationStatus
from .models import Contact, Customer, Notification, Partner, Subscription

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
DELIVER_TASK = "portal.tasks.deliver_notifications"


@dataclass(frozen=True)
class Message:
    """One event to tell a partner's subscribed contacts (and extra addresses) about."""

    partner_id: int | None
    category: str
    subject: str
    body: str
    dedupe_key: str
    related: models.Model | None = None
    customer_id: int | None = None
    extra_emails: tuple[str, ...] = field(default=())


def one_line(text: object, *, limit: int = 250) -> str:
    """A subject is one line by construction: any run of whitespace (newlines a partner typed
    in a title included) becomes one space, so no e-mail header can be refused for it."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def recipients_for(
    *, partner: Partner | int, category: str, customer: Customer | int | None = None
) -> models.QuerySet:
    """Contacts of ``partner`` subscribed to ``category``: the partner-wide ones plus, when a
    customer is named, that customer's own."""
    partner_id = partner if isinstance(partner, int) else partner.pk
    scope = Q(customer__isnull=True)
    if customer is not None:
        scope |= Q(customer_id=customer if isinstance(customer, int) else customer.pk)
    return Contact.objects.filter(
        scope, partner_id=partner_id, subscriptions__category=category
    ).distinct()


def notify(
    *,
    partner: Partner | None,
    category: str,
    subject: str,
    body: str,
    dedupe_key: str,
    related: models.Model | None = None,
    customer: Customer | int | None = None,
    extra_emails: Iterable[str] = (),
) -> int:
    """Queue one notification per recipient; returns how many new rows were written.

    Call it inside the transaction of the change that causes it. Rows that already exist for
    the same event and recipient are skipped, so calling it twice sends nothing twice.
    """
    customer_id = customer.pk if isinstance(customer, Customer) else customer
    return notify_many(
        [
            Message(
                partner_id=partner.pk if partner is not None else None,
                category=category,
                subject=subject,
                body=body,
                dedupe_key=dedupe_key,
                related=related,
                customer_id=customer_id,
                extra_emails=tuple(extra_emails),
            )
        ]
    )


def notify_many(messages: Sequence[Message]) -> int:
    """Queue many events at once, set-based: one query finds every recipient, one finds the
    rows that already exist, one inserts the rest. Periodic jobs use it for whole batches.
    Returns how many rows were written."""
    return sum(notify_many_written(messages).values())


def notify_many_written(messages: Sequence[Message]) -> dict[str, int]:
    """:func:`notify_many`, answering per event (dedupe key) how many rows were written now,
    so a caller records "notified" only for the events that really were."""
    if not messages:
        return {}
    partner_ids = {m.partner_id for m in messages if m.partner_id is not None}
    categories = {m.category for m in messages}
    subscribed: dict[tuple[int, str], list[tuple[int, int | None, str]]] = defaultdict(list)
    if partner_ids:
        found = Subscription.objects.filter(
            contact__partner_id__in=partner_ids, category__in=categories
        ).values_list(
            "contact__partner_id",
            "category",
            "contact_id",
            "contact__customer_id",
            "contact__email",
        )
        for partner_id, category, contact_id, customer_id, email in found:
            subscribed[(partner_id, category)].append((contact_id, customer_id, email.lower()))
    rows: dict[tuple[str, str], Notification] = {}
    for message in messages:
        content_type = (
            ContentType.objects.get_for_model(message.related)
            if message.related is not None
            else None
        )
        object_id = str(message.related.pk) if message.related is not None else ""
        wanted: dict[str, int | None] = {}
        for contact_id, customer_id, email in sorted(
            subscribed.get((message.partner_id, message.category), [])
        ):
            if customer_id is None or customer_id == message.customer_id:
                wanted.setdefault(email, contact_id)
        for email in message.extra_emails:
            if email:
                wanted.setdefault(email.lower(), None)
        key = message.dedupe_key[:200]
        for email, contact_id in wanted.items():
            rows.setdefault(
                (key, email),
                Notification(
                    partner_id=message.partner_id,
                    contact_id=contact_id,
                    recipient=email,
                    category=message.category,
                    subject=one_line(message.subject, limit=250),
                    body=str(message.body),
                    dedupe_key=key,
                    content_type=content_type,
                    object_id=object_id,
                ),
            )
    if not rows:
        return {}
    existing = set(
        Notification.objects.filter(dedupe_key__in={k for k, _ in rows}).values_list(
            "dedupe_key", "recipient"
        )
    )
    new = [row for pair, row in rows.items() if pair not in existing]
    # ignore_conflicts: a concurrent writer of the same event wins the race, we skip quietly.
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        transaction.on_commit(enqueue_delivery)
    written: dict[str, int] = defaultdict(int)
    for row in new:
        written[row.dedupe_key] += 1
    return dict(written)


def enqueue_delivery() -> None:
    """Ask a worker to deliver now. If the broker is unreachable the rows simply wait for the
    periodic delivery task; opening a case must never fail because the broker is down."""
    try:
        # By name: the task module imports this one, not the other way round.
        app.tasks[DELIVER_TASK].apply_async(retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker failure leaves the rows pending
        logger.warning("broker unavailable, notifications stay in the outbox: %s", exc)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def deliver_due(*, now=None, limit_batches: int = 50) -> dict[str, int]:
    """Send every pending notification that is due. Returns counts of sent and failed."""
    now = now or timezone.now()
    sent = failed = 0
    for _ in range(limit_batches):
        # portal.jobs claims a batch (rows locked by another worker are skipped on
        # PostgreSQL); the stamp pushes each row forward, so a crash mid-send retries it
        # later, and only one worker owns a row. Each row is one e-mail, sent one by one.
        with transaction.atomic():
            ids = jobs.claim(
                Notification.objects.filter(
                    status=NotificationStatus.PENDING, next_attempt_at__lte=now
                ),
                stamp={
                    "next_attempt_at": now + timedelta(minutes=5),
                    "attempts": models.F("attempts") + 1,
                },
                order_by=("next_attempt_at", "pk"),
                limit=BATCH_SIZE,
            )
        if not ids:
            break
        for row in Notification.objects.filter(id__in=ids, status=NotificationStatus.PENDING):
            try:
                send_mail(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.recipient])
            except Exception as exc:  # noqa: BLE001 - one bad row must not stop the rest
                final = row.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
                Notification.objects.filter(pk=row.pk).update(
                    status=NotificationStatus.FAILED if final else NotificationStatus.PENDING,
                    next_attempt_at=now + _backoff(row.attempts),
                    last_error=str(exc)[:2000],
                )
                failed += 1
                logger.warning("notification %s failed (attempt %s): %s", row.pk, row.attempts, exc)
            else:
                Notification.objects.filter(pk=row.pk).update(
                    status=NotificationStatus.SENT, sent_at=now, last_error=""
                )
                sent += 1
    return {"sent": sent, "failed": failed}


def notification_retry(*, ids: Iterable[int], now: datetime | None = None) -> int:
    """Staff: put failed rows back in the queue."""
    return (
        Notification.objects.filter(id__in=list(ids))
        .exclude(status=NotificationStatus.SENT)
        .update(status=NotificationStatus.PENDING, next_attempt_at=now or timezone.now())
    )
