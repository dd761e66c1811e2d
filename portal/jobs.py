"""Periodic jobs, one way: a set-based claim of due rows, bisection of a failing batch, and a
heartbeat per job.

Every periodic duty (the escalation sweep, reminders, notices, scans, delivery) is shaped the
same (STYLE.md habit 3):

- :func:`claim` takes the ids of one batch of due rows and owns them until the transaction
  ends: ``select_for_update(skip_locked=True)`` on PostgreSQL, so concurrent runs take
  different rows, and a conditional ``update()`` (the ``stamp``) everywhere, so a row is
  handled once even where there are no row locks (SQLite allows one writer at a time). The
  job then handles the claimed *set* with set-based statements: nothing here loops per row.
- :func:`run_batches` repeats claim-and-handle until nothing is due. When handling a batch
  raises, the batch is rolled back and retried in halves, so one bad row is set aside (and
  logged) while the rest go through; the next run tries it again.
- :func:`heartbeat` records each run (start, end, duration, counts, error) in
  :class:`JobHeartbeat`, which the readiness check reads: a job that has not finished for three
  of its periods is stale.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from .models import JobHeartbeat

logger = logging.getLogger(__name__)

#: A job is stale when it has not finished for this many of its periods.
STALE_AFTER_PERIODS = 3


# --- claiming -------------------------------------------------------------------------------


def claim(
    due: QuerySet,
    *,
    stamp: dict[str, Any] | None = None,
    order_by: Sequence[str] = ("pk",),
    limit: int = 500,
    exclude: Collection[int] = (),
    keyset: Keyset | None = None,
) -> list[int]:
    """Claim up to ``limit`` due rows and return their ids (call inside ``transaction.atomic``).

    ``due`` is the indexed query of what is due. With a ``stamp`` (field values that take a row
    out of ``due``) the claim is also a conditional update: only the rows that still match are
    stamped, and only those ids are returned, so two runs never both own a row. A ``keyset``
    (PostgreSQL, stamped claims) starts the claim after the previous batch's last row.
    """
    qs = due.exclude(pk__in=list(exclude)) if exclude else due
    if settings.IS_POSTGRES and stamp:
        return _claim_and_stamp(qs, stamp=stamp, order_by=order_by, limit=limit, keyset=keyset)
    if settings.IS_POSTGRES:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    # On PostgreSQL the selected rows are now locked by this transaction; on SQLite every
    # transaction is IMMEDIATE (settings), so this one is the only writer until it ends.
    ids = list(qs.order_by(*order_by).values_list("pk", flat=True)[:limit])
    if ids and stamp:
        due.filter(pk__in=ids).update(**stamp)
    return ids


@dataclass
class Keyset:
    """Where a run's previous batch ended, in its ``order_by``: the next claim starts after it.

    Each stamped row leaves the due set but its entry stays in the due index until vacuum, so
    without it every batch would walk the entries of all the batches before it (a run of
    100,000 rows spent half its time there, issue 13). A row that becomes due behind the
    position during the run waits for the next run, as the duties are state-based."""

    after: tuple | None = None


def _keyset_columns(model: type[models.Model], order_by: Sequence[str]) -> list[str] | None:
    """The columns of ``order_by`` when it is ascending fields of the model itself."""
    columns = []
    for name in order_by:
        if name.startswith("-") or "__" in name:
            return None
        try:
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not getattr(field, "column", None):
            return None
        columns.append(field.column)
    return columns


def _after(qs: QuerySet, order_by: Sequence[str], after: tuple) -> QuerySet:
    """The rows of ``qs`` after ``after`` in ``order_by`` (lexicographic), with a range on
    the first field the index can start from."""
    later = Q()
    for i, name in enumerate(order_by):
        later |= Q(**{n: after[j] for j, n in enumerate(order_by[:i])}, **{f"{name}__gt": after[i]})
    return qs.filter(**{f"{order_by[0]}__gte": after[0]}).filter(later)


def _claim_and_stamp(
    qs: QuerySet,
    *,
    stamp: dict[str, Any],
    order_by: Sequence[str],
    limit: int,
    keyset: Keyset | None = None,
) -> list[int]:
    """PostgreSQL: the claim and its stamp in one statement, ``WITH claimed AS MATERIALIZED
    (SELECT pk … ORDER BY … LIMIT n FOR UPDATE SKIP LOCKED) UPDATE … WHERE pk IN (SELECT pk
    FROM claimed) RETURNING pk``. The rows are locked before they are stamped and re-checked
    against ``due`` once locked, so a row another run changed meanwhile is not taken. The
    locking select is a CTE, evaluated once: as a plain ``IN (subquery)`` the planner may scan
    it again for each row and so stamp more than ``limit`` rows."""
    columns = _keyset_columns(qs.model, order_by) if keyset is not None else None
    pool = _after(qs, order_by, keyset.after) if columns and keyset.after is not None else qs
    locked = (
        pool.select_for_update(skip_locked=True, of=("self",))
        .order_by(*order_by)
        .values("pk")[:limit]
    )
    locked_sql, locked_params = locked.query.sql_with_params()
    query = qs.filter(pk__in=RawSQL('SELECT "pk" FROM claimed', ())).query.chain(UpdateQuery)
    query.add_update_values(stamp)
    compiler = query.get_compiler(qs.db)
    sql, params = compiler.as_sql()
    quote = compiler.connection.ops.quote_name
    returning = ", ".join(quote(c) for c in [qs.model._meta.pk.column, *(columns or [])])
    with compiler.connection.cursor() as cursor:
        cursor.execute(
            f"WITH claimed AS MATERIALIZED ({locked_sql}) {sql} RETURNING {returning}",
            (*locked_params, *params),
        )
        rows = cursor.fetchall()
    if columns and rows:
        keyset.after = max(tuple(row[1:]) for row in rows)
    return sorted(row[0] for row in rows)


@dataclass
class BatchRun:
    """What :func:`run_batches` did: ids handled, ids set aside, and the handler's counts."""

    handled: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, counts: dict[str, int] | None) -> None:
        for key, value in (counts or {}).items():
            self.counts[key] = self.counts.get(key, 0) + int(value)


