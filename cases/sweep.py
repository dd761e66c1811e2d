"""The periodic duties of cases: the escalation sweep (R-CASE-10), overdue action plans
(R-CASE-9) and the end of monitoring periods (R-CASE-12).

Each is state-based: one indexed query finds what is due *now*, so missed ticks or a broker
outage heal on the next run. Rows are claimed through :mod:`portal.jobs` (skip-locked on
PostgreSQL, the claim's stamp takes them out of the due set), so concurrent runs never handle
a case twice; the timeline events and the outbox rows are written in the claim's transaction,
set-based per batch. A case that makes its batch fail is set aside by the batch's bisection and
tried again by the next run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import jobs
from portal.automation_models import WebhookEndpoint
from portal.choices import Category as NotificationCategory
from portal.notifications import enqueue_delivery
from portal.webhooks import Event as WebhookEvent
from portal.webhooks import publish_many

from . import rules
from .choices import EventKind, Status
from .models import Case
from .notifications import CASE_ESCALATION_LEVEL
from .services import reopen_period
from .services._common import case_webhook_data

# Cases claimed and written per transaction (issue 13): large enough that the statements of a
# batch cost little next to its rows, small enough that a batch holds its locks for well under a
# second on PostgreSQL.
SWEEP_BATCH_SIZE = 2000


@dataclass
class SweepResult:
    breached: list[int] = field(default_factory=list)
    warned: list[int] = field(default_factory=list)
    # R-CASE-10: the cases escalated to level 2 (duty manager) and level 3 (head of support).
    duty_manager: list[int] = field(default_factory=list)
    head_of_support: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    notifications: int = 0

    def summary(self) -> str:
        text = _(
            "Escalation sweep: %(breached)s case(s) breached, %(warned)s warned, "
            "%(notifications)s notification(s) queued."
        ) % {
            "breached": len(self.breached),
            "warned": len(self.warned),
            "notifications": self.notifications,
        }
        if self.duty_manager or self.head_of_support:
            text += " " + _(
                "Escalated: %(duty_manager)s case(s) to the duty manager, "
                "%(head_of_support)s to the head of support."
            ) % {
                "duty_manager": len(self.duty_manager),
                "head_of_support": len(self.head_of_support),
            }
        if self.failed:
            text += " " + _("%(count)s case(s) failed and will be retried: %(ids)s.") % {
                "count": len(self.failed),
                "ids": ", ".join(map(str, self.failed)),
            }
        return text


def _oncall() -> tuple[str, ...]:
    return (settings.OPERATOR_ONCALL_EMAIL,) if settings.OPERATOR_ONCALL_EMAIL else ()


# --- the escalation sweep (R-CASE-10) ----------------------------------------------------------


def _due_queryset(kind: str, now: datetime):
    unacked = Case.objects.filter(acknowledged_at__isnull=True, breached_at__isnull=True)
    if kind == EventKind.BREACH:
        return unacked.filter(response_due_at__lte=now)
    return unacked.filter(warned_at__isnull=True, warning_due_at__lte=now, response_due_at__gt=now)


def escalation_sweep(
    *, now: datetime | None = None, batch_size: int = SWEEP_BATCH_SIZE
) -> SweepResult:
    """Breach every unacknowledged case past its due time, warn those past the warning time,
    and climb the escalation chain of breached cases still not acknowledged (level 2 the duty
    manager, level 3 the head of support), each exactly once (R-CASE-10)."""
    now = now or timezone.now()
    result = SweepResult()
    for kind, handled in ((EventKind.BREACH, result.breached), (EventKind.WARNING, result.warned)):
        breach = kind == EventKind.BREACH
        run = jobs.run_batches(
            name=f"escalation sweep ({kind})",
            due=lambda kind=kind: _due_queryset(kind, now),
            handle=lambda ids, kind=kind: _record_sweep(ids, kind=kind, now=now),
            stamp={"breached_at": now} if breach else {"warned_at": now},
            order_by=("response_due_at" if breach else "warning_due_at", "id"),
            batch_size=batch_size,
        )
        handled += run.handled
        result.notifications += run.counts.get("notifications", 0)
        result.failed += sorted(run.failed)
    # After the breaches, so a case the sweep missed for long climbs every level in one run.
    for level in EscalationLevel.ALL:
        run = jobs.run_batches(
            name=f"escalation sweep (level {level.number})",
            due=lambda level=level: level.due(now),
            handle=lambda ids, level=level: _record_escalation(ids, level=level, now=now),
            stamp={level.stamp_field: now},
            order_by=(level.due_field, "id"),
            batch_size=batch_size,
        )
        getattr(result, level.key).extend(run.handled)
        result.notifications += run.counts.get("notifications", 0)
        result.failed += sorted(run.failed)
    return result


# Every sweep writes in set-based SQL (issue 13): per claimed batch one INSERT … SELECT of the
# timeline entries, one of the outbox events (ON CONFLICT DO NOTHING on the event key, RETURNING
# the cases whose event is new) and one of their "notification sent" entries. No model
# instance, no rendering: the event holds the case's id, its recipients are resolved and its
# text rendered per reader at delivery. What differs between the sweeps is a :class:`Writes`;
# what differs between PostgreSQL and SQLite is the id list and the JSON and time functions.


@dataclass(frozen=True)
class Writes:
    """What one sweep writes for each case of a claimed batch.

    ``event_data`` and ``context`` are JSON objects of (key, SQL expression over the case
    ``c``); ``{iso:column}`` in an expression is the column as ISO 8601 text, ``{epoch:column}``
    as whole seconds. The outbox event is written only when ``event_kind`` is set; ``about``
    then names it in the "notification sent" entry (none when empty)."""

    kind: str
    event_data: tuple[tuple[str, str], ...]
    from_value: str = ""
    to_value: str = ""
    event_kind: str = ""
    # the partner's contacts (and the case's audience) are told, or only the addresses
    partner: bool = False
    context: tuple[tuple[str, str], ...] = (("case", "c.id"), ("severity", "c.severity"))
    key_suffix: str = ""  # the event key: "case:<id>" + key_suffix (SQL text expression)
    addresses: tuple[str, ...] = ()
    about: str = ""


def _dialect() -> dict[str, str]:
    if connection.vendor == "postgresql":
        return {
            "in_ids": "c.id = ANY(%(ids)s)",
            "json_object": "jsonb_build_object",
            "json_array": "jsonb_build_array",
            "json_param": "%(addresses)s::jsonb",
            "iso": "to_char(c.{} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')",
            "epoch": "CAST(floor(extract(epoch FROM c.{})) AS bigint)::text",
            "text_id": "c.id::text",
        }
    return {
        "in_ids": "c.id IN (SELECT value FROM json_each(%(ids)s))",
        "json_object": "json_object",
        "json_array": "json_array",
        "json_param": "json(%(addresses)s)",
        "iso": "replace(c.{}, ' ', 'T') || '+00:00'",
        "epoch": "strftime('%%s', c.{})",
        "text_id": "CAST(c.id AS TEXT)",
    }


def _ids(ids: list[int]) -> list[int] | str:
    return list(ids) if connection.vendor == "postgresql" else json.dumps(list(ids))


def _sql(expression: str, sql: dict[str, str]) -> str:
    for name in ("iso", "epoch"):
        while "{" + name + ":" in expression:
            start = expression.index("{" + name + ":")
            end = expression.index("}", start)
            column = expression[start + len(name) + 2 : end]
            expression = expression[:start] + sql[name].format(column) + expression[end + 1 :]
    return expression


def _json(pairs: tuple[tuple[str, str], ...], sql: dict[str, str]) -> str:
    return sql["json_object"] + "(" + ", ".join(f"'{k}', {_sql(v, sql)}" for k, v in pairs) + ")"


_EVENT_COLUMNS = "case_id, kind, at, actor_id, actor_name, from_value, to_value, text, data"


def _write(ids: list[int], writes: Writes, *, now: datetime) -> list[int]:
    """The timeline entries and outbox events of a claimed batch, in at most three statements
    whatever the batch's size; answers the cases whose outbox event is new (told now)."""
    sql = _dialect()
    params = {
        "ids": _ids(ids),
        "kind": writes.kind,
        "from": writes.from_value,
        "to": writes.to_value,
        "now": now,
        "notified": EventKind.NOTIFICATION_SENT,
        "event_kind": writes.event_kind,
        "category": NotificationCategory.CASES,
        "prefix": "case:",
        "about": writes.about,
        "addresses": json.dumps([[address.lower(), ""] for address in writes.addresses if address]),
        "content_type": ContentType.objects.get_for_model(Case).pk,
    }
    told: list[int] = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO cases_caseevent ({_EVENT_COLUMNS})
            SELECT c.id, %(kind)s, %(now)s, NULL, 'system', %(from)s, %(to)s, '',
                   {_json(writes.event_data, sql)}
            FROM cases_case c WHERE {sql["in_ids"]} ORDER BY c.id""",
            params,
        )
        if not writes.event_kind:
            return told
        partner = "c.partner_id" if writes.partner else "NULL"
        cursor.execute(
            f"""INSERT INTO portal_notification (kind, partner_id, customer_id, customer_ids,
                category, context, dedupe_key, addresses, content_type_id, object_id,
                created_at, fanned_out_at)
            SELECT %(event_kind)s, {partner}, c.customer_id,
                   {sql["json_array"]}(c.customer_id), %(category)s,
                   {_json(writes.context, sql)},
                   %(prefix)s || {sql["text_id"]} || {_sql(writes.key_suffix, sql)},
                   {sql["json_param"]}, %(content_type)s, {sql["text_id"]}, %(now)s, NULL
            FROM cases_case c WHERE {sql["in_ids"]}
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING object_id""",
            params,
        )
        # Case by case: only the cases whose own event is new now get "notification sent".
        told = sorted(int(row[0]) for row in cursor.fetchall())
        if told and writes.about:
            cursor.execute(
                f"""INSERT INTO cases_caseevent ({_EVENT_COLUMNS})
                SELECT c.id, %(notified)s, %(now)s, NULL, 'system', '', '', '',
                       {sql["json_object"]}('about', CAST(%(about)s AS TEXT))
                FROM cases_case c WHERE {sql["in_ids"]} ORDER BY c.id""",
                {**params, "ids": _ids(told)},
            )
    if told:
        transaction.on_commit(enqueue_delivery)
    return told


def _record_sweep(ids: list[int], *, kind: str, now: datetime) -> dict[str, int]:
    """The breach or the warning of a claimed batch (R-CASE-10). A breach is told to the
    partner's "cases" contacts (and the case's audience) and on-call; the warning before it
    only to on-call."""
    breach = kind == EventKind.BREACH
    name = "breach" if breach else "warning"
    told = _write(
        ids,
        Writes(
            kind=kind,
            event_data=(("due", "{iso:response_due_at}"),),
            event_kind="case.breached" if breach else "case.breach_warning",
            partner=breach,
            key_suffix=f"':{name}'",
            addresses=_oncall(),
            about=name,
        ),
        now=now,
    )
    if breach:
        _publish_breaches(ids, now=now)
    return {"notifications": len(told)}


def _with_endpoints(ids: list[int]) -> QuerySet:
    """The cases of ``ids`` whose partner has an active webhook endpoint (most have none: then
    nothing is read)."""
    partners = set(WebhookEndpoint.objects.filter(active=True).values_list("partner_id", flat=True))
    if not partners:
        return Case.objects.none()
    return Case.objects.filter(id__in=ids, partner_id__in=partners).order_by("id")


def _publish_breaches(ids: list[int], *, now: datetime) -> None:
    """R-NOT-4: the batch's ``case.breached`` webhooks, in one insert."""
    cases = _with_endpoints(ids)
    if not cases:
        return
    publish_many(
        [
            WebhookEvent(
                partner_id=case.partner_id,
                type="case.breached",
                data={**case_webhook_data(case), "breached_at": now},
                dedupe_key=f"case.breached:{case.pk}:",
            )
            for case in cases
        ],
        now=now,
    )


