"""Acknowledgement and severity changes (R-CASE-6, R-CASE-7, R-CASE-10)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.calendars import calendar_spec_for_region
from portal.errors import DomainError

from .. import rules
from ..choices import EventKind, Severity, Status
from ..models import Case, CaseEvent
from ._common import (
    _due_times,
    _escalation_dues,
    _event,
    _locked,
    _new_event,
    _notice_event,
    _notify_case,
    _notify_case_outbox,
    _plan_due,
    _plan_follows_severity,
    _plan_timeline,
    _publish_case,
    _require_access,
    _require_staff,
)

# --- acknowledgement and severity ---------------------------------------------------------------


@transaction.atomic
def case_acknowledge(*, user: Any, case: Case, now: datetime | None = None) -> Case:
    """Staff acknowledge a case: the response objective is met or not at this moment
    (R-CASE-7). A late acknowledgement that the sweep has not seen yet records the breach."""
    _require_staff(user, rule="R-CASE-7", action=_("acknowledge a case"))
    now = now or timezone.now()
    case = _locked(case)
    if case.acknowledged_at is not None or case.status != Status.NEW:
        raise DomainError(_("This case is already acknowledged."), field="status", rule="R-CASE-12")
    case.acknowledged_at = now
    case.acknowledged_by = user
    case.status = Status.ACKNOWLEDGED
    # R-CASE-9: the status and action plan are due one objective interval from now.
    case.action_plan_due_at = rules.action_plan_due_at(
        case.severity, now, calendar_spec_for_region(case.customer.region)
    )
    fields = ["acknowledged_at", "acknowledged_by", "status", "action_plan_due_at", "updated_at"]
    late = not rules.objective_met(acknowledged_at=now, due_at=case.response_due_at)
    if late and case.breached_at is None:
        case.breached_at = now
        fields.append("breached_at")
        _event(case, EventKind.BREACH, at=now, data={"due": case.response_due_at.isoformat()})
    case.save(update_fields=fields)
    change = _event(
        case,
        EventKind.STATUS_CHANGE,
        user=user,
        at=now,
        from_value=Status.NEW,
        to_value=Status.ACKNOWLEDGED,
        data={"met": not late},
    )
    # R-NOT-4: the partner's automation hears of it (the breach with the sweep's key).
    if "breached_at" in fields:
        _publish_case(case, "case.breached", "", breached_at=now)
    _publish_case(case, "case.acknowledged", "", acknowledged_at=now, objective_met=not late)
    _publish_case(
        case, "case.status_changed", change.pk, from_status=Status.NEW, to_status=case.status
    )
    return case


def _apply_severity(
    case: Case,
    *,
    user: Any,
    severity: str,
    reason: str,
    kind: str,
    now: datetime,
    notice: Callable[[], tuple[str, int]] | None = None,
    timeline: list[tuple] | None = None,
) -> Case:
    """Set the new severity and its due times, and write the timeline entries in one INSERT:
    the escalation request (when it is one), the severity change and, when ``notice`` writes
    an outbox event (it answers its name and recipient count), the "notification sent".
    ``timeline``: the case's status changes as ``_plan_timeline`` reads them, when the caller
    has read them already."""
    old = case.severity
    case.severity = severity
    fields = ["severity", "updated_at"]
    if case.acknowledged_at is None:
        # R-CASE-7 decision: recompute from the opening time with the new objective.
        spec = calendar_spec_for_region(case.customer.region)
        case.response_due_at, case.warning_due_at = _due_times(
            severity, case.opened_at, case.customer.region, spec
        )
        # R-CASE-10: the escalation levels follow the new due time and objective.
        case.duty_manager_due_at, case.head_of_support_due_at = _escalation_dues(
            severity, case.response_due_at, case.customer.region, spec
        )
        fields += [
            "response_due_at",
            "warning_due_at",
            "duty_manager_due_at",
            "head_of_support_due_at",
        ]
    elif _plan_follows_severity(case):
        # R-CASE-9: the plan's interval follows the severity's objective and clock.
        case.action_plan_due_at = _plan_due(case, timeline)
        fields.append("action_plan_due_at")
    case.save(update_fields=fields)
    events = []
    if kind == EventKind.ESCALATION_REQUEST:
        events.append(
            _new_event(
                case, kind, user=user, at=now, from_value=old, to_value=severity, text=reason
            )
        )
    change = _new_event(
        case,
        EventKind.SEVERITY_CHANGE,
        user=user,
        at=now,
        from_value=old,
        to_value=severity,
        text=reason,
        data={"due": case.response_due_at.isoformat()},
    )
    events.append(change)
    if notice is not None:
        about, count = notice()
        if count:
            events.append(_notice_event(case, event=about, count=count, at=now))
    CaseEvent.objects.bulk_create(events)
    _publish_case(  # R-NOT-4
        case, "case.severity_changed", change.pk, from_severity=old, to_severity=severity
    )
    return case


def _clean_severity_and_reason(severity: str, reason: str) -> tuple[str, str]:
    if severity not in Severity.values:
        raise DomainError(_("Unknown severity."), field="severity", rule="R-CASE-5")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("A severity change needs a reason."), field="reason", rule="R-CASE-6")
    return severity, reason


@transaction.atomic
def case_request_escalation(
    *, user: Any, case: Case, severity: str, reason: str, now: datetime | None = None
) -> Case:
    """The partner raises the severity when the business impact changes (R-CASE-6).

    The raise takes effect at once (the operator may lower it again with a reason); before the
    acknowledgement the due time is recomputed from the opening time (R-CASE-7), so the
    raised case may be overdue at once and the next sweep breaches it.
    """
    _require_access(user, case)
    now = now or timezone.now()
    severity, reason = _clean_severity_and_reason(severity, reason)
    # The one read of the case: locked (its own row only, so escalations of one partner's
    # cases do not queue on the partner's row), with what the answer and the notice show.
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("customer", "partner")
        .defer("search_vector")
        .get(pk=case.pk)
    )
    if not rules.can_request_escalation(case.status):
        raise DomainError(
            _("A resolved or closed case cannot be escalated."),
            field="status",
            rule="R-CASE-6",
        )
    if not rules.is_raise(case.severity, severity):
        raise DomainError(
            _("An escalation must raise the severity."),
            field="severity",
            rule="R-CASE-6",
        )
    old = case.severity
    # One read of the timeline for both what follows: the number of earlier escalations and,
    # when the plan follows the severity, the plan's pauses (R-CASE-9).
    timeline = _plan_timeline(case, EventKind.ESCALATION_REQUEST)

    def notice() -> tuple[str, int]:
        # Counted under the case's lock, before this request's entry is written (hence + 1):
        # the number of this escalation, the key of its outbox event.
        earlier = sum(1 for kind, *_entry in timeline if kind == EventKind.ESCALATION_REQUEST)
        escalation_no = earlier + 1
        about = f"escalation:{escalation_no}"
        count = _notify_case_outbox(
            case,
            kind="case.escalated",
            event=about,
            context={"old": old, "reason": reason},
            partner_contacts=rules.notify_partner_proactively(severity),
            oncall=True,
        )
        return about, count

    _apply_severity(
        case,
        user=user,
        severity=severity,
        reason=reason,
        kind=EventKind.ESCALATION_REQUEST,
        now=now,
        notice=notice,
        timeline=timeline,
    )
    return case


@transaction.atomic
def case_change_severity(
    *, user: Any, case: Case, severity: str, reason: str, now: datetime | None = None
) -> Case:
    """Operator staff change the severity either way, always with a reason (R-CASE-6)."""
    _require_staff(user, rule="R-CASE-6", action=_("change the severity"))
    now = now or timezone.now()
    severity, reason = _clean_severity_and_reason(severity, reason)
    case = Case.objects.select_for_update().select_related("customer").get(pk=case.pk)
    if severity == case.severity:
        raise DomainError(
            _("The case already has this severity."), field="severity", rule="R-CASE-6"
        )
    if case.status == Status.CLOSED:
        raise DomainError(_("A closed case cannot change."), field="status", rule="R-CASE-12")
    old = case.severity
    _apply_severity(
        case, user=user, severity=severity, reason=reason, kind=EventKind.SEVERITY_CHANGE, now=now
    )
    if rules.is_raise(old, severity) and rules.notify_partner_proactively(severity):
        # R-CASE-10 / R-NOT-2: a raise to S1 or S2 is told to the partner proactively, to the
        # same people as the opening of an S1/S2 case.
        change_no = case.events.filter(kind=EventKind.SEVERITY_CHANGE).count()
        _notify_case(
            case,
            kind="case.raised",
            event=f"raise:{change_no}",
            context={"old": old, "reason": reason},
            partner_contacts=True,
            oncall=True,
        )
    return case
