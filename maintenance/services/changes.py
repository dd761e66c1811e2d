"""Every write of the maintenance app. Views, the API, the admin and the beat call these.

Rules live in ``maintenance.rules`` (pure); a broken rule becomes a ``DomainError`` naming the
field and the rule. Notices go through the outbox (``portal.notifications.notify``) inside the
same transaction, with an event key that makes each one exactly-once per contact. Periodic
duties claim their due rows with ``select_for_update(skip_locked=True)`` on PostgreSQL (SQLite
serialises writers) and change them in the same transaction as the notices they send.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.services import case_link_check
from portal.calendars import calendar_spec_for_region
from portal.choices import Category
from portal.errors import DomainError, raise_violation
from portal.limits import partner_request_check
from portal.models import Customer, Partner
from portal.notifications import notify
from portal.tenancy import (
    is_operator,
    is_partner_admin,
    partner_for,
    require_operator,
    require_partner_of,
)
from portal.timefmt import show_time

from . import rules
from .choices import (
    ChangeKind,
    ChangeOrigin,
    ChangeStatus,
    NoticeKind,
    OutageStatus,
    PatchStatus,
    RescheduleStatus,
    SsoChecklistItem,
)
from .models import (
    CalendarFeed,
    Certificate,
    Change,
    ChangeNotice,
    Outage,
    PartnerEmergency,
    PatchRequest,
    RescheduleAlternative,
    RescheduleRequest,
    SsoChecklist,
    SsoChecklistStep,
)
from .signals import change_cancelled, change_completed, change_rescheduled
from .windows import window_containing

BATCH_SIZE = 200
logger = logging.getLogger(__name__)
MAINTENANCE = Category.MAINTENANCE_AND_OUTAGES


def reminder_hours() -> list[int]:
    """Hours before start at which reminders go out (setting MAINTENANCE_REMINDER_HOURS)."""
    return sorted({int(h) for h in settings.MAINTENANCE_REMINDER_HOURS})


def _change_management_email() -> str:
    return settings.CHANGE_MANAGEMENT_EMAIL


def _tell_change_management(*, subject: str, body: str, related: Any, dedupe_key: str) -> None:
    """A partner's request for the operator's change-management team (outbox, once), within
    the partner's hourly limit of such requests."""
    partner_request_check(partner_id=getattr(related, "partner_id", None))
    notify(
        partner=None,
        category=MAINTENANCE,
        subject=subject,
        body=body,
        related=related,
        dedupe_key=dedupe_key,
        extra_emails=[_change_management_email()],
    )


# --- helpers ----------------------------------------------------------------------------------


def _require_staff(actor: Any) -> None:
    """Operator-only steps. ``actor=None`` is the system itself (beat, scan)."""
    require_operator(actor, allow_system=True)


def _require_partner_of(actor: Any, partner_id: int) -> None:
    require_partner_of(actor, partner_id, message=_("This change does not exist."), rule="Actors")


def _customers_of(partner: Partner, customers: Iterable[Customer | int]) -> list[Customer]:
    ids = {c.pk if isinstance(c, Customer) else int(c) for c in customers}
    if not ids:
        raise DomainError(_("Name at least one affected customer."), field="customers")
    found = list(Customer.objects.filter(pk__in=ids, partner=partner).order_by("name"))
    if len(found) != len(ids):
        raise DomainError(
            _("Every affected customer must belong to the change's partner."), field="customers"
        )
    return found


def _regions(customers: Sequence[Customer], sme_publisher_region: str) -> list[str]:
    """R-MNT-2: the regions whose windows the change must fit (SME: the publisher's)."""
    return sorted({rules.effective_region(c.region, sme_publisher_region) for c in customers})


def _lock(change: Change) -> Change:
    """Re-read the change under a row lock, so two concurrent actions cannot both pass."""
    return Change.objects.select_for_update().get(pk=change.pk)


def validate_schedule(
    *,
    kind: str,
    customers: Sequence[Customer],
    start: datetime | None,
    end: datetime | None,
    sme_publisher_region: str = "",
    notice_at: datetime,
    exclude_change_id: int | None = None,
    allow_weekend: bool = False,
    check_notice: bool = True,
    interrupts_calling: bool = False,
) -> None:
    """Every scheduling rule, in order; raises the first one broken (R-MNT-1/2/4, R-REL-4).

    ``notice_at`` is the moment of scheduling: the change must start after it (R-MNT-2) and
    the notice is counted from it (R-MNT-4, R-REL-4).
    """
    raise_violation(rules.interval_violation(start, end))
    assert start is not None and end is not None
    raise_violation(rules.future_start_violation(kind=kind, start=start, now=notice_at))
    for region in _regions(customers, sme_publisher_region):
        raise_violation(
            rules.window_violation(
                region=region, kind=kind, start=start, end=end, allow_weekend=allow_weekend
            )
        )
    if check_notice:
        for region in sorted({c.region for c in customers}):
            raise_violation(
                rules.notice_violation(
                    kind=kind,
                    spec=calendar_spec_for_region(region),
                    notice_at=notice_at,
                    start=start,
                    interrupts_calling=interrupts_calling,
                )
            )
    clash = (
        Change.customers.through.objects.filter(
            customer_id__in=[c.pk for c in customers],
            change__status__in=rules.OPEN_STATUSES,
            change__start__lt=end,
            change__end__gt=start,
        )
        .exclude(change_id=exclude_change_id)
        .select_related("change", "customer")
        .order_by("change__start")
        .first()
    )
    if clash is not None:
        raise_violation(rules.overlap_violation(clash.customer.name, clash.change.title))


