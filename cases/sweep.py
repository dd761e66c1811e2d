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
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import jobs
from portal.automation_models import WebhookEndpoint
from portal.choices import Category as NotificationCategory
from portal.notifications import Event, enqueue_delivery, notify_many_written
from portal.webhooks import Event as WebhookEvent
from portal.webhooks import publish_many

from . import rules
from .choices import EventKind, Status
from .models import Case, CaseEvent
from .notifications import CASE_ESCALATION_LEVEL
from .services import reopen_period
from .services._common import case_webhook_data

SWEEP_BATCH_SIZE = 500


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


def _claimed_cases(ids: list[int]) -> list[Case]:
    return list(
        Case.objects.filter(id__in=ids).select_related("customer", "partner").order_by("id")
    )


def _notification_events(
    cases: list[Case], written: dict[str, int], key: dict[int, str], *, now: datetime, about: str
) -> list[CaseEvent]:
    """A ``notification_sent`` entry for each case whose own message was written now."""
    return [
        CaseEvent(
            case=case,
            kind=EventKind.NOTIFICATION_SENT,
            at=now,
            actor_name="system",
            data={"about": about},
        )
        for case in cases
        if key[case.pk] in written
    ]


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
            handle=lambda ids, level=level: _record_escalation(
                _claimed_cases(ids), level=level, now=now
            ),
            stamp={level.stamp_field: now},
            order_by=(level.due_field, "id"),
            batch_size=batch_size,
        )
        getattr(result, level.key).extend(run.handled)
        result.notifications += run.counts.get("notifications", 0)
        result.failed += sorted(run.failed)
    return result


# The breach and the warning write in set-based SQL (issue 13): per claimed batch one INSERT …
# SELECT of the timeline entries, one of the outbox events (ON CONFLICT DO NOTHING on the event
# key, RETURNING the cases whose event is new) and one of their "notification sent" entries.
# No model instance, no rendering: the event holds the case's id, its recipients are resolved
# and its text rendered per reader at delivery. Only the id list and the JSON builders differ
# between PostgreSQL and SQLite.


def _sql_dialect() -> dict[str, str]:
    if connection.vendor == "postgresql":
        return {
            "in_ids": "c.id = ANY(%(ids)s)",
            "json_object": "jsonb_build_object",
            "json_array": "jsonb_build_array",
            "json_param": "%(addresses)s::jsonb",
            "iso": (
                "to_char(c.response_due_at AT TIME ZONE 'UTC', "
                "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
            ),
            "text_id": "c.id::text",
        }
    return {
        "in_ids": "c.id IN (SELECT value FROM json_each(%(ids)s))",
        "json_object": "json_object",
        "json_array": "json_array",
        "json_param": "json(%(addresses)s)",
        "iso": "replace(c.response_due_at, ' ', 'T') || '+00:00'",
        "text_id": "CAST(c.id AS TEXT)",
    }


def _ids(ids: list[int]) -> list[int] | str:
    return list(ids) if connection.vendor == "postgresql" else json.dumps(list(ids))


_EVENT_COLUMNS = "case_id, kind, at, actor_id, actor_name, from_value, to_value, text, data"


