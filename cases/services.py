"""Every write of the cases app (R-CASE-1 … R-CASE-13).

Admin, portal, API, Celery task and management command all call these functions; each runs
in one transaction, raises :class:`portal.errors.DomainError` naming the field and the rule,
and writes the timeline and the notifications (outbox) in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.calendars import calendar_spec_for_region
from portal.choices import Category as NotificationCategory
from portal.errors import DomainError
from portal.models import Customer
from portal.notifications import notify
from portal.tenancy import is_operator, require_operator, require_partner_of
from portal.timefmt import show_time

from . import rules
from .choices import Channel, EventKind, Severity, Status
from .models import Case, CaseEvent

# --- helpers ----------------------------------------------------------------------------------


logger = logging.getLogger(__name__)


def warning_fraction() -> float:
    return settings.CASES_WARNING_FRACTION


def reopen_period() -> timedelta:
    days = settings.CASES_REOPEN_DAYS
    return timedelta(days=int(days))


def monitoring_days_default() -> int:
    return int(getattr(settings, "CASES_MONITORING_DAYS", rules.DEFAULT_MONITORING_DAYS))


def _actor_name(user: Any) -> str:
    if user is None:
        return "system"
    return user.get_username()


def _event(
    case: Case,
    kind: str,
    *,
    user: Any = None,
    at: datetime | None = None,
    from_value: str = "",
    to_value: str = "",
    text: str = "",
    data: dict | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        at=at or timezone.now(),
        actor=user if user is not None and user.is_authenticated else None,
        actor_name=_actor_name(user),
        from_value=from_value,
        to_value=to_value,
        text=text,
        data=data or {},
    )


def _locked(case: Case) -> Case:
    """Re-read the case under a row lock so concurrent writers see each other's changes."""
    return Case.objects.select_for_update().get(pk=case.pk)


def _require_staff(user: Any, *, rule: str, action: str) -> None:
    require_operator(
        user,
        message=_("Only operator staff can %(action)s.") % {"action": action},
        rule=rule,
    )


def _require_access(user: Any, case: Case) -> None:
    """Staff reach every case; a partner user only its own partner's (404 upstream)."""
    require_partner_of(user, case.partner_id, message=_("This case does not exist."), field="case")


def case_url(case: Case) -> str:
    return settings.SITE_URL + reverse("cases:detail", args=[case.pk])


def _due_times(severity: str, opened_at: datetime, region: str) -> tuple[datetime, datetime]:
    spec = calendar_spec_for_region(region)
    return (
        rules.response_due_at(severity, opened_at, spec),
        rules.warning_at(severity, opened_at, spec, warning_fraction()),
    )


def _plan_pauses(case: Case) -> list[tuple[datetime, datetime]]:
    """The closed intervals in which the action plan's clock stood still (R-CASE-9), read
    from the timeline's status changes."""
    pauses: list[tuple[datetime, datetime]] = []
    since: datetime | None = None
    changes = case.events.filter(kind=EventKind.STATUS_CHANGE).order_by("at", "id")
    for from_value, to_value, at in changes.values_list("from_value", "to_value", "at"):
        if since is not None and from_value in rules.PLAN_CLOCK_STOPPED:
            pauses.append((since, at))
            since = None
        if to_value in rules.PLAN_CLOCK_STOPPED:
            since = at
    return pauses


def _plan_due(case: Case) -> datetime:
    """The action plan's due time of an acknowledged case, with every pause so far."""
    assert case.acknowledged_at is not None
    return rules.action_plan_due_at(
        case.severity,
        case.acknowledged_at,
        calendar_spec_for_region(case.customer.region),
        _plan_pauses(case),
    )


def _notify_case(
    case: Case,
    *,
    event: str,
    subject: str,
    body: str,
    partner_contacts: bool,
    oncall: bool,
    now: datetime | None = None,
) -> int:
    """Queue one notification per recipient in the outbox and note it on the timeline."""
    common = {
        "category": NotificationCategory.CASES,
        "subject": subject,
        "body": body,
        "related": case,
        "dedupe_key": f"case:{case.pk}:{event}",
    }
    count = 0
    if partner_contacts:
        count += notify(partner=case.partner, customer=case.customer_id, **common)
    if oncall:  # an operator address: not attached to the partner
        count += notify(partner=None, extra_emails=[settings.OPERATOR_ONCALL_EMAIL], **common)
    if count:
        _event(
            case, EventKind.NOTIFICATION_SENT, at=now, data={"about": event, "recipients": count}
        )
    return count