def _stamp(moment: datetime) -> str:
    """An instant in event keys: always UTC, so the same instant always gives the same key."""
    return moment.astimezone(UTC).isoformat()


def _transition(change: Change, target: str) -> None:
    raise_violation(rules.transition_violation(change.status, target))
    change.status = target


# --- notices ---------------------------------------------------------------------------------


def _local_times(change: Change, customers: Sequence[Customer]) -> str:
    if change.start is None or change.end is None:
        return ""
    lines = []
    for region in _regions(customers, change.sme_publisher_region):
        from .windows import region_zone

        zone = region_zone(region)
        lines.append(
            f"{region}: {show_time(change.start, zone=zone)} – {show_time(change.end, zone=zone)}"
        )
    return "\n".join(lines)


def _send(
    change: Change, *, kind: str, event_key: str, headline: str, extra: str = "", now: datetime
) -> int:
    """Write one ChangeNotice and the outbox rows for every subscribed contact (R-MNT-4).

    Partner-wide contacts and each affected customer's contacts of "Maintenance and outages"
    receive it once each: the outbox's (event key, recipient) uniqueness removes duplicates.
    """
    customers = list(change.customers.order_by("name"))
    subject = f"[{change.get_kind_display()}] {headline}: {change.title}"
    link = settings.SITE_URL + reverse("maintenance:change", args=[change.pk])
    body = "\n\n".join(
        part
        for part in [
            headline,
            change.title,
            change.description,
            _("Customers: %(names)s") % {"names": ", ".join(c.name for c in customers)},
            _local_times(change, customers),
            extra,
            link,
        ]
        if part
    )
    notice, created = ChangeNotice.objects.get_or_create(
        event_key=event_key,
        defaults={
            "change": change,
            "kind": kind,
            "subject": subject[:250],
            "body": body,
            "sent_at": now,
        },
    )
    if not created:
        return 0
    sent = 0
    for customer in customers:
        sent += notify(
            partner=change.partner,
            category=MAINTENANCE,
            subject=subject,
            body=body,
            related=change,
            customer=customer,
            dedupe_key=event_key,
        )
    if not customers:
        sent += notify(
            partner=change.partner,
            category=MAINTENANCE,
            subject=subject,
            body=body,
            related=change,
            dedupe_key=event_key,
        )
    ChangeNotice.objects.filter(pk=notice.pk).update(recipients=sent)
    return sent