def run_batches(
    *,
    name: str,
    due: Callable[[], QuerySet],
    handle: Callable[[list[int]], dict[str, int] | None],
    stamp: dict[str, Any] | None = None,
    order_by: Sequence[str] = ("pk",),
    batch_size: int = 500,
    max_batches: int = 10_000,
) -> BatchRun:
    """Claim and handle batches of due rows until none is left.

    ``handle(ids)`` runs in the claim's transaction and handles the whole set with set-based
    statements; what it returns (counts) is summed. A batch whose handling raises is retried
    in halves, down to single rows; a row that fails alone is set aside for the next run.
    """
    result = BatchRun()
    keyset = Keyset()
    for _ in range(max_batches):
        try:
            with transaction.atomic():
                ids = claim(
                    due(),
                    stamp=stamp,
                    order_by=order_by,
                    limit=batch_size,
                    exclude=result.failed,
                    keyset=keyset,
                )
                if ids:
                    result.add(handle(ids))
        except Exception:
            logger.exception("%s: a batch failed; retrying it in halves", name)
            ids = _candidates(due(), order_by, batch_size, result.failed)
            _bisect(name, ids, due, handle, stamp, result)
        else:
            result.handled += ids
        if len(ids) < batch_size:
            break
    return result


def _candidates(
    due: QuerySet, order_by: Sequence[str], limit: int, exclude: Collection[int]
) -> list[int]:
    qs = due.exclude(pk__in=list(exclude)) if exclude else due
    return list(qs.order_by(*order_by).values_list("pk", flat=True)[:limit])


def _bisect(
    name: str,
    ids: list[int],
    due: Callable[[], QuerySet],
    handle: Callable[[list[int]], dict[str, int] | None],
    stamp: dict[str, Any] | None,
    result: BatchRun,
) -> None:
    if not ids:
        return
    try:
        with transaction.atomic():
            owned = claim(due().filter(pk__in=ids), stamp=stamp, limit=len(ids))
            if owned:
                result.add(handle(owned))
    except Exception:
        if len(ids) == 1:
            logger.exception("%s: row %s failed; the next run retries it", name, ids[0])
            result.failed.append(ids[0])
            return
        middle = len(ids) // 2
        _bisect(name, ids[:middle], due, handle, stamp, result)
        _bisect(name, ids[middle:], due, handle, stamp, result)
    else:
        result.handled += owned