def case_summary(case: Case) -> str:
    return _(
        "Case #%(id)s: %(title)s\nCustomer: %(customer)s (%(region)s)\nSeverity: %(severity)s\n"
        "Status: %(status)s\nResponse due: %(due)s\n%(url)s"
    ) % {
        "id": case.pk,
        "title": case.title,
        "customer": case.customer.name,
        "region": case.customer.region,
        "severity": case.severity,
        "status": Status(case.status).label,  # (cheaper than get_status_display in a batch)
        "due": show_time(case.response_due_at, customer=case.customer),
        "url": case_url(case),
    }


# --- opening ----------------------------------------------------------------------------------


@transaction.atomic
def case_open(
    *,
    user: Any,
    customer: Customer,
    title: str,
    description: str,
    category: str,
    urgency: str,
    contract_number: str,
    contact_name: str,
    contact_phone: str,
    contact_email: str,
    impact: str | None = None,
    affected_share: Decimal | float | str | None = None,
    channel: str = Channel.WEB,
    opened_at: datetime | None = None,
    now: datetime | None = None,
) -> Case:
    """Open a case for one of the caller's customers (R-CASE-1 … R-CASE-8, R-CASE-11)."""
    now = now or timezone.now()
    staff = is_operator(user)
    if not Customer.objects.for_user(user).filter(pk=customer.pk).exists():
        raise DomainError(_("This customer does not exist."), field="customer", rule="R-CASE-1")
    for name, value in (
        ("title", title),
        ("description", description),
        ("contact_name", contact_name),
        ("contact_phone", contact_phone),
        ("contact_email", contact_email),
    ):
        if not (value or "").strip():
            raise DomainError(
                _("This field is required to open a case."), field=name, rule="R-CASE-1"
            )
    if (contract_number or "").strip().upper() != customer.contract_number.strip().upper():
        raise DomainError(
            _(
                "The contract number does not match the customer's subscription or service "
                "contract."
            ),
            field="contract_number",
            rule="R-CASE-1",
        )
    stored_share = None
    if affected_share is not None:
        try:  # R-CASE-3: the level follows from the exact share, at any precision
            derived = rules.impact_for_share(affected_share)
        except (TypeError, ValueError):
            raise DomainError(
                _("The affected share must be a number between 0 and 1."),
                field="affected_share",
                rule="R-CASE-3",
            ) from None
        if impact and impact != derived:
            raise DomainError(
                _("The impact does not match the affected share."),
                field="impact",
                rule="R-CASE-3",
            )
        impact = derived
        stored_share = rules.share_for_storage(affected_share)
    if not impact:
        raise DomainError(
            _("Give the impact or the affected share."), field="impact", rule="R-CASE-3"
        )
    if channel == Channel.PHONE and not staff:
        raise DomainError(
            _("Only operator staff record phone-opened cases."),
            field="channel",
            rule="R-CASE-11",
        )
    if opened_at is not None and not staff:
        raise DomainError(
            _("Only operator staff may record the opening time."),
            field="opened_at",
            rule="R-CASE-11",
        )
    opened_at = opened_at or now
    if not rules.opened_at_allowed(opened_at=opened_at, now=now):
        raise DomainError(
            _("The opening time may not lie in the future."),
            field="opened_at",
            rule="R-CASE-11",
        )
    severity = rules.severity_for(urgency=urgency, impact=impact)
    due, warning = _due_times(severity, opened_at, customer.region)
    case = Case.objects.create(
        partner_id=customer.partner_id,
        customer=customer,
        title=title.strip(),
        description=description.strip(),
        category=category,
        impact=impact,
        affected_share=stored_share,
        urgency=urgency,
        severity=severity,
        channel=channel,
        contract_number=contract_number.strip(),
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        contact_email=contact_email.strip(),
        opened_by=user if user is not None and user.is_authenticated else None,
        opened_at=opened_at,
        response_due_at=due,
        warning_due_at=warning,
    )
    _event(
        case,
        EventKind.OPENED,
        user=user,
        # A phone-opened case (R-CASE-11) sits on the timeline at its real opening time;
        # when it was recorded stays in the event's data.
        at=opened_at,
        to_value=severity,
        data={"channel": channel, "recorded_at": now.isoformat(), "due": due.isoformat()},
    )
    if rules.notify_partner_proactively(severity):  # R-CASE-10: S1/S2 e-mailed on opening
        _notify_case(
            case,
            event="opened",
            subject=_("[%(severity)s] New case #%(id)s: %(title)s")
            % {"severity": severity, "id": case.pk, "title": case.title},
            body=case_summary(case),
            partner_contacts=True,
            oncall=True,
            now=now,
        )
    return case


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
    _event(
        case,
        EventKind.STATUS_CHANGE,
        user=user,
        at=now,
        from_value=Status.NEW,
        to_value=Status.ACKNOWLEDGED,
        data={"met": not late},
    )
    return case


