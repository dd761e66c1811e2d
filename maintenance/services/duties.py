"""Periodic change duties: reminders, start and end of changes, the end of reschedule periods.

Each claims its due rows through ``portal.jobs`` and changes them in the same transaction as
the notices it sends, so every duty is exactly-once per row and contact.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import jobs
from portal.models import Customer

from .. import rules
from ..choices import (
    ChangeStatus,
    NoticeKind,
)
from ..models import (
    Change,
)
from ._common import BATCH_SIZE, ChangeMessage, _send_many, _stamp, reminder_hours
from .changes import change_complete

# --- periodic duties ---------------------------------------------------------------------------


def changes_send_due_reminders(*, now: datetime | None = None) -> int:
    """Reminders before start (default 72 h and 24 h, R-MNT-4). Exactly once per reminder
    and contact: a batch is claimed (``portal.jobs``), its reminder level moved by the claim's
    stamp, and the batch's notices written in the same transaction, in the same number of
    statements whatever its size (``_send_many``); concurrent runs skip claimed rows.
    A batch that fails is retried in halves, so a failing row is rolled back alone, logged and
    left for the next run (no larger reminder goes out for it meanwhile)."""
    now = now or timezone.now()
    sent = 0
    failed: list[int] = []
    for hours in reminder_hours():  # smallest first: a late run sends only the nearest one

        def due(hours: int = hours, failed: list[int] = failed) -> QuerySet:
            return (
                Change.objects.filter(
                    status=ChangeStatus.NOTIFIED,
                    start__gt=now,
                    start__lte=now + timedelta(hours=hours),
                )
                .exclude(reminder_level__lte=hours)
                .exclude(pk__in=failed)
            )

        def remind(ids: list[int], hours: int = hours) -> dict[str, int]:
            # The batch's notices in a constant number of statements (``_send_many``).
            changes = (
                Change.objects.filter(pk__in=ids)
                .prefetch_related(Prefetch("customers", queryset=Customer.objects.order_by("name")))
                .order_by("pk")
            )
            _send_many(
                [
                    ChangeMessage(
                        change,
                        list(change.customers.all()),
                        f"change:{change.pk}:reminder:{hours}:{_stamp(change.start)}",
                        values={"hours": hours},
                    )
                    for change in changes
                ],
                kind=NoticeKind.REMINDER,
                headline=_("Maintenance reminder: starts in %(hours)s hours") % {"hours": hours},
                message="change.reminder",
                now=now,
            )
            return {"sent": len(ids)}

        run = jobs.run_batches(
            name=f"maintenance reminders ({hours} h)",
            due=due,
            handle=remind,
            stamp={"reminder_level": hours},
            batch_size=BATCH_SIZE,
        )
        sent += len(run.handled)
        failed.extend(run.failed)
    return sent


def changes_start_due(*, now: datetime | None = None) -> int:
    """Notified changes (and scheduled ones whose kind needs no notice) whose start has come
    are in progress. Service-impacting changes never notified are left for staff (R-MNT-4).
    The claim's stamp is the whole duty: one update per batch."""
    now = now or timezone.now()
    run = jobs.run_batches(
        name="maintenance start of changes",
        due=lambda: Change.objects.filter(
            status__in=rules.PLANNED_STATUSES, start__lte=now
        ).exclude(status=ChangeStatus.SCHEDULED, kind__in=rules.NOTICE_RULE_KINDS),
        handle=lambda ids: None,
        stamp={"status": ChangeStatus.IN_PROGRESS, "started_at": now, "reschedule_open": False},
        batch_size=BATCH_SIZE,
    )
    return len(run.handled)


def changes_complete_due(*, now: datetime | None = None) -> int:
    """Changes in progress whose end has passed are completed (with notice and signal).
    A completion that fails (e.g. a signal receiver) is rolled back alone and logged: the
    batch is retried in halves and the failing change left for the next run."""
    now = now or timezone.now()

    def complete(ids: list[int]) -> dict[str, int]:
        for change in Change.objects.filter(pk__in=ids).order_by("pk"):
            change_complete(actor=None, change=change, now=now)
        return {"completed": len(ids)}

    run = jobs.run_batches(
        name="maintenance end of changes",
        due=lambda: Change.objects.filter(status=ChangeStatus.IN_PROGRESS, end__lte=now),
        handle=complete,
        batch_size=BATCH_SIZE,
    )
    return len(run.handled)


def changes_close_reschedule_periods(*, now: datetime | None = None) -> int:
    """R-MNT-5: the reschedule period ends 3 calendar days after the notice. The claim's stamp
    closes a batch in one update."""
    now = now or timezone.now()
    run = jobs.run_batches(
        name="maintenance reschedule periods",
        due=lambda: Change.objects.filter(reschedule_open=True, reschedule_deadline__lt=now),
        handle=lambda ids: None,
        stamp={"reschedule_open": False},
        batch_size=BATCH_SIZE,
    )
    return len(run.handled)


def maintenance_tick(*, now: datetime | None = None) -> dict[str, int]:
    """Every periodic change duty once, in order."""
    now = now or timezone.now()
    return {
        "reschedule_closed": changes_close_reschedule_periods(now=now),
        "reminders": changes_send_due_reminders(now=now),
        "started": changes_start_due(now=now),
        "completed": changes_complete_due(now=now),
    }