def _initial_reminder_level(start: datetime, now: datetime) -> int | None:
    """Reminders whose moment has already passed are not sent late (e.g. a notice 2 days
    ahead sends no 72-hour reminder)."""
    passed = [h for h in reminder_hours() if start - timedelta(hours=h) <= now]
    return min(passed) if passed else None


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
    now: datetime | None = None,
) -> Change:
    """Create a change and schedule it, refusing any rule it breaks (R-MNT-1/2/4/6/7/8).

    The notice rule is checked as if the notice went out now; ``change_send_notice`` checks it
    again when it really goes out. Emergency changes go through ``change_declare_emergency``.
    """
    _require_staff(actor)
    now = now or timezone.now()
    if kind not in ChangeKind.values:
        raise DomainError(_("Unknown kind of change."), field="kind", rule="R-MNT-3")
    if kind == ChangeKind.EMERGENCY:
        raise DomainError(
            _("Declare emergency changes as emergencies (R-MNT-8)."), field="kind", rule="R-MNT-8"
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
        title=title,
        description=description,
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
) -> Change:
    """Set or move the times of a change (draft, approved, scheduled or notified).

    Moving a notified change is a reschedule: the partner gets a "rescheduled" notice and the
    reminders start over. ``allow_weekend``/``check_notice=False`` serve an alternative the
    partner chose (R-MNT-5): the partner agreed to it.
    """
    _require_staff(actor)
    now = now or timezone.now()
    change = _lock(change)
    if kind is not None and kind != change.kind:
        if change.status not in (ChangeStatus.DRAFT, ChangeStatus.APPROVED, ChangeStatus.SCHEDULED):
            raise DomainError(_("The kind can change only before the notice."), field="kind")
        change.kind = kind
    if change.status not in (
        ChangeStatus.DRAFT,
        ChangeStatus.APPROVED,
        ChangeStatus.SCHEDULED,
        ChangeStatus.NOTIFIED,
    ):
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
            now=now,
        )
        change_rescheduled.send(
            Change, change=change, previous_start=previous[0], previous_end=previous[1]
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
    extra = ""
    if change.reschedule_open:
        extra = _(
            "If this change conflicts with your business priorities, request a reschedule "
            "with a detailed reason before %(deadline)s (R-MNT-5)."
        ) % {"deadline": show_time(change.reschedule_deadline, customer=change)}
    _send(
        change,
        kind=NoticeKind.NOTICE,
        event_key=f"change:{change.pk}:notice",
        headline=_("Planned maintenance"),
        extra=extra,
        now=now,
    )
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
        extra=_("Reason: %(reason)s") % {"reason": change.reason_label},
        now=now,
    )
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
    if change.status in (ChangeStatus.SCHEDULED, ChangeStatus.NOTIFIED):
        _start(change, now)
    _transition(change, ChangeStatus.COMPLETED)
    change.completed_at = now
    change.save()
    _send(
        change,
        kind=NoticeKind.COMPLETED,
        event_key=f"change:{change.pk}:completed",
        headline=_("Maintenance completed"),
        now=now,
    )
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
    change.reschedule_requests.filter(
        status__in=[RescheduleStatus.REQUESTED, RescheduleStatus.ALTERNATIVES_OFFERED]
    ).update(status=RescheduleStatus.DECLINED, answered_at=now)
    if was_notified:
        _send(
            change,
            kind=NoticeKind.CANCELLED,
            event_key=f"change:{change.pk}:cancelled",
            headline=_("Maintenance cancelled"),
            extra=note,
            now=now,
        )
    change_cancelled.send(Change, change=change)
    return change


# --- partner-requested changes with joint review (R-MNT-9) -------------------------------------


@transaction.atomic
def change_request_by_partner(
    *,
    actor: Any,
    customers: Iterable[Customer | int],
    title: str,
    description: str,
    partner_request_kind: str,
    partner: Partner | None = None,
) -> Change:
    """A partner asks for a change; it waits for the joint review before any scheduling."""
    partner = partner or partner_for(actor)
    if partner is None:
        raise DomainError(_("Only partner users can request changes."), rule="R-MNT-9")
    _require_partner_of(actor, partner.pk)
    if not (description or "").strip():
        raise DomainError(
            _("Describe the change and its impact."), field="description", rule="R-MNT-9"
        )
    members = _customers_of(partner, customers)
    change = Change.objects.create(
        partner=partner,
        kind=ChangeKind.ROUTINE,
        origin=ChangeOrigin.PARTNER,
        partner_request_kind=partner_request_kind,
        title=title,
        description=description,
        status=ChangeStatus.SUBMITTED,
        created_by=actor,
    )
    change.customers.set(members)
    _tell_change_management(
        subject=_("Partner change request: %(title)s") % {"title": title},
        body=f"{partner.name}\n\n{title}\n\n{description}",
        related=change,
        dedupe_key=f"change:{change.pk}:submitted",
    )
    return change


@transaction.atomic
def change_review(
    *,
    actor: Any,
    change: Change,
    decision: str,
    note: str = "",
    kind: str | None = None,
    now: datetime | None = None,
) -> Change:
    """Joint review steps (R-MNT-9): ``start`` review, then ``approve`` or ``reject``."""
    _require_staff(actor)
    now = now or timezone.now()
    change = _lock(change)
    target = {
        "start": ChangeStatus.UNDER_REVIEW,
        "approve": ChangeStatus.APPROVED,
        "reject": ChangeStatus.REJECTED,
    }.get(decision)
    if target is None:
        raise DomainError(_("Unknown review decision."), field="decision", rule="R-MNT-9")
    _transition(change, target)
    if note:
        change.review_note = note
    if kind and target == ChangeStatus.APPROVED:
        change.kind = kind
    change.save()
    if target in (ChangeStatus.APPROVED, ChangeStatus.REJECTED):
        headline = (
            _("Change request approved")
            if target == ChangeStatus.APPROVED
            else _("Change request rejected")
        )
        _send(
            change,
            kind=NoticeKind.NOTICE,
            event_key=f"change:{change.pk}:review:{target}",
            headline=headline,
            extra=note,
            now=now,
        )
    return change


# --- reschedule requests (R-MNT-5) -------------------------------------------------------------