# --- heartbeat ------------------------------------------------------------------------------


@dataclass
class Run:
    """Handed to the body of :func:`heartbeat`; set ``counts`` to what the run did."""

    name: str
    counts: dict[str, Any] = field(default_factory=dict)


def periodic(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a periodic task: each call is one run of job ``name`` (its beat entry's key),
    recorded by :func:`heartbeat` with the counts the task returns."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def run_job(*args: Any, **kwargs: Any) -> Any:
            with heartbeat(name) as run:
                result = func(*args, **kwargs)
                run.counts = result if isinstance(result, dict) else {"count": result}
            return result

        return run_job

    return decorate


@contextmanager
def heartbeat(name: str, *, now: datetime | None = None) -> Iterator[Run]:
    """Record one run of job ``name``. An error is recorded and re-raised."""
    started = now or timezone.now()
    clock = time.perf_counter()
    run = Run(name=name)
    JobHeartbeat.objects.update_or_create(name=name, defaults={"last_started_at": started})
    try:
        yield run
    except Exception as exc:
        JobHeartbeat.objects.filter(name=name).update(last_error=repr(exc)[:2000])
        raise
    duration = (time.perf_counter() - clock) * 1000
    JobHeartbeat.objects.filter(name=name).update(
        last_finished_at=started + timedelta(milliseconds=duration),
        last_duration_ms=duration,
        last_counts=_jsonable(run.counts),
        last_error="",
        runs=models.F("runs") + 1,
    )


def _jsonable(counts: Any) -> Any:
    if isinstance(counts, dict):
        return {str(k): _jsonable(v) for k, v in counts.items()}
    if isinstance(counts, (list, tuple, set)):
        return len(counts)
    return counts if isinstance(counts, (int, float, str, bool)) or counts is None else str(counts)


def job_period(name: str) -> timedelta | None:
    """The period of a beat entry: its interval, or for a crontab the longest gap its calendar
    fields allow (a month for a monthly duty, a week for a weekly one, else a day divided by its
    runs per day)."""
    entry = settings.CELERY_BEAT_SCHEDULE.get(name)
    if entry is None:
        return None
    schedule = entry["schedule"]
    if isinstance(schedule, (int, float)):
        return timedelta(seconds=float(schedule))
    if isinstance(schedule, timedelta):
        return schedule
    # A celery crontab: the widest of its calendar fields sets the period.
    per_day = len(schedule.hour) * len(schedule.minute)
    if len(schedule.day_of_month) < 31:
        return timedelta(days=31) / (len(schedule.day_of_month) * per_day)
    if len(schedule.day_of_week) < 7:
        return timedelta(days=7) / (len(schedule.day_of_week) * per_day)
    return timedelta(days=1) / max(1, per_day)


@dataclass(frozen=True)
class JobState:
    name: str
    period: timedelta
    last_finished_at: datetime | None
    last_duration_ms: float | None
    last_counts: dict
    last_error: str
    stale: bool


def _installed_at() -> datetime | None:
    """When the last migration was applied: the reference for jobs that never ran."""
    from django.db.migrations.recorder import MigrationRecorder

    return (
        MigrationRecorder.Migration.objects.order_by("-applied")
        .values_list("applied", flat=True)
        .first()
    )


def job_states(*, now: datetime | None = None) -> list[JobState]:
    """Every scheduled job with its last run and whether it is stale: it has not finished for
    three of its periods. A job that never ran counts from the installation (the last applied
    migration), so a fresh installation is not red before beat has had its chance."""
    now = now or timezone.now()
    beats = {hb.name: hb for hb in JobHeartbeat.objects.all()}
    first_seen = _installed_at()
    states = []
    for name in settings.CELERY_BEAT_SCHEDULE:
        period = job_period(name) or timedelta(minutes=1)
        hb = beats.get(name)
        finished = hb.last_finished_at if hb else None
        since = finished or first_seen
        stale = since is None or now - since > STALE_AFTER_PERIODS * period
        states.append(
            JobState(
                name=name,
                period=period,
                last_finished_at=finished,
                last_duration_ms=hb.last_duration_ms if hb else None,
                last_counts=hb.last_counts if hb else {},
                last_error=hb.last_error if hb else "",
                stale=stale,
            )
        )
    return states
