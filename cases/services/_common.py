"""Helpers shared by the services of cases: actors, timeline entries, due times, notices."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.business_time import BusinessCalendarSpec
from portal.calendars import calendar_spec_for_region
from portal.notifications import notify
from portal.tenancy import require_operator, require_partner_of
from portal.timefmt import show_time
from portal.webhooks import publish

from .. import rules
from ..choices import EventKind, Status
from ..models import Case, CaseEvent
from ..search import refresh_search_vector

# Timeline entries that bring words to the full-text search (cases/search.py).
SEARCHED_KINDS = frozenset({EventKind.OPENED, EventKind.COMMENT})

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
    actor_name: str | None = None,
) -> CaseEvent:
    event = _new_event(
        case,
        kind,
        user=user,
        at=at,
        from_value=from_value,
        to_value=to_value,
        text=text,
        data=data,
        actor_name=actor_name,
    )
    event.save()
    if kind in SEARCHED_KINDS:  # the words of the case changed: the search finds them
        refresh_search_vector([case.pk])
    return event


def _new_event(
    case: Case,
    kind: str,
    *,
    user: Any = None,
    at: datetime | None = None,
    from_value: str = "",
    to_value: str = "",
    text: str = "",
    data: dict | None = None,
    actor_name: str | None = None,
) -> CaseEvent:
    """A timeline entry not yet written: several of one write go in with one INSERT
    (``CaseEvent.objects.bulk_create``; not for the searched kinds, see :func:`_event`)."""
    return CaseEvent(
        case=case,
        kind=kind,
        at=at or timezone.now(),
        actor=user if user is not None and user.is_authenticated else None,
        actor_name=actor_name if actor_name is not None else _actor_name(user),
        from_value=from_value,
        to_value=to_value,
        text=text,
        data=data or {},
    )


def case_webhook_data(case: Case) -> dict[str, Any]:
    """The case part of every ``case.*`` webhook (R-NOT-4; schema in
    ``portal.api.webhook_schemas``)."""
    return {
        "case_id": case.pk,
        "customer_id": case.customer_id,
        "title": case.title,
        "severity": case.severity,
        "status": case.status,
        "opened_at": case.opened_at,
        "response_due_at": case.response_due_at,
    }


def _publish_case(case: Case, type_: str, key: object, **extra: Any) -> int:
    """Publish a ``case.*`` webhook for the case's partner, once per ``key``."""
    data = {**case_webhook_data(case), **extra}
    return publish(
        partner=case.partner_id, type=type_, data=data, dedupe_key=f"{type_}:{case.pk}:{key}"
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


def _due_times(
    severity: str, opened_at: datetime, region: str, spec: BusinessCalendarSpec | None = None
) -> tuple[datetime, datetime]:
    spec = spec or calendar_spec_for_region(region)
    return (
        rules.response_due_at(severity, opened_at, spec),
        rules.warning_at(severity, opened_at, spec, warning_fraction()),
    )


def _escalation_dues(
    severity: str, response_due_at: datetime, region: str, spec: BusinessCalendarSpec | None = None
) -> tuple[datetime, datetime]:
    """The due times of escalation levels 2 and 3 (R-CASE-10 Decision)."""
    spec = spec or calendar_spec_for_region(region)
    return (
        rules.escalation_due_at(severity, response_due_at, spec, rules.DUTY_MANAGER_LEVEL),
        rules.escalation_due_at(severity, response_due_at, spec, rules.HEAD_OF_SUPPORT_LEVEL),
    )


#: How the action plan's clock reads the timeline: its entries in order, as these values.
PLAN_TIMELINE = ("kind", "from_value", "to_value", "at")


def _plan_timeline(case: Case, *kinds: str) -> list[tuple]:
    """The case's timeline entries of the status changes (and of ``kinds``), oldest first, as
    ``PLAN_TIMELINE`` values: one read for the plan's pauses and whatever else the caller
    counts."""
    entries = case.events.filter(kind__in=[EventKind.STATUS_CHANGE, *kinds])
    return list(entries.order_by("at", "id").values_list(*PLAN_TIMELINE))


def _plan_pauses(
    case: Case, timeline: list[tuple] | None = None
) -> list[tuple[datetime, datetime]]:
    """The closed intervals in which the action plan's clock stood still (R-CASE-9), from the
    timeline's status changes (``timeline``: as read by ``_plan_timeline``; read when not
    given)."""
    pauses: list[tuple[datetime, datetime]] = []
    since: datetime | None = None
    if timeline is None:
        timeline = _plan_timeline(case)
    for kind, from_value, to_value, at in timeline:
        if kind != EventKind.STATUS_CHANGE:
            continue
        if since is not None and from_value in rules.PLAN_CLOCK_STOPPED:
            pauses.append((since, at))
            since = None
        if to_value in rules.PLAN_CLOCK_STOPPED:
            since = at
    return pauses


def _plan_due(case: Case, timeline: list[tuple] | None = None) -> datetime:
    """The action plan's due time of an acknowledged case, with every pause so far."""
    assert case.acknowledged_at is not None
    return rules.action_plan_due_at(
        case.severity,
        case.acknowledged_at,
        calendar_spec_for_region(case.customer.region),
        _plan_pauses(case, timeline),
    )


def _plan_follows_severity(case: Case) -> bool:
    """Whether a severity change moves the action plan's due time (R-CASE-9): the case is
    acknowledged and its plan not yet given."""
    return case.acknowledged_at is not None and case.action_plan_at is None


def _notify_case(
    case: Case,
    *,
    kind: str,
    event: str,
    partner_contacts: bool,
    oncall: bool,
    context: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> int:
    """Write the case's event in the outbox (recipients are found when it is fanned out) and
    note it on the timeline."""
    count = _notify_case_outbox(
        case,
        kind=kind,
        event=event,
        partner_contacts=partner_contacts,
        oncall=oncall,
        context=context,
    )
    if count:
        _notice_event(case, event=event, count=count, at=now).save()
    return count


def _notice_event(case: Case, *, event: str, count: int, at: datetime | None) -> CaseEvent:
    """The timeline's "notification sent" entry of an outbox event, not yet written."""
    return _new_event(
        case, EventKind.NOTIFICATION_SENT, at=at, data={"about": event, "recipients": count}
    )


def _notify_case_outbox(
    case: Case,
    *,
    kind: str,
    event: str,
    partner_contacts: bool,
    oncall: bool,
    context: dict[str, Any] | None = None,
) -> int:
    """Only the outbox part of :func:`_notify_case`: the caller writes the timeline entry."""
    return notify(
        kind=kind,
        partner=case.partner_id if partner_contacts else None,
        customer=case.customer_id,
        context={"case": case.pk, "severity": case.severity, **(context or {})},
        related=case,
        dedupe_key=f"case:{case.pk}:{event}",
        # an operator address: not one of the partner's contacts
        operator_emails=[settings.OPERATOR_ONCALL_EMAIL] if oncall else (),
    )


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
