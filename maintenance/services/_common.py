"""Shared pieces of the maintenance services: settings, permission helpers, schedule checks
and the notice sender used by every topic.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from portal.calendars import calendar_spec_for_region
from portal.choices import Category
from portal.errors import DomainError, raise_violation
from portal.limits import partner_request_check
from portal.models import Contact, Customer, Partner
from portal.notifications import Event, notify, notify_many_written
from portal.tenancy import (
    require_operator,
    require_partner_of,
)
from portal.timefmt import show_time
from portal.webhooks import publish

from .. import rules, selectors
from ..choices import (
    SsoChecklistItem,
)
from ..models import (
    Certificate,
    Change,
    ChangeNotice,
    SsoChecklist,
    SsoChecklistStep,
)

BATCH_SIZE = 200
logger = logging.getLogger("maintenance.services")
MAINTENANCE = Category.MAINTENANCE_AND_OUTAGES


def reminder_hours() -> list[int]:
    """Hours before start at which reminders go out (setting MAINTENANCE_REMINDER_HOURS)."""
    return sorted({int(h) for h in settings.MAINTENANCE_REMINDER_HOURS})


def _change_management_email() -> str:
    return settings.CHANGE_MANAGEMENT_EMAIL


def _tell_change_management(
    *, kind: str, context: dict[str, Any], related: Any, dedupe_key: str
) -> None:
    """A partner's request for the operator's change-management team (outbox, once), within
    the partner's hourly limit of such requests."""
    partner_request_check(partner_id=getattr(related, "partner_id", None))
    notify(
        kind=kind,
        partner=None,
        context={"partner": getattr(related, "partner_id", None), **context},
        related=related,
        dedupe_key=dedupe_key,
        operator_emails=[_change_management_email()],
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
    """Every scheduling rule, in order; raises the first one broken (R-MNT-1/2/4/14, R-REL-4).

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
        raise_violation(rules.overlap_violation(clash.customer.name, clash.change.display_title))
    # R-MNT-14: planned changes avoid the customers' freeze periods; emergencies ignore them.
    if rules.kind_respects_freezes(kind):
        freezes = selectors.freeze_periods_overlapping([c.pk for c in customers], start, end)
        raise_violation(rules.freeze_conflict(freezes, start, end, kind=kind))


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
        from ..windows import region_zone

        zone = region_zone(region)
        lines.append(
            f"{region}: {show_time(change.start, zone=zone)} – {show_time(change.end, zone=zone)}"
        )
    return "\n".join(lines)


def _notice_text(
    change: Change,
    customers: Sequence[Customer],
    *,
    headline: str,
    extra: str = "",
    link: str | None = None,
) -> tuple[str, str]:
    """The subject and body of a change's notice record (R-MNT-4): what, which customers, when
    in each region's local time, and the link to the change's page."""
    subject = f"[{change.get_kind_display()}] {headline}: {change.display_title}"
    link = link or settings.SITE_URL + reverse("maintenance:change", args=[change.pk])
    body = "\n\n".join(
        part
        for part in [
            headline,
            change.display_title,
            change.display_description,
            _("Customers: %(names)s") % {"names": ", ".join(c.name for c in customers)},
            _local_times(change, customers),
            extra,
            link,
        ]
        if part
    )
    return subject, body


def notice_reschedule_texts(change: Change, customer: Customer | None = None) -> tuple[str, dict]:
    """R-MNT-5: a notice's reschedule sentence (the notice record's text, in the customer's
    zone) and the outbox event's value the e-mail renders it from; nothing once the
    reschedule period is closed."""
    if not change.reschedule_open:
        return "", {}
    extra = _(
        "If this change conflicts with your business priorities, request a reschedule "
        "with a detailed reason before %(deadline)s."
    ) % {"deadline": show_time(change.reschedule_deadline, customer=customer or change)}
    return extra, {"deadline_at": change.reschedule_deadline.isoformat()}


@dataclass(frozen=True)
class ChangeMessage:
    """One notice of a change for :func:`_send_many`: the change, its affected customers (by
    name), the event key (the notice's and the outbox event's dedupe key), the notice's extra
    text and the outbox event's values beside the change's id."""

    change: Change
    customers: Sequence[Customer]
    event_key: str
    extra: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)


def _send_many(
    messages: Sequence[ChangeMessage],
    *,
    kind: str,
    headline: str,
    now: datetime,
    message: str = "change.notice",
) -> int:
    """Write each change's ChangeNotice and the outbox event for its subscribed contacts
    (R-MNT-4), set-based: a constant number of statements whatever the number of changes
    (the notices already on record, the outbox's INSERT, the contacts counted,
    one INSERT of the notices). A notice already on record is neither written nor sent
    again, so each event key is sent exactly once. Partner-wide contacts and each affected
    customer's contacts of "Maintenance and outages" receive it once each: the deliveries'
    (event, channel, recipient) uniqueness removes duplicates. Returns the number of new
    outbox events."""
    on_record = set(
        ChangeNotice.objects.filter(
            event_key__in=[item.event_key for item in messages]
        ).values_list("event_key", flat=True)
    )
    items = [item for item in messages if item.event_key not in on_record]
    if not items:
        return 0
    events: list[Event] = []
    notices: list[ChangeNotice] = []
    # One reverse() for all the links: the page's path differs only by the change's id.
    marker = 987654321
    link = settings.SITE_URL + reverse("maintenance:change", args=[marker])
    for item in items:
        change, customers = item.change, item.customers
        subject, body = _notice_text(
            change,
            customers,
            headline=headline,
            extra=item.extra,
            link=link.replace(str(marker), str(change.pk)),
        )
        notices.append(
            ChangeNotice(
                change=change,
                kind=kind,
                event_key=item.event_key,
                subject=subject[:250],
                body=body,
                sent_at=now,
            )
        )
        # One event per change; its contacts are those of every affected customer (R-MNT-4).
        events.append(
            Event(
                kind=message,
                partner_id=change.partner_id,
                customer_id=customers[0].pk if len(customers) == 1 else None,
                customer_ids=tuple(c.pk for c in customers),
                context={"change": change.pk, **item.values},
                related=change,
                dedupe_key=item.event_key,
            )
        )
    written = notify_many_written(events)
    # The outbox resolves recipients when it fans the event out; the notice records how many
    # contacts it is addressed to now.
    counts = _recipient_counts({item.change.partner_id for item in items})
    for notice, item in zip(notices, items, strict=True):
        if written.get(notice.event_key[:200]):
            partner_id = item.change.partner_id
            addresses = set(counts.get((partner_id, None), ()))
            for customer in item.customers:
                addresses |= counts.get((partner_id, customer.pk), set())
            notice.recipients = len(addresses)
    ChangeNotice.objects.bulk_create(notices, batch_size=BATCH_SIZE * 5)
    return sum(written.values())


def _recipient_counts(partner_ids: set[int]) -> dict[tuple[int, int | None], set[str]]:
    """The addresses of the partners' "Maintenance and outages" contacts, by (partner,
    customer or None for partner-wide), in one query."""
    found: dict[tuple[int, int | None], set[str]] = defaultdict(set)
    rows = Contact.objects.filter(
        partner_id__in=partner_ids, subscriptions__category=MAINTENANCE
    ).values_list("partner_id", "customer_id", "email")
    for partner_id, customer_id, email in rows:
        found[(partner_id, customer_id)].add(email.lower())
    return found


def _send(
    change: Change,
    *,
    kind: str,
    event_key: str,
    headline: str,
    extra: str = "",
    now: datetime,
    message: str = "change.notice",
    values: dict[str, Any] | None = None,
) -> int:
    """:func:`_send_many` for one change: its notice and outbox event, once per event key.
    Returns 1 when the event is new."""
    customers = list(change.customers.order_by("name"))
    return _send_many(
        [ChangeMessage(change, customers, event_key, extra, values or {})],
        kind=kind,
        headline=headline,
        now=now,
        message=message,
    )


def _initial_reminder_level(start: datetime, now: datetime) -> int | None:
    """Reminders whose moment has already passed are not sent late (e.g. a notice 2 days
    ahead sends no 72-hour reminder)."""
    passed = [h for h in reminder_hours() if start - timedelta(hours=h) <= now]
    return min(passed) if passed else None


# --- certificate renewals (shared by changes and certificates) ----------------------------


def _open_renewal(certificate: Certificate) -> Change | None:
    if certificate.renewal_change_id is None:
        return None
    return (
        Change.objects.filter(pk=certificate.renewal_change_id)
        .exclude(status__in=rules.CLOSED_STATUSES)
        .first()
    )


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
            kind="change.sso_follow_up",
            partner=change.partner_id,
            customer=customer,
            context={"change": change.pk, "checklist": checklist.pk},
            related=checklist,
            dedupe_key=f"sso-checklist:{checklist.pk}",
        )
        made += 1
    return made


def change_webhook_data(change: Change) -> dict[str, Any]:
    """The change part of every ``change.*`` webhook (R-NOT-4; schema in
    ``portal.api.webhook_schemas``). A title the system wrote is rendered in the partner's
    language (a webhook has no reader of its own)."""
    with translation.override(change.partner.language or None):
        title = change.display_title
    return {
        "change_id": change.pk,
        "kind": change.kind,
        "title": title,
        "status": change.status,
        "urgent": change.urgent,
        "interrupts_calling": change.interrupts_calling,
        "start": change.start,
        "end": change.end,
        "customer_ids": sorted(change.customers.values_list("pk", flat=True)),
    }


def _publish_change(change: Change, type_: str, key: object = "", **extra: Any) -> int:
    """Publish a ``change.*`` webhook for the change's partner, once per ``key``."""
    return publish(
        partner=change.partner_id,
        type=type_,
        data={**change_webhook_data(change), **extra},
        dedupe_key=f"{type_}:{change.pk}:{key}",
    )