def _record_sweep(ids: list[int], *, kind: str, now: datetime) -> dict[str, int]:
    """Timeline entries and one outbox event per case of a claimed batch, in three statements
    whatever the batch's size (R-CASE-10). A breach is told to the partner's "cases" contacts
    (and the case's audience) and on-call; the warning before it only to on-call."""
    breach = kind == EventKind.BREACH
    name = "breach" if breach else "warning"
    sql = _sql_dialect()
    params = {
        "ids": _ids(ids),
        "kind": kind,
        "now": now,
        "notified": EventKind.NOTIFICATION_SENT,
        "event_kind": "case.breached" if breach else "case.breach_warning",
        "category": NotificationCategory.CASES,
        "prefix": "case:",
        "suffix": f":{name}",
        "about": name,
        "addresses": json.dumps([[address.lower(), ""] for address in _oncall()]),
        "content_type": ContentType.objects.get_for_model(Case).pk,
    }
    partner = "c.partner_id" if breach else "NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO cases_caseevent ({_EVENT_COLUMNS})
            SELECT c.id, %(kind)s, %(now)s, NULL, 'system', '', '', '',
                   {sql["json_object"]}('due', {sql["iso"]})
            FROM cases_case c WHERE {sql["in_ids"]} ORDER BY c.id""",
            params,
        )
        cursor.execute(
            f"""INSERT INTO portal_notification (kind, partner_id, customer_id, customer_ids,
                category, context, dedupe_key, addresses, content_type_id, object_id,
                created_at, fanned_out_at)
            SELECT %(event_kind)s, {partner}, c.customer_id,
                   {sql["json_array"]}(c.customer_id), %(category)s,
                   {sql["json_object"]}('case', c.id, 'severity', c.severity),
                   %(prefix)s || {sql["text_id"]} || %(suffix)s, {sql["json_param"]},
                   %(content_type)s, {sql["text_id"]}, %(now)s, NULL
            FROM cases_case c WHERE {sql["in_ids"]}
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING object_id""",
            params,
        )
        # Case by case: only the cases whose own event is new now get "notification sent".
        told = sorted(int(row[0]) for row in cursor.fetchall())
        if told:
            cursor.execute(
                f"""INSERT INTO cases_caseevent ({_EVENT_COLUMNS})
                SELECT c.id, %(notified)s, %(now)s, NULL, 'system', '', '', '',
                       {sql["json_object"]}('about', %(about)s)
                FROM cases_case c WHERE {sql["in_ids"]} ORDER BY c.id""",
                {**params, "ids": _ids(told)},
            )
    if told:
        transaction.on_commit(enqueue_delivery)
    if breach:
        _publish_breaches(ids, now=now)
    return {"notifications": len(told)}


def _publish_breaches(ids: list[int], *, now: datetime) -> None:
    """R-NOT-4: the batch's ``case.breached`` webhooks, in one insert, for the partners that
    have an endpoint (most have none: then nothing is read)."""
    partners = set(
        WebhookEndpoint.objects.filter(active=True).values_list("partner_id", flat=True)
    )
    if not partners:
        return
    cases = Case.objects.filter(id__in=ids, partner_id__in=partners).order_by("id")
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


def _record_escalation(
    cases: list[Case], *, level: EscalationLevel, now: datetime
) -> dict[str, int]:
    """Timeline entries and one outbox row per case for a claimed batch of one level, set-based.
    The severity does not change (R-CASE-10)."""
    recipient = level.recipient()
    messages: list[Event] = []
    events: list[CaseEvent] = []
    keys: dict[int, str] = {}
    for case in cases:
        keys[case.pk] = f"case:{case.pk}:escalation:{level.number}"
        if recipient:
            messages.append(
                Event(
                    kind=CASE_ESCALATION_LEVEL,
                    dedupe_key=keys[case.pk],
                    partner_id=None,  # an operator escalation: the operator's own people only
                    customer_id=case.customer_id,
                    context={"case": case.pk, "level": level.number},
                    related=case,
                    operator_emails=(recipient,),
                )
            )
        events.append(
            CaseEvent(
                case=case,
                kind=EventKind.ESCALATION,
                at=now,
                actor_name="system",
                to_value=str(level.number),
                # No stored text: the timeline renders the level in the reader's language.
                data={"level": level.number, "due": getattr(case, level.due_field).isoformat()},
            )
        )
    written = notify_many_written(messages)
    events += _notification_events(
        cases, written, keys, now=now, about=f"escalation_level_{level.number}"
    )
    CaseEvent.objects.bulk_create(events)
    return {"notifications": sum(written.values())}


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
        handle=lambda ids: _flag_overdue_plans(_claimed_cases(ids), now=now),
        stamp={"action_plan_overdue_at": now},
        order_by=("action_plan_due_at", "id"),
        batch_size=batch_size,
    ).handled


def _flag_overdue_plans(cases: list[Case], *, now: datetime) -> dict[str, int]:
    messages = [
        Event(
            kind="case.plan_overdue",
            partner_id=None,  # an operator duty: on-call only
            customer_id=case.customer_id,
            category=NotificationCategory.CASES,
            context={"case": case.pk, "severity": case.severity},
            dedupe_key=f"case:{case.pk}:action_plan_overdue",
            related=case,
            operator_emails=_oncall(),
        )
        for case in cases
    ]
    written = notify_many_written(messages)
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case=case,
            kind=EventKind.ACTION_PLAN_OVERDUE,
            at=now,
            actor_name="system",
            data={"due": case.action_plan_due_at.isoformat()},
        )
        for case in cases
    )
    return {"flagged": len(cases), "notifications": sum(written.values())}


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
        handle=lambda ids: _resolve_monitored(_claimed_cases(ids), now=now),
        # monitoring_until stays: when the period ended (cleared when the case moves on)
        stamp={"status": Status.RESOLVED, "resolved_at": now},
        order_by=("monitoring_until", "id"),
        batch_size=batch_size,
    ).handled


def _resolve_monitored(cases: list[Case], *, now: datetime) -> dict[str, int]:
    messages: list[Event] = []
    events: list[CaseEvent] = []
    keys: dict[int, str] = {}
    for case in cases:
        until = case.monitoring_until or now
        keys[case.pk] = f"case:{case.pk}:monitoring_resolved:{int(until.timestamp())}"
        messages.append(
            Event(
                kind="case.monitoring_resolved",
                partner_id=case.partner_id,
                customer_id=case.customer_id,
                category=NotificationCategory.CASES,
                context={"case": case.pk, "severity": case.severity, "days": reopen_period().days},
                dedupe_key=keys[case.pk],
                related=case,
            )
        )
        events.append(
            CaseEvent(
                case=case,
                kind=EventKind.STATUS_CHANGE,
                at=now,
                actor_name="system",
                from_value=Status.MONITORING,
                to_value=Status.RESOLVED,
                # CaseEvent.display_text renders the words in the reader's language.
                data={"monitoring_ended": until.isoformat()},
            )
        )
    written = notify_many_written(messages)
    events += _notification_events(cases, written, keys, now=now, about="monitoring_resolved")
    CaseEvent.objects.bulk_create(events)
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
                dedupe_key=f"case.status_changed:{case.pk}:{keys[case.pk]}",
            )
            for case in cases
        ],
        now=now,
    )
    return {"resolved": len(cases), "notifications": sum(written.values())}
