"""The lifecycle of a case: transitions, recurrence, action plan, comments, scope (R-CASE-9, R-CASE-12, R-CASE-13)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import DomainError
from portal.tenancy import is_operator

from .. import rules
from ..choices import EventKind, Status
from ..models import Case, CaseEvent
from ._common import (
    _event,
    _locked,
    _notify_case,
    _plan_due,
    _publish_case,
    _require_access,
    _require_staff,
    monitoring_days_default,
    reopen_period,
)
from .severity import case_acknowledge

# --- lifecycle ---------------------------------------------------------------------------------


@transaction.atomic
def case_transition(
    *,
    user: Any,
    case: Case,
    status: str,
    note: str = "",
    monitoring_days: int | None = None,
    now: datetime | None = None,
) -> Case:
    """Move a case along its lifecycle, refusing illegal moves (R-CASE-12).

    Partners may answer (awaiting partner → in progress), report a recurrence during
    monitoring, reopen a resolved case within the reopen period, and close a resolved case;
    every other move is the operator's. Waiting on the partner pauses the case and the paused
    time is kept apart (R-CASE-9). Entering monitoring sets its period (``monitoring_days``,
    by default ``CASES_MONITORING_DAYS``); when it ends the case resolves itself.
    """
    if status not in Status.values:
        raise DomainError(_("Unknown status."), field="status", rule="R-CASE-12")
    if monitoring_days is not None and status != Status.MONITORING:
        raise DomainError(
            _("A monitoring period is set only when the case enters monitoring."),
            field="monitoring_days",
            rule="R-CASE-12",
        )
    _require_access(user, case)
    if status == Status.ACKNOWLEDGED:
        return case_acknowledge(user=user, case=case, now=now)
    now = now or timezone.now()
    case = _locked(case)
    current = case.status
    if not rules.transition_allowed(current, status):
        raise DomainError(
            _("A case cannot go from %(current)s to %(target)s.")
            % {"current": Status(current).label, "target": Status(status).label},
            field="status",
            rule="R-CASE-12",
        )
    staff = is_operator(user)
    if not staff and not rules.partner_may_transition(current, status):
        raise DomainError(
            _("Only operator staff can move a case to %(target)s.")
            % {"target": Status(status).label},
            field="status",
            rule="R-CASE-12",
        )
    reopening = rules.is_reopen(current, status)
    if (
        reopening
        and not staff
        and not rules.reopen_allowed(resolved_at=case.resolved_at, now=now, period=reopen_period())
    ):
        raise DomainError(
            _("The reopen period of %(days)s days has passed.") % {"days": reopen_period().days},
            field="status",
            rule="R-CASE-12",
        )
    data: dict[str, Any] = {}
    if status == Status.MONITORING:
        days = monitoring_days_default() if monitoring_days is None else monitoring_days
        if not rules.monitoring_days_allowed(days):
            raise DomainError(
                _("The monitoring period must be between 1 and %(max)s days.")
                % {"max": rules.MAX_MONITORING_DAYS},
                field="monitoring_days",
                rule="R-CASE-12",
            )
        case.monitoring_until = rules.monitoring_ends_at(start=now, days=days)
        data.update(days=days, until=case.monitoring_until.isoformat())
    else:
        case.monitoring_until = None
    recurrence = rules.is_recurrence(current, status)
    if recurrence:
        data["recurrence"] = True
    if reopening:
        data["reopen"] = True
    if current in rules.PAUSED_STATUSES and case.paused_since is not None:
        case.paused_total += now - case.paused_since  # R-CASE-9
        case.paused_since = None
    if status in rules.PAUSED_STATUSES:
        case.paused_since = now
    if status == Status.RESOLVED:
        case.resolved_at = now
    if status == Status.CLOSED:
        case.closed_at = now
    if reopening:
        case.resolved_at = None
        case.reopen_count += 1
    case.status = status
    change = _event(
        case,
        EventKind.STATUS_CHANGE,
        user=user,
        at=now,
        from_value=current,
        to_value=status,
        text=(note or "").strip(),
        data=data,
    )
    if (
        current in rules.PLAN_CLOCK_STOPPED
        and case.acknowledged_at is not None
        and case.action_plan_at is None
    ):
        # R-CASE-9: the clock runs again; the time it stood still is not counted.
        case.action_plan_due_at = _plan_due(case)
    case.save()
    _publish_case(case, "case.status_changed", change.pk, from_status=current, to_status=status)
    if recurrence and not staff:
        _notify_case(
            case,
            kind="case.recurrence",
            event=f"recurrence:{case.events.filter(kind=EventKind.STATUS_CHANGE).count()}",
            context={"note": (note or "").strip()},
            partner_contacts=False,
            oncall=True,
        )
    return case


def case_await_partner(
    *, user: Any, case: Case, note: str = "", now: datetime | None = None
) -> Case:
    return case_transition(user=user, case=case, status=Status.AWAITING_PARTNER, note=note, now=now)


def case_resume(*, user: Any, case: Case, note: str = "", now: datetime | None = None) -> Case:
    return case_transition(user=user, case=case, status=Status.IN_PROGRESS, note=note, now=now)


def case_monitor(*, user: Any, case: Case, note: str = "", now: datetime | None = None) -> Case:
    return case_transition(user=user, case=case, status=Status.MONITORING, note=note, now=now)


def case_resolve(*, user: Any, case: Case, note: str = "", now: datetime | None = None) -> Case:
    return case_transition(user=user, case=case, status=Status.RESOLVED, note=note, now=now)


def case_reopen(*, user: Any, case: Case, note: str = "", now: datetime | None = None) -> Case:
    if case.status != Status.RESOLVED:
        raise DomainError(
            _("Only a resolved case can be reopened."), field="status", rule="R-CASE-12"
        )
    return case_transition(user=user, case=case, status=Status.IN_PROGRESS, note=note, now=now)


def case_close(*, user: Any, case: Case, note: str = "", now: datetime | None = None) -> Case:
    return case_transition(user=user, case=case, status=Status.CLOSED, note=note, now=now)


@transaction.atomic
def case_report_recurrence(
    *, user: Any, case: Case, note: str = "", now: datetime | None = None
) -> Case:
    """The partner reports that the monitored problem came back: the case returns to in
    progress and on-call hears of it (R-CASE-12)."""
    _require_access(user, case)
    case = _locked(case)
    if case.status != Status.MONITORING:
        raise DomainError(
            _("A recurrence can be reported only while the case is being monitored."),
            field="status",
            rule="R-CASE-12",
        )
    note = (note or "").strip() or _("The problem came back.")
    return case_transition(user=user, case=case, status=Status.IN_PROGRESS, note=note, now=now)


@transaction.atomic
def case_set_action_plan(*, user: Any, case: Case, plan: str, now: datetime | None = None) -> Case:
    """The operator's status and action plan for the partner (R-CASE-9)."""
    _require_staff(user, rule="R-CASE-9", action=_("write the action plan"))
    plan = (plan or "").strip()
    if not plan:
        raise DomainError(_("The action plan is empty."), field="plan", rule="R-CASE-9")
    now = now or timezone.now()
    case = _locked(case)
    if case.status == Status.CLOSED:
        raise DomainError(_("A closed case cannot change."), field="status", rule="R-CASE-12")
    case.action_plan = plan
    case.action_plan_at = now
    case.save(update_fields=["action_plan", "action_plan_at", "updated_at"])
    _event(case, EventKind.ACTION_PLAN, user=user, at=now, text=plan)
    # R-CASE-9: the partner is told when a plan is posted.
    _notify_case(
        case,
        kind="case.plan_posted",
        event=f"action_plan:{case.events.filter(kind=EventKind.ACTION_PLAN).count()}",
        context={"plan": plan},
        partner_contacts=True,
        oncall=False,
    )
    return case


