"""Changes: create, schedule, plan, notice, emergency, completion and cancellation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.services import case_link_check
from portal.calendars import calendar_spec_for_region
from portal.errors import DomainError, raise_violation
from portal.models import Customer, Partner

from .. import rules
from ..choices import (
    ChangeKind,
    ChangeStatus,
    NoticeKind,
    RescheduleStatus,
)
from ..models import (
    Certificate,
    Change,
)
from ..signals import change_cancelled, change_completed, change_rescheduled
from ._common import (
    _create_sso_checklists,
    _customers_of,
    _initial_reminder_level,
    _lock,
    _open_renewal,
    _publish_change,
    _require_staff,
    _send,
    _stamp,
    _transition,
    notice_reschedule_texts,
    validate_schedule,
)

# --- changes ---------------------------------------------------------------------------------


def _check_certificate(
    *, kind: str, certificate: Certificate | None, members: Sequence[Customer], change_id=None
) -> None:
    """R-MNT-6: a renewal names a certificate of one of its customers, not one another open
    change renews. The certificate row is locked so two renewals cannot both link it."""
    linked_id, linked_open = None, False
    if certificate is not None:
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        linked_id = certificate.renewal_change_id
        if linked_id is not None:
            linked_open = _open_renewal(certificate) is not None
    raise_violation(
        rules.certificate_link_violation(
            kind=kind,
            certificate_customer_id=certificate.customer_id if certificate else None,
            customer_ids=[c.pk for c in members],
            linked_change_id=linked_id,
            linked_change_open=linked_open,
            change_id=change_id,
        )
    )


@transaction.atomic
def change_create(
    *,
    actor: Any,
    partner: Partner | None = None,
    kind: str | None = None,
    title: str | None = None,
    customers: Iterable[Customer | int] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    description: str = "",
    reason: str = "",
    urgent: bool = False,
    interrupts_calling: bool = False,
    sme_publisher_region: str = "",
    case: Any = None,
    certificate: Certificate | None = None,
    now: datetime | None = None,
) -> Change:
    """Create a change of any kind, as staff do from the API and the admin: an emergency is
    declared (R-MNT-8: notice at once, may start now), every other kind is scheduled
    (R-MNT-1/2/4/6/7). ``case`` is a case or its id, checked to be the partner's."""
    _require_staff(actor)
    required = {"partner": partner, "kind": kind, "title": title, "customers": customers}
    for name, value in {**required, "end": end}.items():
        if value in (None, "") or (name == "customers" and not list(value)):
            raise DomainError(_("This field is required."), field=name)
    assert partner is not None and kind is not None and title is not None
    assert customers is not None and end is not None
    linked = case_link_check(user=actor, case_id=getattr(case, "pk", case), partner=partner)
    if kind == ChangeKind.EMERGENCY:
        return change_declare_emergency(
            actor=actor,
            partner=partner,
            customers=customers,
            title=title,
            description=description,
            reason=reason,
            start=start,
            end=end,
            case=linked,
            now=now,
        )
    if start is None:
        raise DomainError(_("This field is required."), field="start")
    return change_schedule(
        actor=actor,
        partner=partner,
        kind=kind,
        title=title,
        description=description,
        customers=customers,
        start=start,
        end=end,
        reason=reason,
        urgent=urgent,
        interrupts_calling=interrupts_calling,
        sme_publisher_region=sme_publisher_region,
        case=linked,
        certificate=certificate,
        now=now,
    )