def _apply_severity(
    case: Case, *, user: Any, severity: str, reason: str, kind: str, now: datetime
) -> Case:
    old = case.severity
    case.severity = severity
    fields = ["severity", "updated_at"]
    if case.acknowledged_at is None:
        # R-CASE-7 decision: recompute from the opening time with the new objective.
        case.response_due_at, case.warning_due_at = _due_times(
            severity, case.opened_at, case.customer.region
        )
        fields += ["response_due_at", "warning_due_at"]
    elif case.action_plan_at is None:
        # R-CASE-9: the plan's interval follows the severity's objective and clock.
        case.action_plan_due_at = _plan_due(case)
        fields.append("action_plan_due_at")
    case.save(update_fields=fields)
    if kind == EventKind.ESCALATION_REQUEST:
        _event(case, kind, user=user, at=now, from_value=old, to_value=severity, text=reason)
    _event(
        case,
        EventKind.SEVERITY_CHANGE,
        user=user,
        at=now,
        from_value=old,
        to_value=severity,
        text=reason,
        data={"due": case.response_due_at.isoformat()},
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
    case = Case.objects.select_for_update().select_related("customer", "partner").get(pk=case.pk)
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
    _apply_severity(
        case,
        user=user,
        severity=severity,
        reason=reason,
        kind=EventKind.ESCALATION_REQUEST,
        now=now,
    )
    escalation_no = case.events.filter(kind=EventKind.ESCALATION_REQUEST).count()
    _notify_case(
        case,
        event=f"escalation:{escalation_no}",
        subject=_("[%(severity)s] Case #%(id)s escalated from %(old)s: %(title)s")
        % {"severity": severity, "old": old, "id": case.pk, "title": case.title},
        body=_("Reason: %(reason)s") % {"reason": reason} + "\n\n" + case_summary(case),
        partner_contacts=rules.notify_partner_proactively(severity),
        oncall=True,
        now=now,
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
            event=f"raise:{change_no}",
            subject=_("[%(severity)s] Case #%(id)s raised from %(old)s: %(title)s")
            % {"severity": severity, "old": old, "id": case.pk, "title": case.title},
            body=_("Reason: %(reason)s") % {"reason": reason} + "\n\n" + case_summary(case),
            partner_contacts=True,
            oncall=True,
        )
    return case


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
    _event(
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
    if recurrence and not staff:
        _notify_case(
            case,
            event=f"recurrence:{case.events.filter(kind=EventKind.STATUS_CHANGE).count()}",
            subject=_("[%(severity)s] Case #%(id)s: the partner reports a recurrence")
            % {"severity": case.severity, "id": case.pk},
            body=(note or "").strip() + "\n\n" + case_summary(case),
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
        event=f"action_plan:{case.events.filter(kind=EventKind.ACTION_PLAN).count()}",
        subject=_("Case #%(id)s: status and action plan") % {"id": case.pk},
        body=plan + "\n\n" + case_summary(case),
        partner_contacts=True,
        oncall=False,
    )
    return case


@transaction.atomic
def case_comment(*, user: Any, case: Case, text: str, now: datetime | None = None) -> CaseEvent:
    _require_access(user, case)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("The comment is empty."), field="text")
    return _event(case, EventKind.COMMENT, user=user, at=now, text=text)


@transaction.atomic
def case_mark_out_of_scope(
    *, user: Any, case: Case, reason: str, note: str = "", now: datetime | None = None
) -> Case:
    """Operator staff mark a case outside their scope, with the reason (R-CASE-13).

    The case is answered (acknowledged if still new) and resolved, so the partner may still
    reopen it within the reopen period if it disagrees.
    """
    from .choices import OutOfScopeReason

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
    return case_transition(
        user=user, case=case, status=Status.RESOLVED, note=OutOfScopeReason(reason).label, now=now
    )


# --- links from other apps ---------------------------------------------------------------------


def case_link_check(*, user: Any, case_id: int | str | None, partner: Any = None) -> Case | None:
    """Validate a TAC case another app links to (maintenance, capacity): it must exist in the
    caller's scope and, when ``partner`` is given, belong to that partner. Returns the case
    (None when no id is given) or raises DomainError on the ``case`` field."""
    if case_id in (None, ""):
        return None
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise DomainError(_("This case does not exist."), field="case") from None
    case = Case.objects.for_user(user).filter(pk=pk).first()
    partner_id = getattr(partner, "pk", partner)
    if case is None or (partner_id is not None and case.partner_id != partner_id):
        raise DomainError(
            _("The linked case must be a case of the same partner."), field="case", rule="R-CAP-3"
        )
    return case


def cases_for_ids(ids: Iterable[int]) -> list[Case]:
    return list(Case.objects.filter(id__in=list(ids)))