@transaction.atomic
def reschedule_request_create(
    *, actor: Any, change: Change, reason: str, now: datetime | None = None
) -> RescheduleRequest:
    """A partner asks to move a notified change; refused after the deadline, without a
    reason, or for urgent and emergency changes (R-MNT-5)."""
    _require_partner_of(actor, change.partner_id)
    now = now or timezone.now()
    change = _lock(change)
    if change.status != ChangeStatus.NOTIFIED:
        raise DomainError(
            _("Only a notified change that has not started can be rescheduled (R-MNT-5)."),
            rule="R-MNT-5",
        )
    raise_violation(
        rules.reschedule_violation(
            kind=change.kind,
            urgent=change.urgent,
            notice_sent_at=change.notice_sent_at,
            now=now,
            reason=reason,
        )
    )
    if change.reschedule_requests.filter(
        status__in=[RescheduleStatus.REQUESTED, RescheduleStatus.ALTERNATIVES_OFFERED]
    ).exists():
        raise DomainError(_("This change already has an open reschedule request."), rule="R-MNT-5")
    try:
        with transaction.atomic():
            request = RescheduleRequest.objects.create(
                change=change, reason=reason.strip(), requested_by=actor
            )
    except IntegrityError:
        raise DomainError(
            _("This change already has an open reschedule request."), rule="R-MNT-5"
        ) from None
    _tell_change_management(
        subject=_("Reschedule request: %(title)s") % {"title": change.title},
        body=f"{change.partner.name}\n\n{change.title}\n\n{reason}",
        related=request,
        dedupe_key=f"reschedule:{request.pk}:requested",
    )
    return request


def _alternative_check(
    change: Change,
    members: Sequence[Customer],
    start: datetime,
    end: datetime,
    now: datetime,
    holidays: dict[str, frozenset],
) -> str:
    """Every rule of the change itself, for one alternative (R-MNT-5 Decision): in the future,
    inside one window of every region (weekend only for infrastructure and upgrades), R-MNT-4
    notice counted from now, not on a holiday of a customer's calendar, free of the customers'
    other changes, a renewal still in its band. Returns the window kind; raises on the
    ``alternatives`` field otherwise."""
    try:
        raise_violation(rules.interval_violation(start, end))
        if start <= now:
            raise DomainError(
                _("Alternatives must lie in the future."), field="alternatives", rule="R-MNT-5"
            )
        validate_schedule(
            kind=change.kind,
            customers=members,
            start=start,
            end=end,
            sme_publisher_region=change.sme_publisher_region,
            notice_at=now,
            exclude_change_id=change.pk,
            allow_weekend=rules.kind_may_be_offered_weekend(change.kind),
            interrupts_calling=change.interrupts_calling,
        )
        for certificate in change.certificates.all():
            raise_violation(
                rules.certificate_renewal_violation(expires_at=certificate.expires_at, start=start)
            )
        kind = ""
        for region in _regions(members, change.sme_publisher_region):
            window = window_containing(region, start, end)
            assert window is not None  # validate_schedule checked it
            kind = kind or window.kind
        for customer in members:
            window = window_containing(
                rules.effective_region(customer.region, change.sme_publisher_region), start, end
            )
            assert window is not None
            raise_violation(
                rules.holiday_violation(night=window.night, holidays=holidays[customer.region])
            )
        return kind
    except DomainError as exc:
        # Shown on the list of alternatives, whatever field the rule names for a change.
        raise DomainError(exc.message, field="alternatives", rule=exc.rule) from None


def _holidays_by_region(members: Sequence[Customer]) -> dict[str, frozenset]:
    return {
        region: calendar_spec_for_region(region).holidays
        for region in sorted({c.region for c in members})
    }


def reschedule_alternatives_for(
    *, change: Change, now: datetime | None = None, weekday: int = 3, weekend: int = 2
) -> list[tuple[datetime, datetime]]:
    """The next windows staff may offer for a reschedule (R-MNT-5), for all the change's
    customers: up to ``weekday`` weekday windows and, for infrastructure changes and upgrades
    only, ``weekend`` weekend windows, each satisfying the change's own rules (see
    ``_alternative_check``). The change keeps its length (capped to the window)."""
    now = now or timezone.now()
    members = list(change.customers.order_by("name"))
    if not members:
        return []
    holidays = _holidays_by_region(members)
    length = change.end - change.start if change.start and change.end else timedelta(hours=1)
    region = _regions(members, change.sme_publisher_region)[0]
    want = {
        "weekday": weekday,
        "weekend": weekend if rules.kind_may_be_offered_weekend(change.kind) else 0,
    }
    found: list[tuple[datetime, datetime]] = []
    for window in rules.alternative_windows(
        region, now, weekday=10**6, weekend=10**6, horizon=rules.ALTERNATIVES_SEARCH_HORIZON
    ):
        if not any(want.values()):
            break
        if want[window.kind] <= 0 or window.start == change.start:
            continue
        start, end = window.start, min(window.start + length, window.end)
        try:
            _alternative_check(change, members, start, end, now, holidays)
        except DomainError:
            continue
        want[window.kind] -= 1
        found.append((start, end))
    return found