# --- the escalation levels after a breach (R-CASE-10 Decision) ----------------------------------


@dataclass(frozen=True)
class EscalationLevel:
    """One level of the chain after the breach: who is told, when it is due, its stamp."""

    number: int
    key: str
    due_field: str
    stamp_field: str
    email_setting: str

    ALL: ClassVar[tuple[EscalationLevel, ...]]

    def recipient(self) -> str:
        return getattr(settings, self.email_setting, "") or ""

    def label(self) -> str:
        if self.number == rules.DUTY_MANAGER_LEVEL:
            return _("the duty manager")
        return _("the head of support")

    def due(self, now: datetime):
        """Breached, still not acknowledged, this level due and not yet recorded; level 3
        only after level 2."""
        qs = Case.objects.filter(
            acknowledged_at__isnull=True,
            breached_at__isnull=False,
            **{f"{self.stamp_field}__isnull": True, f"{self.due_field}__lte": now},
        )
        if self.number == rules.HEAD_OF_SUPPORT_LEVEL:
            qs = qs.filter(duty_manager_notified_at__isnull=False)
        return qs


EscalationLevel.ALL = (
    EscalationLevel(
        rules.DUTY_MANAGER_LEVEL,
        "duty_manager",
        "duty_manager_due_at",
        "duty_manager_notified_at",
        "DUTY_MANAGER_EMAIL",
    ),
    EscalationLevel(
        rules.HEAD_OF_SUPPORT_LEVEL,
        "head_of_support",
        "head_of_support_due_at",
        "head_of_support_notified_at",
        "HEAD_OF_SUPPORT_EMAIL",
    ),
)


