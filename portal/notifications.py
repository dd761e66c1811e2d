"""The notification outbox (R-NOT-1, R-NOT-2).

``notify`` writes rows inside the caller's transaction; ``deliver_due`` sends them. A unique
(event key, recipient) pair makes every notification exactly-once, however many times the
event's job runs or however many workers run it at the same time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from .choices import NotificationStatus
from .models import Contact, Customer, Notification, Partner

logger = logging.getLogger(__name__)

BATCH_SIZE = 200


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
    rows: dict[str, Notification] = {}
    content_type = ContentType.objects.get_for_model(related) if related is not None else None
    object_id = str(related.pk) if related is not None else ""
    if partner is not None:
        for contact in recipients_for(partner=partner, category=category, customer=customer).only(
            "id", "email"
        ):
            rows.setdefault(
                contact.email.lower(),
                Notification(contact_id=contact.pk, recipient=contact.email.lower()),
            )
    for email in extra_emails:
        if email:
            rows.setdefault(email.lower(), Notification(recipient=email.lower()))
    if not rows:
        return 0
    keys = list(rows)
    existing = set(
        Notification.objects.filter(dedupe_key=dedupe_key, recipient__in=keys).values_list(
            "recipient", flat=True
        )
    )
    new = []
    for email, row in rows.items():
        if email in existing:
            continue
        row.partner = partner
        row.category = category
        row.subject = str(subject)[:250]
        row.body = str(body)
        row.dedupe_key = dedupe_key[:200]
        row.content_type = content_type
        row.object_id = object_id
        new.append(row)
    # ignore_conflicts: a concurrent writer of the same event wins the race, we skip quietly.
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        transaction.on_commit(enqueue_delivery)
    return len(new)


def enqueue_delivery() -> None:
    """Ask a worker to deliver now. If the broker is unreachable the rows simply wait for the
    periodic delivery task; opening a case must never fail because the broker is down."""
    from .tasks import deliver_notifications

    try:
        deliver_notifications.apply_async(retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker failure leaves the rows pending
        logger.warning("broker unavailable, notifications stay in the outbox: %s", exc)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def _claim_batch(now) -> list[int]:
    """Claim up to BATCH_SIZE due rows. On PostgreSQL rows locked by another worker are
    skipped; each claimed row is pushed forward so a crash mid-send retries it later, and a
    conditional update guarantees that only one worker owns a row."""
    with transaction.atomic():
        qs = Notification.objects.filter(
            status=NotificationStatus.PENDING, next_attempt_at__lte=now
        )
        if settings.IS_POSTGRES:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.order_by("next_attempt_at").values_list("id", flat=True)[:BATCH_SIZE])
        if ids:
            Notification.objects.filter(id__in=ids).update(
                next_attempt_at=now + timedelta(minutes=5), attempts=models.F("attempts") + 1
            )
    return ids


def deliver_due(*, now=None, limit_batches: int = 50) -> dict[str, int]:
    """Send every pending notification that is due. Returns counts of sent and failed."""
    now = now or timezone.now()
    sent = failed = 0
    for _ in range(limit_batches):
        ids = _claim_batch(now)
        if not ids:
            break
        for row in Notification.objects.filter(id__in=ids, status=NotificationStatus.PENDING):
            try:
                send_mail(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.recipient])
            except Exception as exc:  # noqa: BLE001 - one bad row must not stop the rest
                final = row.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
                Notification.objects.filter(pk=row.pk).update(
                    status=NotificationStatus.FAILED if final else NotificationStatus.PENDING,
                    next_attempt_at=timezone.now() + _backoff(row.attempts),
                    last_error=str(exc)[:2000],
                )
                failed += 1
                logger.warning("notification %s failed (attempt %s): %s", row.pk, row.attempts, exc)
            else:
                Notification.objects.filter(pk=row.pk).update(
                    status=NotificationStatus.SENT, sent_at=timezone.now(), last_error=""
                )
                sent += 1
    return {"sent": sent, "failed": failed}


def notification_retry(*, ids: Iterable[int]) -> int:
    """Staff: put failed rows back in the queue."""
    return (
        Notification.objects.filter(id__in=list(ids))
        .exclude(status=NotificationStatus.SENT)
        .update(status=NotificationStatus.PENDING, next_attempt_at=timezone.now())
    )