@transaction.atomic
def reschedule_offer_alternatives(
    *,
    actor: Any,
    request: RescheduleRequest,
    alternatives: Sequence[tuple[datetime, datetime]] | None = None,
    note: str = "",
    now: datetime | None = None,
) -> RescheduleRequest:
    """Staff answer with alternative windows for the partner to pick (R-MNT-5). Without
    ``alternatives``, the next ones of ``reschedule_alternatives_for`` are offered. Every
    alternative satisfies the change's own rules (DOMAIN.md's Decision in R-MNT-5)."""
    _require_staff(actor)
    now = now or timezone.now()
    request = (
        RescheduleRequest.objects.select_for_update().select_related("change").get(pk=request.pk)
    )
    if request.status not in (RescheduleStatus.REQUESTED, RescheduleStatus.ALTERNATIVES_OFFERED):
        raise DomainError(_("This request is already answered."), field="status", rule="R-MNT-5")
    change = request.change
    if alternatives is None:
        alternatives = reschedule_alternatives_for(change=change, now=now)
        if not alternatives:
            raise DomainError(
                _("No window in the coming weeks satisfies this change's rules."),
                field="alternatives",
                rule="R-MNT-5",
            )
    if not alternatives:
        raise DomainError(_("Offer at least one alternative window."), field="alternatives")
    members = list(change.customers.order_by("name"))
    holidays = _holidays_by_region(members)
    rows = []
    for start, end in alternatives:
        window_kind = _alternative_check(change, members, start, end, now, holidays)
        rows.append(
            RescheduleAlternative(request=request, start=start, end=end, window_kind=window_kind)
        )
    request.alternatives.all().delete()
    RescheduleAlternative.objects.bulk_create(rows)
    request.status = RescheduleStatus.ALTERNATIVES_OFFERED
    request.staff_note = note
    request.answered_at = now
    request.save()
    _send(
        change,
        kind=NoticeKind.NOTICE,
        event_key=f"reschedule:{request.pk}:alternatives:{_stamp(now)}",
        headline=_("Alternative windows offered"),
        extra="\n".join(f"- {row}" for row in rows) + (f"\n\n{note}" if note else ""),
        now=now,
    )
    return request


@transaction.atomic
def reschedule_choose(
    *, actor: Any, request: RescheduleRequest, alternative_id: int, now: datetime | None = None
) -> RescheduleRequest:
    """The partner picks one of the offered windows; the change moves there (R-MNT-5)."""
    _require_partner_of(actor, request.change.partner_id)
    now = now or timezone.now()
    request = RescheduleRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RescheduleStatus.ALTERNATIVES_OFFERED:
        raise DomainError(_("There is no offer to choose from."), field="status", rule="R-MNT-5")
    alternative = request.alternatives.filter(pk=alternative_id).first()
    if alternative is None:
        raise DomainError(_("Choose one of the offered windows."), field="alternative")
    if alternative.start <= now:
        raise DomainError(_("This window has already begun."), field="alternative")
    change_plan(
        actor=None,
        change=request.change,
        start=alternative.start,
        end=alternative.end,
        now=now,
        allow_weekend=True,
        check_notice=False,
    )
    request.status = RescheduleStatus.ACCEPTED
    request.chosen = alternative
    request.save()
    return request


@transaction.atomic
def reschedule_close(
    *, actor: Any, request: RescheduleRequest, decline: bool, note: str = "", now=None
) -> RescheduleRequest:
    """Staff decline a request, or the partner withdraws its own."""
    if decline:
        _require_staff(actor)
    else:
        _require_partner_of(actor, request.change.partner_id)
    request = RescheduleRequest.objects.select_for_update().get(pk=request.pk)
    if request.status not in (RescheduleStatus.REQUESTED, RescheduleStatus.ALTERNATIVES_OFFERED):
        raise DomainError(_("This request is already closed."), field="status")
    request.status = RescheduleStatus.DECLINED if decline else RescheduleStatus.WITHDRAWN
    if note:
        request.staff_note = note
    request.answered_at = now or timezone.now()
    request.save()
    return request


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
                status__in=[ChangeStatus.SCHEDULED, ChangeStatus.NOTIFIED], start__lte=now
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


# --- certificates (R-MNT-6) --------------------------------------------------------------------

CERTIFICATE_LOOKAHEAD = timedelta(days=14)


def certificates_scan(*, now: datetime | None = None) -> dict[str, int]:
    """The daily scan: for each certificate nearing expiry without a renewal for its current
    expiry, create the renewal change in the first weekday window 3–7 days before expiry.
    Idempotent: ``renewal_for_expiry`` is claimed with the change in one transaction."""
    now = now or timezone.now()
    created = unplaceable = 0
    while True:
        with transaction.atomic():
            due = Certificate.objects.filter(
                expires_at__gt=now, expires_at__lte=now + CERTIFICATE_LOOKAHEAD
            ).exclude(renewal_for_expiry=F("expires_at"))
            ids = _claim(due)
            if not ids:
                return {"created": created, "unplaceable": unplaceable}
            for cert in Certificate.objects.filter(pk__in=ids).select_related(
                "customer", "customer__partner"
            ):
                cert.renewal_for_expiry = cert.expires_at
                # R-MNT-6: an open renewal is never re-pointed nor unlinked by the scan.
                kept = _open_renewal(cert)
                change = kept or _schedule_renewal(cert, now)
                cert.renewal_change = change
                cert.save(update_fields=["renewal_for_expiry", "renewal_change"])
                if change is None:
                    unplaceable += 1
                elif kept is None:
                    created += 1