def _record_escalation(ids: list[int], *, level: EscalationLevel, now: datetime) -> dict[str, int]:
    """The timeline entry of one level for a claimed batch and, when the level has its
    people, one outbox event per case, set-based. The severity does not change (R-CASE-10)."""
    recipient = level.recipient()
    told = _write(
        ids,
        Writes(
            kind=EventKind.ESCALATION,
            to_value=str(level.number),
            # No stored text: the timeline renders the level in the reader's language.
            event_data=(("level", str(level.number)), ("due", "{iso:" + level.due_field + "}")),
            # an operator escalation: the operator's own people only
            event_kind=CASE_ESCALATION_LEVEL if recipient else "",
            context=(("case", "c.id"), ("level", str(level.number))),
            key_suffix=f"':escalation:{level.number}'",
            addresses=(recipient,),
            about=f"escalation_level_{level.number}",
        ),
        now=now,
    )
    return {"notifications": len(told)}


# --- overdue action plans (R-CASE-9) -----------------------------------------------------------


def _action_plan_due_queryset(now: datetime):
    return Case.objects.filter(
        action_plan_at__isnull=True,
        action_plan_overdue_at__isnull=True,
        action_plan_due_at__lte=now,
        status__in=rules.PLAN_CLOCK_RUNNING,
    )