@transaction.atomic
def case_comment(
    *,
    user: Any = None,
    case: Case,
    text: str,
    contact: Any = None,
    data: dict | None = None,
    now: datetime | None = None,
) -> CaseEvent:
    """A comment on the case's timeline, by a user or, for an e-mail reply, by a contact of
    the case's partner (``contact``; the receiver has checked the reply address)."""
    if contact is None:
        _require_access(user, case)
    elif contact.partner_id != case.partner_id:
        raise DomainError(_("This case does not exist."), field="case")
    text = (text or "").strip()
    if not text:
        raise DomainError(_("The comment is empty."), field="text")
    comment = _event(
        case,
        EventKind.COMMENT,
        user=user,
        at=now,
        text=text,
        data=data,
        actor_name=contact.name if contact is not None else None,
    )
    _publish_case(  # R-NOT-4
        case,
        "case.commented",
        comment.pk,
        comment_id=comment.pk,
        author=comment.actor_name,
        text=comment.text,
        commented_at=comment.at,
    )
    return comment


@transaction.atomic
def case_mark_out_of_scope(
    *, user: Any, case: Case, reason: str, note: str = "", now: datetime | None = None
) -> Case:
    """Operator staff mark a case outside their scope, with the reason (R-CASE-13).

    The case is answered (acknowledged if still new) and resolved, so the partner may still
    reopen it within the reopen period if it disagrees.
    """
    from ..choices import OutOfScopeReason

    _require_staff(user, rule="R-CASE-13", action=_("mark a case out of scope"))
    if reason not in OutOfScopeReason.values:
        raise DomainError(
            _("Choose why the case is out of scope."), field="reason", rule="R-CASE-13"
        )
    now = now or timezone.now()
    if case.status == Status.NEW:
        case = case_acknowledge(user=user, case=case, now=now)
    case = _locked(case)
    if case.status in (Status.RESOLVED, Status.CLOSED):
        raise DomainError(
            _("The case is already resolved or closed."), field="status", rule="R-CASE-13"
        )
    case.out_of_scope = True
    case.out_of_scope_reason = reason
    case.out_of_scope_note = (note or "").strip()
    case.save(
        update_fields=["out_of_scope", "out_of_scope_reason", "out_of_scope_note", "updated_at"]
    )
    _event(
        case,
        EventKind.OUT_OF_SCOPE,
        user=user,
        at=now,
        to_value=reason,
        text=case.out_of_scope_note,
    )
    if case.status in (Status.ACKNOWLEDGED, Status.AWAITING_PARTNER):
        case = case_transition(user=user, case=case, status=Status.IN_PROGRESS, now=now)
    # The reason shows on the out-of-scope event, in the reader's language (to_label); the
    # resolution stores no generated text.
    return case_transition(user=user, case=case, status=Status.RESOLVED, now=now)