_CLOSED_STATUSES = (ChangeStatus.COMPLETED, ChangeStatus.CANCELLED, ChangeStatus.REJECTED)


def _open_renewal(certificate: Certificate) -> Change | None:
    if certificate.renewal_change_id is None:
        return None
    return (
        Change.objects.filter(pk=certificate.renewal_change_id)
        .exclude(status__in=_CLOSED_STATUSES)
        .first()
    )


@transaction.atomic
def certificate_save(
    *,
    actor: Any,
    customer: Customer,
    application: str,
    common_name: str,
    expires_at: datetime,
    certificate: Certificate | None = None,
) -> Certificate:
    """Staff record or correct a certificate of the inventory (R-MNT-6). A certificate whose
    renewal is open keeps its customer, and its new expiry keeps the renewal in its band."""
    _require_staff(actor)
    if certificate is not None:
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        renewal = _open_renewal(certificate)
        if renewal is not None:
            if customer.pk != certificate.customer_id:
                raise DomainError(
                    _("A certificate with an open renewal keeps its customer (R-MNT-6)."),
                    field="customer",
                    rule="R-MNT-6",
                )
            if renewal.start is not None and rules.certificate_renewal_violation(
                expires_at=expires_at, start=renewal.start
            ):
                raise DomainError(
                    _(
                        "This expiry would put the open renewal outside 3 to 7 days before "
                        "expiry; move or cancel the renewal first (R-MNT-6)."
                    ),
                    field="expires_at",
                    rule="R-MNT-6",
                )
    else:
        certificate = Certificate()
    duplicate = Certificate.objects.filter(
        customer=customer, application=application, common_name=common_name
    ).exclude(pk=certificate.pk)
    if duplicate.exists():
        raise DomainError(
            _("This customer already has this certificate."), field="common_name", rule="R-MNT-6"
        )
    certificate.customer = customer
    certificate.application = application
    certificate.common_name = common_name
    certificate.expires_at = expires_at
    certificate.save()
    return certificate


@transaction.atomic
def certificate_delete(*, actor: Any, certificate: Certificate) -> None:
    """A certificate with an open renewal change is not removed from under it (R-MNT-6)."""
    _require_staff(actor)
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if _open_renewal(certificate) is not None:
        raise DomainError(
            _("Cancel the open renewal change of this certificate first (R-MNT-6)."),
            rule="R-MNT-6",
        )
    certificate.delete()


def _schedule_renewal(cert: Certificate, now: datetime) -> Change | None:
    customer = cert.customer
    window = rules.renewal_window(customer.region, cert.expires_at, now)
    candidates = [window] if window else []
    # A busy window (another change on the customer) moves the renewal to the next one.
    while candidates:
        window = candidates.pop()
        start, end = window.start, window.start + timedelta(hours=2)
        try:
            with transaction.atomic():
                return change_schedule(
                    actor=None,
                    partner=customer.partner,
                    kind=ChangeKind.CERTIFICATE_RENEWAL,
                    title=_("Certificate renewal: %(name)s (%(app)s)")
                    % {"name": cert.common_name, "app": cert.application},
                    description=_("The certificate expires on %(date)s.")
                    % {"date": show_time(cert.expires_at, customer=customer)},
                    customers=[customer],
                    start=start,
                    end=end,
                    urgent=True,
                    certificate=cert,
                    now=now,
                )
        except DomainError:
            later = rules.renewal_window(customer.region, cert.expires_at, window.end)
            if later is not None:
                candidates.append(later)
    return None


def _create_sso_checklists(change: Change, now: datetime) -> int:
    """After a renewal, SSO customers' partners disable SSO, re-import the IdP metadata,
    re-enable SSO and validate (R-MNT-6). Exactly once per change and customer."""
    made = 0
    for customer in change.customers.filter(sso_enabled=True):
        checklist, created = SsoChecklist.objects.get_or_create(change=change, customer=customer)
        if not created:
            continue
        SsoChecklistStep.objects.bulk_create(
            [
                SsoChecklistStep(checklist=checklist, item=item, position=i)
                for i, item in enumerate(SsoChecklistItem.values)
            ]
        )
        notify(
            partner=change.partner,
            category=MAINTENANCE,
            customer=customer,
            subject=_("Action needed after certificate renewal: %(customer)s")
            % {"customer": customer.name},
            body=_(
                "The UC application certificates of %(customer)s were renewed. Because SSO is "
                "enabled, please: disable SSO, re-import the IdP metadata file, re-enable SSO, "
                "and validate SSO (R-MNT-6).\n\n%(link)s"
            )
            % {
                "customer": customer.name,
                "link": settings.SITE_URL + reverse("maintenance:sso", args=[checklist.pk]),
            },
            related=checklist,
            dedupe_key=f"sso-checklist:{checklist.pk}",
        )
        made += 1
    return made