def action_plan_sweep(
    *, now: datetime | None = None, batch_size: int = SWEEP_BATCH_SIZE
) -> list[int]:
    """Flag every acknowledged case whose status and action plan is overdue, once (R-CASE-9):
    a timeline event and a message to on-call. A flagged case is never flagged again."""
    now = now or timezone.now()
    return jobs.run_batches(
        name="action plan sweep",
        due=lambda: _action_plan_due_queryset(now),
        handle=lambda ids: _flag_overdue_plans(ids, now=now),
        stamp={"action_plan_overdue_at": now},
        order_by=("action_plan_due_at", "id"),
        batch_size=batch_size,
    ).handled


def _flag_overdue_plans(ids: list[int], *, now: datetime) -> dict[str, int]:
    told = _write(
        ids,
        Writes(
            kind=EventKind.ACTION_PLAN_OVERDUE,
            event_data=(("due", "{iso:action_plan_due_at}"),),
            event_kind="case.plan_overdue",  # an operator duty: on-call only
            key_suffix="':action_plan_overdue'",
            addresses=_oncall(),
        ),
        now=now,
    )
    return {"flagged": len(ids), "notifications": len(told)}


# --- the end of monitoring periods (R-CASE-12) -------------------------------------------------


def monitoring_sweep(
    *, now: datetime | None = None, batch_size: int = SWEEP_BATCH_SIZE
) -> list[int]:
    """Resolve every case whose monitoring period ended without a recurrence, and tell the
    partner (R-CASE-12). Only cases still in monitoring with an ended period are due."""
    now = now or timezone.now()
    return jobs.run_batches(
        name="monitoring sweep",
        due=lambda: Case.objects.filter(status=Status.MONITORING, monitoring_until__lte=now),
        handle=lambda ids: _resolve_monitored(ids, now=now),
        # monitoring_until stays: when the period ended (cleared when the case moves on)
        stamp={"status": Status.RESOLVED, "resolved_at": now},
        order_by=("monitoring_until", "id"),
        batch_size=batch_size,
    ).handled


def _resolve_monitored(ids: list[int], *, now: datetime) -> dict[str, int]:
    told = _write(
        ids,
        Writes(
            kind=EventKind.STATUS_CHANGE,
            from_value=Status.MONITORING,
            to_value=Status.RESOLVED,
            # CaseEvent.display_text renders the words in the reader's language.
            event_data=(("monitoring_ended", "{iso:monitoring_until}"),),
            event_kind="case.monitoring_resolved",
            partner=True,
            context=(
                ("case", "c.id"),
                ("severity", "c.severity"),
                ("days", str(reopen_period().days)),
            ),
            key_suffix="':monitoring_resolved:' || {epoch:monitoring_until}",
            about="monitoring_resolved",
        ),
        now=now,
    )
    publish_many(  # R-NOT-4: the batch's status changes in one insert
        [
            WebhookEvent(
                partner_id=case.partner_id,
                type="case.status_changed",
                data={
                    **case_webhook_data(case),
                    "from_status": Status.MONITORING,
                    "to_status": Status.RESOLVED,
                },
                dedupe_key=(
                    f"case.status_changed:{case.pk}:case:{case.pk}:monitoring_resolved:"
                    f"{int(case.monitoring_until.timestamp())}"
                ),
            )
            for case in _with_endpoints(ids)
        ],
        now=now,
    )
    return {"resolved": len(ids), "notifications": len(told)}
