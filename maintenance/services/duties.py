"""Periodic change duties: reminders, start and end of changes, the end of reschedule periods.

Each claims its due rows through ``portal.jobs`` and changes them in the same transaction as
the notices it sends, so every duty is exactly-once per row and contact.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import rules
from ..choices import (
    ChangeStatus,
    NoticeKind,
)
from ..models import (
    Change,
)
from ._common import BATCH_SIZE, _send, _stamp, logger, reminder_hours
from .changes import change_complete

# --- periodic duties ---------------------------------------------------------------------------


def _claim(qs: QuerySet, limit: int = BATCH_SIZE) -> list[int]:
    """Ids of due rows this run owns until commit (call inside transaction.atomic)."""
    if settings.IS_POSTGRES:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs.order_by("pk").values_list("pk", flat=True)[:limit])


def changes_send_due_reminders(*, now: datetime | None = None) -> int:
    """Reminders before start (default 72 h and 24 h, R-MNT-4). Exactly once per reminder
    and contact: the row is claimed, its reminder level moved, and the notice written in one
    transaction; concurrent runs skip claimed rows. A row that fails is rolled back alone
    (savepoint), logged and left for the next run, so it cannot stop the others."""
    now = now or timezone.now()
    sent = 0
    failed: set[int] = set()
    for hours in reminder_hours():  # smallest first: a late run sends only the nearest one
        while True:
            with transaction.atomic():
                due = (
                    Change.objects.filter(
                        status=ChangeStatus.NOTIFIED,
                        start__gt=now,
                        start__lte=now + timedelta(hours=hours),
                    )
                    .exclude(reminder_level__lte=hours)
                    .exclude(pk__in=failed)
                )
                ids = _claim(due)
                if not ids:
                    break
                for change in Change.objects.filter(pk__in=ids).select_related("partner"):
                    try:
                        with transaction.atomic():
                            Change.objects.filter(pk=change.pk).update(reminder_level=hours)
                            _send(
                                change,
                                kind=NoticeKind.REMINDER,
                                event_key=(
                                    f"change:{change.pk}:reminder:{hours}:{_stamp(change.start)}"
                                ),
                                headline=_("Maintenance reminder: starts in %(hours)s hours")
                                % {"hours": hours},
                                now=now,
                            )
                    except Exception:
                        logger.exception("reminder for change %s failed", change.pk)
                        failed.add(change.pk)
                    else:
                        sent += 1
    return sent


def changes_start_due(*, now: datetime | None = None) -> int:
    """Notified changes (and scheduled ones whose kind needs no notice) whose start has come
    are in progress. Service-impacting changes never notified are left for staff (R-MNT-4)."""
    now = now or timezone.now()
    started = 0
    while True:
        with transaction.atomic():
            due = Change.objects.filter(
                status__in=rules.PLANNED_STATUSES, start__lte=now
            ).exclude(status=ChangeStatus.SCHEDULED, kind__in=rules.NOTICE_RULE_KINDS)
            ids = _claim(due)
            if not ids:
                return started
            started += Change.objects.filter(pk__in=ids).update(
                status=ChangeStatus.IN_PROGRESS, started_at=now, reschedule_open=False
            )


def changes_complete_due(*, now: datetime | None = None) -> int:
    """Changes in progress whose end has passed are completed (with notice and signal).
    A completion that fails (e.g. a signal receiver) is rolled back alone and logged."""
    now = now or timezone.now()
    done = 0
    failed: set[int] = set()
    while True:
        with transaction.atomic():
            ids = _claim(
                Change.objects.filter(status=ChangeStatus.IN_PROGRESS, end__lte=now).exclude(
                    pk__in=failed
                )
            )
            if not ids:
                return done
            for change in Change.objects.filter(pk__in=ids):
                try:
                    change_complete(actor=None, change=change, now=now)
                except Exception:
                    logger.exception("completing change %s failed", change.pk)
                    failed.add(change.pk)
                else:
                    done += 1


def changes_close_reschedule_periods(*, now: datetime | None = None) -> int:
    """R-MNT-5: the reschedule period ends 3 calendar days after the notice. One update."""
    now = now or timezone.now()
    return Change.objects.filter(reschedule_open=True, reschedule_deadline__lt=now).update(
        reschedule_open=False
    )


def maintenance_tick(*, now: datetime | None = None) -> dict[str, int]:
    """Every periodic change duty once, in order."""
    now = now or timezone.now()
    return {
        "reschedule_closed": changes_close_reschedule_periods(now=now),
        "reminders": changes_send_due_reminders(now=now),
        "started": changes_start_due(now=now),
        "completed": changes_complete_due(now=now),
    }