@transaction.atomic
def sso_step_set(*, actor: Any, step: SsoChecklistStep, done: bool, now=None) -> SsoChecklist:
    """The partner ticks (or unticks) one step; the checklist completes with the last."""
    checklist = step.checklist
    _require_partner_of(actor, checklist.customer.partner_id)
    now = now or timezone.now()
    SsoChecklistStep.objects.filter(pk=step.pk).update(
        done_at=now if done else None, done_by=actor if done else None
    )
    open_steps = checklist.steps.filter(done_at__isnull=True).exists()
    checklist.completed_at = None if open_steps else now
    checklist.save(update_fields=["completed_at"])
    return checklist


# --- patch (COP) files (R-MNT-11) --------------------------------------------------------------


@transaction.atomic
def patch_request_create(
    *, actor: Any, customer: Customer, kind: str, file_name: str, note: str = ""
) -> PatchRequest:
    _require_partner_of(actor, customer.partner_id)
    if not (file_name or "").strip():
        raise DomainError(_("Name the file you need."), field="file_name", rule="R-MNT-11")
    patch = PatchRequest.objects.create(
        partner_id=customer.partner_id,
        customer=customer,
        kind=kind,
        file_name=file_name.strip(),
        note=note,
        requested_by=actor if getattr(actor, "pk", None) else None,
    )
    _tell_change_management(
        subject=_("Patch file request: %(file)s") % {"file": patch.file_name},
        body=f"{customer.partner.name} / {customer.name}\n\n{patch.file_name}\n\n{note}",
        related=patch,
        dedupe_key=f"patch:{patch.pk}:requested",
    )
    return patch


@transaction.atomic
def patch_mark_uploaded(*, actor: Any, patch: PatchRequest, now=None) -> PatchRequest:
    """The operator only uploads the file to the instance's SFTP server (R-MNT-11)."""
    _require_staff(actor)
    now = now or timezone.now()
    updated = PatchRequest.objects.filter(pk=patch.pk, status=PatchStatus.REQUESTED).update(
        status=PatchStatus.UPLOADED, uploaded_at=now
    )
    if not updated:
        raise DomainError(
            _("Only a requested file can be uploaded."), field="status", rule="R-MNT-11"
        )
    patch.refresh_from_db()
    notify(
        partner=patch.partner,
        category=MAINTENANCE,
        customer=patch.customer_id,
        subject=_("Patch file uploaded: %(file)s") % {"file": patch.file_name},
        body=_(
            "%(file)s is on the SFTP server of %(customer)s. Install it at your convenience, "
            "then mark it installed in the portal (R-MNT-11)."
        )
        % {"file": patch.file_name, "customer": patch.customer.name},
        related=patch,
        dedupe_key=f"patch:{patch.pk}:uploaded",
    )
    return patch


@transaction.atomic
def patch_mark_installed(*, actor: Any, patch: PatchRequest, now=None) -> PatchRequest:
    """The partner installs the file itself and says so (R-MNT-11)."""
    _require_partner_of(actor, patch.partner_id)
    updated = PatchRequest.objects.filter(pk=patch.pk, status=PatchStatus.UPLOADED).update(
        status=PatchStatus.INSTALLED, installed_at=now or timezone.now()
    )
    if not updated:
        raise DomainError(
            _("Only an uploaded file can be marked installed."), field="status", rule="R-MNT-11"
        )
    patch.refresh_from_db()
    return patch


def vulnerability_scan_request(*, actor: Any, **details: Any) -> None:
    """Always refused, with the explanation (R-MNT-10)."""
    raise DomainError(rules.VULNERABILITY_SCAN_REFUSAL, rule="R-MNT-10")


# --- outages (R-MNT-12) ------------------------------------------------------------------------


def outage_notify(*, outage: Outage, event: str) -> int:
    """Tell the subscribers of every affected customer (R-MNT-12); once per event and contact."""
    if event == "declared":
        subject = _("Outage: %(title)s") % {"title": outage.title}
        body = outage.description or outage.title
    else:
        subject = _("Resolved: %(title)s") % {"title": outage.title}
        body = outage.resolution or outage.title
    link = settings.SITE_URL + reverse("maintenance:outage", args=[outage.pk])
    sent = 0
    for customer in outage.customers.select_related("partner"):
        sent += notify(
            partner=customer.partner,
            category=MAINTENANCE,
            customer=customer,
            subject=subject,
            body=f"{body}\n\n{link}",
            related=outage,
            dedupe_key=f"outage:{outage.pk}:{event}",
        )
    return sent