@transaction.atomic
def change_schedule(
    *,
    actor: Any,
    partner: Partner,
    kind: str,
    title: str,
    customers: Iterable[Customer | int],
    start: datetime,
    end: datetime,
    description: str = "",
    reason: str = "",
    urgent: bool = False,
    interrupts_calling: bool = False,
    sme_publisher_region: str = "",
    case: Any = None,
    certificate: Certificate | None = None,
    text_kind: str = "",
    text_params: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Change:
    """Create a change and schedule it, refusing any rule it breaks (R-MNT-1/2/4/6/7/8).

    The notice rule is checked as if the notice went out now; ``change_send_notice`` checks it
    again when it really goes out. Emergency changes go through ``change_declare_emergency``.
    A change the system plans passes ``text_kind`` and ``text_params`` instead of a typed
    ``title`` (``maintenance.texts`` renders them in the reader's language).
    """
    _require_staff(actor)
    now = now or timezone.now()
    if not (title or "").strip() and not text_kind:
        raise DomainError(_("This field is required."), field="title")
    if kind not in ChangeKind.values:
        raise DomainError(_("Unknown kind of change."), field="kind", rule="R-MNT-3")
    if kind == ChangeKind.EMERGENCY:
        raise DomainError(
            _("Declare emergency changes as emergencies."), field="kind", rule="R-MNT-8"
        )
    if case is not None and case.partner_id != partner.pk:
        raise DomainError(
            _("The linked case must be a case of the same partner."), field="case", rule="R-MNT-7"
        )
    raise_violation(
        rules.reason_violation(kind=kind, reason=reason, has_linked_case=case is not None)
    )
    members = _customers_of(partner, customers)
    _check_certificate(kind=kind, certificate=certificate, members=members)
    if certificate is not None:
        raise_violation(
            rules.certificate_renewal_violation(expires_at=certificate.expires_at, start=start)
        )
    validate_schedule(
        kind=kind,
        customers=members,
        start=start,
        end=end,
        sme_publisher_region=sme_publisher_region,
        notice_at=now,
        interrupts_calling=interrupts_calling,
    )
    change = Change.objects.create(
        partner=partner,
        kind=kind,
        title=(title or "").strip(),
        description=description,
        text_kind=text_kind,
        text_params=text_params or {},
        start=start,
        end=end,
        reason=reason,
        urgent=urgent,
        interrupts_calling=interrupts_calling,
        sme_publisher_region=sme_publisher_region,
        status=ChangeStatus.SCHEDULED,
        created_by=actor,
        case=case,
    )
    change.customers.set(members)
    if certificate is not None:
        Certificate.objects.filter(pk=certificate.pk).update(renewal_change=change)
    return change


@transaction.atomic
def change_plan(
    *,
    actor: Any,
    change: Change,
    start: datetime,
    end: datetime,
    kind: str | None = None,
    now: datetime | None = None,
    allow_weekend: bool = False,
    check_notice: bool = True,
    within_campaign: bool = False,
) -> Change:
    """Set or move the times of a change (draft, approved, scheduled or notified).

    Moving a notified change is a reschedule: the partner gets a "rescheduled" notice and the
    reminders start over. ``allow_weekend``/``check_notice=False`` serve an alternative the
    partner chose (R-MNT-5): the partner agreed to it. ``within_campaign``: a partner's
    reschedule (R-MNT-5, R-REL-4) keeps a campaign's change in a window of its campaign that
    still has room (R-MNT-13); staff moving it themselves may go beyond.
    """
    _require_staff(actor)
    now = now or timezone.now()
    change = _lock(change)
    if kind is not None and kind != change.kind:
        if change.status not in rules.KIND_EDITABLE_STATUSES:
            raise DomainError(_("The kind can change only before the notice."), field="kind")
        change.kind = kind
    if change.status not in rules.EDITABLE_STATUSES:
        raise DomainError(
            _("A change can be scheduled only before it starts."), field="status", rule="R-MNT-3"
        )
    members = list(change.customers.all())
    for certificate in change.certificates.all():  # R-MNT-6: a renewal stays in its band
        raise_violation(
            rules.certificate_renewal_violation(expires_at=certificate.expires_at, start=start)
        )
    validate_schedule(
        kind=change.kind,
        customers=members,
        start=start,
        end=end,
        sme_publisher_region=change.sme_publisher_region,
        notice_at=now,
        exclude_change_id=change.pk,
        allow_weekend=allow_weekend,
        check_notice=check_notice,
        interrupts_calling=change.interrupts_calling,
    )
    if within_campaign:
        from .campaigns import campaign_room_violation

        room = campaign_room_violation(change=change, start=start, end=end)
        if room is not None:
            raise DomainError(room[1], field="start", rule=room[0])
    previous = (change.start, change.end)
    change.start, change.end = start, end
    if change.status == ChangeStatus.NOTIFIED and previous == (start, end):
        change.save()  # nothing moved: no "rescheduled" notice
    elif change.status == ChangeStatus.NOTIFIED:
        change.reminder_level = _initial_reminder_level(start, now)
        change.save()
        _send(
            change,
            kind=NoticeKind.RESCHEDULED,
            event_key=f"change:{change.pk}:rescheduled:{_stamp(start)}:{_stamp(end)}",
            headline=_("Maintenance rescheduled"),
            message="change.rescheduled",
            now=now,
        )
        change_rescheduled.send(
            Change, change=change, previous_start=previous[0], previous_end=previous[1]
        )
        _publish_change(  # R-NOT-4
            change,
            "change.rescheduled",
            f"{_stamp(start)}:{_stamp(end)}",
            previous_start=previous[0],
            previous_end=previous[1],
        )
    else:
        if change.status != ChangeStatus.SCHEDULED:
            _transition(change, ChangeStatus.SCHEDULED)
        change.save()
    return change


@transaction.atomic
def change_send_notice(*, actor: Any, change: Change, now: datetime | None = None) -> Change:
    """Send the written notice (R-MNT-4): outbox rows for the partner's and the customers'
    "Maintenance and outages" contacts; records when, and opens the reschedule period
    (R-MNT-5) for changes that can be rescheduled."""
    _require_staff(actor)
    now = now or timezone.now()
    change = _lock(change)
    if change.status != ChangeStatus.SCHEDULED:
        raise DomainError(
            _("Only a scheduled change that has not been notified can get its notice."),
            field="status",
            rule="R-MNT-4",
        )
    for region in sorted({c.region for c in change.customers.all()}):
        raise_violation(
            rules.notice_violation(
                kind=change.kind,
                spec=calendar_spec_for_region(region),
                notice_at=now,
                start=change.start,
                interrupts_calling=change.interrupts_calling,
            )
        )
    _transition(change, ChangeStatus.NOTIFIED)
    change.notice_sent_at = now
    if rules.change_is_reschedulable(change.kind, change.urgent):
        change.reschedule_deadline = rules.reschedule_deadline(now)
        change.reschedule_open = True
    change.reminder_level = _initial_reminder_level(change.start, now)
    change.save()
    extra, values = notice_reschedule_texts(change)
    _send(
        change,
        kind=NoticeKind.NOTICE,
        event_key=f"change:{change.pk}:notice",
        headline=_("Planned maintenance"),
        extra=extra,
        message="change.notice",
        values=values,
        now=now,
    )
    _publish_change(change, "change.notified", notified_at=now, emergency=False)  # R-NOT-4
    return change


@transaction.atomic
def change_declare_emergency(
    *,
    actor: Any,
    partner: Partner,
    customers: Iterable[Customer | int],
    title: str,
    reason: str,
    end: datetime,
    start: datetime | None = None,
    description: str = "",
    case: Any = None,
    now: datetime | None = None,
) -> Change:
    """An emergency change (R-MNT-8): one of the four reasons, may start at once, and the
    partner's communication list is told immediately. It cannot be rescheduled (R-MNT-5)."""
    _require_staff(actor)
    now = now or timezone.now()
    start = start or now
    raise_violation(
        rules.reason_violation(kind=ChangeKind.EMERGENCY, reason=reason, has_linked_case=False)
    )
    raise_violation(rules.interval_violation(start, end))
    members = _customers_of(partner, customers)
    change = Change.objects.create(
        partner=partner,
        kind=ChangeKind.EMERGENCY,
        title=title,
        description=description,
        start=start,
        end=end,
        reason=reason,
        urgent=True,
        status=ChangeStatus.IN_PROGRESS if start <= now else ChangeStatus.NOTIFIED,
        started_at=now if start <= now else None,
        notice_sent_at=now,
        reminder_level=_initial_reminder_level(start, now),
        created_by=actor,
        case=case,
    )
    change.customers.set(members)
    _send(
        change,
        kind=NoticeKind.EMERGENCY,
        event_key=f"change:{change.pk}:emergency",
        headline=_("Emergency maintenance"),
        message="change.emergency",
        extra=_("Reason: %(reason)s") % {"reason": change.reason_label},
        now=now,
    )
    _publish_change(change, "change.notified", notified_at=now, emergency=True)  # R-NOT-4
    return change


def _start(change: Change, now: datetime) -> None:
    change.status = ChangeStatus.IN_PROGRESS
    change.started_at = now
    change.reschedule_open = False


@transaction.atomic
def change_complete(*, actor: Any, change: Change, now: datetime | None = None) -> Change:
    """Complete a change: completion notice, SSO checklists after a certificate renewal
    (R-MNT-6), and the ``change_completed`` signal (releases records upgrades, R-REL-4)."""
    _require_staff(actor)
    now = now or timezone.now()
    change = _lock(change)
    raise_violation(rules.record_violation(kind=change.kind, start=change.start, now=now))
    if change.status in rules.PLANNED_STATUSES:
        _start(change, now)
    _transition(change, ChangeStatus.COMPLETED)
    change.completed_at = now
    change.save()
    _send(
        change,
        kind=NoticeKind.COMPLETED,
        event_key=f"change:{change.pk}:completed",
        headline=_("Maintenance completed"),
        message="change.completed",
        now=now,
    )
    _publish_change(change, "change.completed", completed_at=now)  # R-NOT-4
    if change.kind == ChangeKind.CERTIFICATE_RENEWAL:
        _create_sso_checklists(change, now)
    change_completed.send(Change, change=change, completed_at=now)
    return change


@transaction.atomic
def change_cancel(
    *, actor: Any, change: Change, note: str = "", now: datetime | None = None
) -> Change:
    """Cancel a change; contacts already notified get a cancellation notice."""
    _require_staff(actor)
    now = now or timezone.now()
    change = _lock(change)
    was_notified = change.notice_sent_at is not None
    _transition(change, ChangeStatus.CANCELLED)
    change.cancelled_at = now
    change.reschedule_open = False
    change.save()
    change.reschedule_requests.filter(status__in=rules.OPEN_RESCHEDULE_STATUSES).update(
        status=RescheduleStatus.DECLINED, answered_at=now
    )
    if was_notified:
        _send(
            change,
            kind=NoticeKind.CANCELLED,
            event_key=f"change:{change.pk}:cancelled",
            headline=_("Maintenance cancelled"),
            extra=note,
            message="change.cancelled",
            values={"note": note or ""},
            now=now,
        )
    change_cancelled.send(Change, change=change)
    return change