@transaction.atomic
def outage_declare(
    *,
    actor: Any,
    title: str,
    customers: Iterable[Customer | int],
    description: str = "",
    now: datetime | None = None,
) -> Outage:
    """Declare an outage; subscribers of every affected customer are told (R-MNT-12)."""
    _require_staff(actor)
    ids = [c.pk if isinstance(c, Customer) else int(c) for c in customers]
    if not ids:
        raise DomainError(_("Name at least one affected customer."), field="customers")
    outage = Outage.objects.create(
        title=title, description=description, declared_at=now or timezone.now()
    )
    outage.customers.set(ids)
    outage_notify(outage=outage, event="declared")
    return outage


@transaction.atomic
def outage_resolve(
    *, actor: Any, outage: Outage, resolution: str = "", now: datetime | None = None
) -> Outage:
    _require_staff(actor)
    updated = Outage.objects.filter(pk=outage.pk, status=OutageStatus.DECLARED).update(
        status=OutageStatus.RESOLVED, resolved_at=now or timezone.now(), resolution=resolution
    )
    if not updated:
        raise DomainError(_("This outage is already resolved."), field="status", rule="R-MNT-12")
    outage.refresh_from_db()
    outage_notify(outage=outage, event="resolved")
    return outage


# --- emergency changes in the partner's own network (R-MNT-8) ----------------------------------


@transaction.atomic
def partner_emergency_report(
    *,
    actor: Any,
    title: str,
    description: str,
    start: datetime,
    end: datetime,
    customers: Iterable[Customer | int],
    visible_impact: str,
    case: Any = None,
) -> PartnerEmergency:
    """A partner tells the operator of an emergency change in its own network (R-MNT-8):
    what, when, which customers, the impact visible to the operator and optionally its TAC
    case. It needs no window; the operator's on-call hears of it at once (outbox)."""
    partner = partner_for(actor)
    if partner is None:
        raise DomainError(
            _("Only partner users report emergency changes in their network."), rule="R-MNT-8"
        )
    for name, value in (
        ("title", title),
        ("description", description),
        ("visible_impact", visible_impact),
    ):
        if not (value or "").strip():
            raise DomainError(_("This field is required."), field=name, rule="R-MNT-8")
    raise_violation(rules.interval_violation(start, end))
    members = _customers_of(partner, customers)
    linked = case_link_check(user=actor, case_id=getattr(case, "pk", case), partner=partner)
    partner_request_check(partner_id=partner.pk)
    emergency = PartnerEmergency.objects.create(
        partner=partner,
        title=title.strip(),
        description=description.strip(),
        start=start,
        end=end,
        visible_impact=visible_impact.strip(),
        case=linked,
        reported_by=actor,
    )
    emergency.customers.set(members)
    link = settings.SITE_URL + reverse(
        "admin:maintenance_partneremergency_change", args=[emergency.pk]
    )
    notify(
        partner=None,
        category=MAINTENANCE,
        subject=_("Partner emergency change: %(partner)s: %(title)s")
        % {"partner": partner.name, "title": emergency.title},
        body="\n\n".join(
            part
            for part in [
                emergency.title,
                f"{_stamp(start)} – {_stamp(end)} (UTC)",
                _("Customers: %(names)s") % {"names": ", ".join(c.name for c in members)},
                emergency.description,
                _("Impact visible to the operator: %(impact)s")
                % {"impact": emergency.visible_impact},
                _("Case #%(id)s") % {"id": linked.pk} if linked else "",
                link,
            ]
            if part
        ),
        related=emergency,
        dedupe_key=f"partner-emergency:{emergency.pk}:reported",
        extra_emails=[settings.OPERATOR_ONCALL_EMAIL] if settings.OPERATOR_ONCALL_EMAIL else [],
    )
    return emergency


# --- certificates inventory, calendar feed -----------------------------------------------------


def calendar_feed_get_or_create(*, partner: Partner) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(partner=partner)
    return feed


@transaction.atomic
def calendar_feed_rotate(
    *,
    actor: Any,
    partner: Partner,
    include_windows: bool | None = None,
    now: datetime | None = None,
):
    """A new secret token: the old feed URL stops working at once, for every colleague who
    subscribed to it, so only a partner administrator (or staff) may issue one."""
    _require_partner_of(actor, partner.pk)
    if not (is_operator(actor) or is_partner_admin(actor)):
        raise PermissionDenied(
            _(
                "Only an administrator of your partner can issue a new calendar address: "
                "it stops every colleague's subscription."
            )
        )
    from .models import _new_token

    feed = calendar_feed_get_or_create(partner=partner)
    feed.token = _new_token()
    feed.rotated_at = now or timezone.now()
    if include_windows is not None:
        feed.include_windows = include_windows
    feed.save()
    return feed
