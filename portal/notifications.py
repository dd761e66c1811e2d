"""The notification outbox (R-NOT-1, R-NOT-2, R-NOT-4).

Three steps, each exactly-once:

1. ``notify`` / ``notify_many`` write one :class:`~portal.models.Notification` per EVENT (a
   registered kind, ids and values; never finished text) inside the caller's transaction;
   the event's ``dedupe_key`` is unique, so writing it twice writes nothing the second time.
2. :func:`fan_out` turns each new event into one :class:`~portal.models.Delivery` per
   recipient and channel (unique per event, channel and recipient): the partner's contacts
   subscribed to the category (partner-wide and that customer's), the audience apps register
   for the related object (a case's reporting contact and watchers), and the operator's or
   other named addresses. Recipients are resolved here, not when the event happens.
3. :func:`deliver_due` claims pending deliveries in batches with a lease, renders each for
   its reader (language, zone) from the kind's templates and sends it: e-mail (text + HTML,
   one SMTP connection per batch) or a chat webhook (JSON ``{"text", "link"}``).

An app adds a kind in ``<app>/notifications.py`` with :func:`register_kind` (see
docs/ARCHITECTURE.md, "A notification").
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connections, models, router, transaction
from django.db.models import Q
from django.db.models.constants import OnConflict
from django.template import Engine
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext

from . import jobs, webhooks
from .choices import Channel, Language, NotificationStatus
from .models import Contact, Customer, Delivery, Notification, Partner, Subscription

logger = logging.getLogger(__name__)

BATCH_SIZE = 200  # kept for callers that read it; the setting NOTIFICATION_BATCH_SIZE rules
FAN_OUT_BATCH_SIZE = 500
DELIVER_TASK = "portal.tasks.deliver_notifications"
LEGACY = "legacy"


# --- the kind registry ----------------------------------------------------------------------

#: ``builder(events) -> {event id: extra template context}``: loads, for a batch of events of
#: one kind, what their templates need from the stored ids (set-based where practical).
ContextBuilder = Callable[[list[Notification]], dict[int, dict[str, Any]]]


@dataclass(frozen=True)
class Kind:
    """A type of event: its category, its templates and what loads their context."""

    name: str
    category: str
    template: str  # "<app>/email/<name>": .subject.txt, .txt and .html
    context: ContextBuilder | None = None
    # The Reply-To address of one delivery (e.g. a case's signed reply address), or None.
    reply_to: Callable[[Delivery], str | None] | None = None


_KINDS: dict[str, Kind] = {}


def register_kind(
    name: str,
    *,
    category: str,
    template: str,
    context: ContextBuilder | None = None,
    reply_to: Callable[[Delivery], str | None] | None = None,
) -> Kind:
    """Declare a kind of event (call it from ``<app>/notifications.py``, imported by the app's
    ``AppConfig.ready``). Registering a name again replaces it (tests, reloads).

    ``reply_to(delivery)`` gives an e-mail's Reply-To address; the message then starts with
    the :data:`REPLY_MARKER` line, so that a reply can be cut to what its writer typed."""
    kind = Kind(
        name=name, category=str(category), template=template, context=context, reply_to=reply_to
    )
    _KINDS[name] = kind
    return kind


def get_kind(name: str) -> Kind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"unknown notification kind {name!r}: register it first") from None


def kinds() -> dict[str, Kind]:
    return dict(_KINDS)


#: ``fn(object_ids) -> {object_id: {contact ids}}``: extra contacts who receive the messages of
#: an event related to one of these objects (a case's reporting contact and watchers).
AudienceFn = Callable[[list[str]], dict[str, set[int]]]

_AUDIENCES: dict[str, list[AudienceFn]] = defaultdict(list)


def register_audience(model_label: str, fn: AudienceFn) -> None:
    """Add an audience for events related to objects of ``model_label`` ("cases.case")."""
    label = model_label.lower()
    if fn not in _AUDIENCES[label]:
        _AUDIENCES[label].append(fn)


def unregister_audience(model_label: str, fn: AudienceFn) -> None:
    label = model_label.lower()
    if fn in _AUDIENCES.get(label, []):
        _AUDIENCES[label].remove(fn)


# --- writing events -------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One event for :func:`notify_many`."""

    kind: str
    dedupe_key: str
    partner_id: int | None = None
    customer_id: int | None = None
    # an event of several customers: the contacts of each receive it
    customer_ids: tuple[int, ...] = ()
    context: dict[str, Any] = field(default_factory=dict)
    related: models.Model | None = None
    operator_emails: tuple[str, ...] = ()
    # other addresses that are not contacts (a user invited, partner admins): (e-mail, language)
    emails: tuple[tuple[str, str], ...] = ()
    category: str = ""


def one_line(text: object, *, limit: int = 250) -> str:
    """A subject is one line by construction: any run of whitespace (newlines a partner typed
    in a title included) becomes one space, so no e-mail header can be refused for it."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def recipients_for(
    *, partner: Partner | int, category: str, customer: Customer | int | None = None
) -> models.QuerySet:
    """Contacts of ``partner`` subscribed to ``category``: the partner-wide ones plus, when a
    customer is named, that customer's own."""
    partner_id = partner if isinstance(partner, int) else partner.pk
    scope = Q(customer__isnull=True)
    if customer is not None:
        scope |= Q(customer_id=customer if isinstance(customer, int) else customer.pk)
    return Contact.objects.filter(
        scope, partner_id=partner_id, subscriptions__category=category
    ).distinct()


def _pk(value: Any) -> int | None:
    return value.pk if isinstance(value, models.Model) else value


def notify(
    *,
    kind: str,
    partner: Partner | int | None = None,
    dedupe_key: str,
    context: dict[str, Any] | None = None,
    category: str = "",
    related: models.Model | None = None,
    customer: Customer | int | None = None,
    customers: Iterable[Customer | int] = (),
    operator_emails: Iterable[str] = (),
    emails: Iterable[tuple[str, str]] = (),
) -> int:
    """Write one event in the outbox; returns 1 when it is new, 0 when it already existed.

    Call it inside the transaction of the change that causes it. Delivery is enqueued on
    commit; recipients are found when the event is fanned out: the partner's contacts of the
    category, partner-wide and of ``customer`` (or of each of ``customers``).
    """
    event = Event(
        kind=kind,
        dedupe_key=dedupe_key,
        partner_id=_pk(partner),
        customer_id=_pk(customer),
        customer_ids=tuple(_pk(c) for c in customers),
        context=dict(context or {}),
        related=related,
        operator_emails=tuple(e for e in operator_emails if e),
        emails=tuple((e, lang) for e, lang in emails if e),
        category=category,
    )
    return sum(notify_many_written([event]).values())


def notify_many(events: Sequence[Event]) -> int:
    """Write many events at once, set-based; returns how many were new."""
    return sum(notify_many_written(events).values())


def notify_many_written(events: Sequence[Event]) -> dict[str, int]:
    """:func:`notify_many`, answering per event (dedupe key) 1 when its row was written now,
    so a caller records "notified" only for the events that really were new."""
    if not events:
        return {}
    rows: dict[str, Notification] = {}
    content_types: dict[type, ContentType] = {}
    now = timezone.now()
    for event in events:
        key = event.dedupe_key[:200]
        addresses = [[e.lower(), ""] for e in event.operator_emails] + [
            [e.lower(), lang or ""] for e, lang in event.emails
        ]
        if key in rows:  # the same event twice in one call: one row, every address
            known = {a for a, _ in rows[key].addresses}
            rows[key].addresses += [a for a in addresses if a[0] not in known]
            continue
        category = event.category or get_kind(event.kind).category
        related = event.related
        content_type = None
        if related is not None:
            model = type(related)
            if model not in content_types:
                content_types[model] = ContentType.objects.get_for_model(related)
            content_type = content_types[model]
        rows[key] = Notification(
            kind=event.kind,
            partner_id=event.partner_id,
            customer_id=event.customer_id,
            customer_ids=sorted(
                {c for c in (event.customer_id, *event.customer_ids) if c is not None}
            ),
            category=category,
            context=event.context,
            dedupe_key=key,
            addresses=addresses,
            content_type=content_type,
            object_id=str(related.pk) if related is not None else "",
            created_at=now,
        )
    written = dict.fromkeys(_insert_new(list(rows.values())), 1)
    if written:
        transaction.on_commit(enqueue_delivery)
    return written


def _insert_new(rows: list[Notification]) -> set[str]:
    """Insert the rows whose event is not in the outbox yet, in one ``INSERT … ON CONFLICT
    DO NOTHING RETURNING dedupe_key`` per batch; answers the keys written now. An event
    already there, or written by a concurrent writer first (its insert waits for that
    writer's commit), is not among them, so nobody records "notified" twice."""
    opts = Notification._meta
    fields = [f for f in opts.concrete_fields if not f.generated and f is not opts.auto_field]
    key = opts.get_field("dedupe_key")
    connection = connections[router.db_for_write(Notification)]
    size = max(1, connection.ops.bulk_batch_size(fields, rows))
    written: set[str] = set()
    # All batches or none, as bulk_create (a caller outside a transaction included).
    with transaction.atomic(using=connection.alias, savepoint=False):
        for start in range(0, len(rows), size):
            # QuerySet._insert is what bulk_create writes with; unlike bulk_create it
            # returns the rows an ignored conflict leaves out.
            returned = Notification._base_manager._insert(
                rows[start : start + size],
                fields,
                returning_fields=[key],
                on_conflict=OnConflict.IGNORE,
            )
            written.update(row[0] for row in returned if row)
    return written


def enqueue_delivery() -> None:
    """Ask a worker to deliver now. If the broker is unreachable the rows simply wait for the
    periodic delivery task; opening a case must never fail because the broker is down."""
    # Imported here: the task module imports this one. Not looked up by name in app.tasks: a
    # web process has not loaded the task modules (only a worker autodiscovers them).
    from .tasks import deliver_notifications

    try:
        deliver_notifications.apply_async(retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker failure leaves the rows pending
        logger.warning("broker unavailable, notifications stay in the outbox: %s", exc)


# --- fan-out --------------------------------------------------------------------------------


def fan_out(*, now: datetime | None = None, batch_size: int = FAN_OUT_BATCH_SIZE) -> int:
    """Create the deliveries of every event not fanned out yet; returns how many were made.

    Claimed through portal.jobs (skip-locked on PostgreSQL, stamped ``fanned_out_at``) so
    two workers never fan out one event; the unique (event, channel, recipient) key makes a
    second fan-out write nothing anyway."""
    now = now or timezone.now()
    run = jobs.run_batches(
        name="notification fan-out",
        due=lambda: Notification.objects.filter(fanned_out_at__isnull=True),
        handle=lambda ids: _fan_out_events(ids, now=now),
        stamp={"fanned_out_at": now},
        order_by=("created_at", "id"),
        batch_size=batch_size,
    )
    return run.counts.get("deliveries", 0)


def _fan_out_events(ids: list[int], *, now: datetime) -> dict[str, int]:
    events = list(
        Notification.objects.filter(id__in=ids)
        .select_related("content_type")
        .only(
            "id",
            "partner_id",
            "customer_id",
            "customer_ids",
            "category",
            "addresses",
            "content_type",
            "object_id",
        )
    )
    partner_ids = {e.partner_id for e in events if e.partner_id is not None}
    categories = {e.category for e in events}
    # One query: every subscribed contact of these partners and categories.
    subscribed: dict[tuple[int, str], list[tuple]] = defaultdict(list)
    contact_info: dict[int, tuple] = {}
    if partner_ids:
        for row in Subscription.objects.filter(
            contact__partner_id__in=partner_ids, category__in=categories
        ).values_list(
            "contact__partner_id",
            "category",
            "contact_id",
            "contact__customer_id",
            "email",
            "chat",
        ):
            subscribed[(row[0], row[1])].append(row[2:])
    # The audiences apps register (a case's reporting contact and watchers).
    audience: dict[int, set[int]] = defaultdict(set)
    by_label: dict[str, dict[str, list[Notification]]] = defaultdict(lambda: defaultdict(list))
    for event in events:
        if event.partner_id is not None and event.content_type_id and event.object_id:
            label = f"{event.content_type.app_label}.{event.content_type.model}"
            if _AUDIENCES.get(label):
                by_label[label][event.object_id].append(event)
    for label, objects in by_label.items():
        for fn in _AUDIENCES[label]:
            for object_id, contact_ids in fn(list(objects)).items():
                for event in objects.get(str(object_id), []):
                    audience[event.pk] |= set(contact_ids)
    wanted_contacts = {r[0] for rows in subscribed.values() for r in rows}
    wanted_contacts |= {c for ids_ in audience.values() for c in ids_}
    if wanted_contacts:
        for cid, partner_id, email, language, chat_url, partner_language in Contact.objects.filter(
            id__in=wanted_contacts
        ).values_list(
            "id", "partner_id", "email", "language", "chat_webhook_url", "partner__language"
        ):
            contact_info[cid] = (partner_id, email.lower(), language or partner_language, chat_url)
    chat_subscribed = {
        (contact_id, category)
        for (_partner_id, category), rows in subscribed.items()
        for contact_id, _customer_id, _email, chat in rows
        if chat
    }
    deliveries: list[Delivery] = []
    for event in events:
        # (channel, recipient, language, contact id, partner id), first one of a pair wins
        targets: list[tuple[str, str, str, int | None, int | None]] = []
        if event.partner_id is not None:
            scope = {event.customer_id, *(event.customer_ids or [])}
            chosen = [
                (contact_id, email, chat)
                for contact_id, customer_id, email, chat in sorted(
                    subscribed.get((event.partner_id, event.category), [])
                )
                if customer_id is None or customer_id in scope
            ] + [
                (contact_id, True, (contact_id, event.category) in chat_subscribed)
                for contact_id in sorted(audience.get(event.pk, ()))
            ]
            for contact_id, email, chat in chosen:
                info = contact_info.get(contact_id)
                if info is None or info[0] != event.partner_id:  # never another partner's
                    continue
                _partner_id, address, language, chat_url = info
                if email:
                    targets.append((Channel.EMAIL, address, language, contact_id, event.partner_id))
                if chat and chat_url:
                    targets.append((Channel.CHAT, chat_url, language, contact_id, event.partner_id))
        for address, language in event.addresses or []:
            # an operator's address (no language of its own) is not in the partner's log
            owner = event.partner_id if language else None
            targets.append((Channel.EMAIL, address.lower(), language, None, owner))
        seen: set[tuple[str, str]] = set()
        for channel, recipient, language, contact_id, partner_id in targets:
            if not recipient or (channel, recipient) in seen:
                continue
            seen.add((channel, recipient))
            deliveries.append(
                Delivery(
                    notification_id=event.pk,
                    partner_id=partner_id,
                    contact_id=contact_id,
                    channel=channel,
                    recipient=recipient[:500],
                    language=language or settings.OPERATOR_LANGUAGE,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=1000)
    return {"deliveries": len(deliveries)}


# --- rendering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """A delivery as its reader gets it."""

    subject: str
    text: str
    html: str
    link: str = ""


_text_engine: Engine | None = None


def _text() -> Engine:
    """Templates of plain text (subjects, bodies, chat): the project's loaders, no escaping."""
    global _text_engine
    if _text_engine is None:
        html = Engine.get_default()
        _text_engine = Engine(
            dirs=html.dirs,
            app_dirs=html.app_dirs,
            autoescape=False,
            libraries=html.libraries,
            builtins=["portal.templatetags.portal_times"],
        )
    return _text_engine


def _absolute(link: str) -> str:
    if not link:
        return ""
    return link if "://" in link else settings.SITE_URL + link


def _zone(event: Notification, extra: dict[str, Any]) -> ZoneInfo:
    zone = extra.get("zone")
    if zone:
        return ZoneInfo(str(zone)) if isinstance(zone, str) else zone
    if event.customer_id and event.customer is not None:
        return ZoneInfo(event.customer.timezone_name)
    return ZoneInfo("UTC")


def render_deliveries(deliveries: Sequence[Delivery]) -> dict[int, Rendered]:
    """Render a batch of deliveries: each context builder runs once for the batch's events,
    then each delivery is rendered in its language and the zone that matters."""
    events: dict[int, Notification] = {}
    for delivery in deliveries:
        events.setdefault(delivery.notification_id, delivery.notification)
    extras = _extras(list(events.values()))
    # A rendering depends on the event and the reader's language, not on the reader: each
    # (event, language) of the batch is rendered once (issue 13: a fifth of a worker's CPU).
    renderings: dict[tuple[int, str], Rendered] = {}
    out: dict[int, Rendered] = {}
    for d in deliveries:
        key = (d.notification_id, d.language)
        if key not in renderings:
            renderings[key] = render_one(d.notification, d.language, extras[d.notification_id])
        out[d.pk] = renderings[key]
    return out


def render_delivery(delivery: Delivery) -> Rendered:
    return render_deliveries([delivery])[delivery.pk]


def _context(event: Notification, extra: dict[str, Any]) -> dict[str, Any]:
    context: dict[str, Any] = {
        **(event.context or {}),
        "event": event,
        "customer": event.customer if event.customer_id else None,
        "partner": event.partner if event.partner_id else None,
        "site_url": settings.SITE_URL,
        **extra,
    }
    context["link"] = _absolute(str(context.get("link") or ""))
    return context


def _subject(kind: Kind, context: dict[str, Any]) -> str:
    return one_line(_text().get_template(f"{kind.template}.subject.txt").render(_ctx(context)))


def render_subjects(events: Sequence[Notification]) -> dict[str, str]:
    """Each event's subject (by dedupe key) in the active language and zone, from its kind's
    templates as its e-mail's: what a page lists of the messages sent is written for its
    reader, not kept in the language of whoever caused them."""
    extras = _extras(events)
    return {
        event.dedupe_key: _subject(get_kind(event.kind), _context(event, extras[event.pk]))
        for event in events
    }


def _extras(events: Sequence[Notification]) -> dict[int, dict[str, Any]]:
    """Each event's extra template context (by event id): every context builder runs once,
    for all the events of the kinds that share it."""
    by_builder: dict[Any, list[Notification]] = defaultdict(list)
    for event in events:
        by_builder[get_kind(event.kind).context].append(event)
    extras: dict[int, dict[str, Any]] = {}
    for builder, group in by_builder.items():
        built = builder(group) if builder else {}
        for event in group:
            extras[event.pk] = built.get(event.pk, {})
    return extras


def render_one(event: Notification, language: str, extra: dict[str, Any] | None = None) -> Rendered:
    """One event in one language: subject (one line), text and HTML from the kind's templates."""
    kind = get_kind(event.kind)
    extra = extra or {}
    language = language or settings.OPERATOR_LANGUAGE
    context = _context(event, extra)
    with translation.override(language), timezone.override(_zone(event, extra)):
        engine = _text()
        subject = _subject(kind, context)
        text = engine.get_template(f"{kind.template}.txt").render(_ctx(context)).strip() + "\n"
        html = render_to_string(
            f"{kind.template}.html", {**context, "subject": subject, "language": language}
        )
    return Rendered(subject=subject, text=text, html=html, link=context["link"])


def _ctx(values: dict[str, Any]):
    from django.template import Context

    return Context(values, autoescape=False)


# --- delivery -------------------------------------------------------------------------------


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def _due_deliveries(now: datetime):
    return Delivery.objects.filter(status=NotificationStatus.PENDING, next_attempt_at__lte=now)


def deliver_due(
    *, now: datetime | None = None, limit_batches: int = 50, batch_size: int | None = None
) -> dict[str, int]:
    """Fan out new events, then send every pending delivery that is due. Returns counts."""
    now = now or timezone.now()
    fan_out(now=now)
    batch_size = batch_size or settings.NOTIFICATION_BATCH_SIZE
    lease = timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    totals = {"sent": 0, "failed": 0}
    for _ in range(limit_batches):
        # portal.jobs claims a batch (rows locked by another worker are skipped on
        # PostgreSQL); the stamp is the lease: it pushes each row past ``now`` for
        # NOTIFICATION_LEASE_SECONDS, so a worker killed mid-batch loses nothing (its rows are
        # due again when the lease expires) and only one worker owns a row meanwhile.
        with transaction.atomic():
            ids = jobs.claim(
                _due_deliveries(now),
                stamp={"next_attempt_at": now + lease, "attempts": models.F("attempts") + 1},
                order_by=("next_attempt_at", "pk"),
                limit=batch_size,
            )
        if not ids:
            break
        counts = send_batch(ids, now=now)
        totals["sent"] += counts["sent"]
        totals["failed"] += counts["failed"]
        if len(ids) < batch_size:
            break
    return totals


def send_batch(ids: Sequence[int], *, now: datetime) -> dict[str, int]:
    """Render and send claimed deliveries: e-mails over one SMTP connection, chat messages
    through one HTTP client. Each row's outcome is recorded; one bad row stops nothing."""
    rows = list(
        Delivery.objects.filter(id__in=list(ids), status=NotificationStatus.PENDING)
        .select_related("notification", "notification__customer", "notification__partner")
        .order_by("pk")
    )
    errors: dict[int, str] = {}
    rendered: dict[int, Rendered] = {}
    try:
        rendered = render_deliveries(rows)
    except Exception:  # noqa: BLE001 - render row by row to find the bad one
        for row in rows:
            try:
                rendered[row.pk] = render_delivery(row)
            except Exception as exc:  # noqa: BLE001
                errors[row.pk] = f"rendering failed: {exc}"
    emails = [r for r in rows if r.channel == Channel.EMAIL and r.pk in rendered]
    chats = [r for r in rows if r.channel == Channel.CHAT and r.pk in rendered]
    sent: list[int] = []
    recorded = 0  # sent[:recorded] are recorded as sent already
    if emails:
        connection = get_connection()
        try:
            connection.open()
            for row in emails:
                message = rendered[row.pk]
                text, html, reply_to = _with_reply_address(row, message)
                mail = EmailMultiAlternatives(
                    message.subject,
                    text,
                    settings.DEFAULT_FROM_EMAIL,
                    [row.recipient],
                    connection=connection,
                    reply_to=reply_to,
                )
                mail.attach_alternative(html, "text/html")
                try:
                    mail.send()
                except Exception as exc:  # noqa: BLE001 - one bad row must not stop the rest
                    errors[row.pk] = str(exc)
                    _reset(connection)
                else:
                    sent.append(row.pk)
                    if len(sent) - recorded >= settings.NOTIFICATION_RECORD_EVERY:
                        # Recorded as it goes: a worker killed mid-batch sends again (after
                        # its lease) only what it sent since the last record.
                        _mark_sent(sent[recorded:], now=now)
                        recorded = len(sent)
        except Exception as exc:  # noqa: BLE001 - the server itself is unreachable
            for row in emails:
                if row.pk not in sent:
                    errors.setdefault(row.pk, str(exc))
        finally:
            with contextlib.suppress(Exception):  # closing a broken connection
                connection.close()
    for row in chats:
        # A partner's address: the webhooks' guard and their one way of posting.
        message = rendered[row.pk]
        error, _code = webhooks.post(
            row.recipient,
            body=json.dumps({"text": message.text, "link": message.link}),
            headers={},
            timeout=settings.NOTIFICATION_CHAT_TIMEOUT,
        )
        if error:
            errors[row.pk] = error
        else:
            sent.append(row.pk)
    _mark_sent(sent[recorded:], now=now)
    _record(rows, sent, errors, now=now)
    return {"sent": len(sent), "failed": len(errors)}


def _mark_sent(ids: list[int], *, now: datetime) -> None:
    if ids:
        Delivery.objects.filter(pk__in=ids).update(
            status=NotificationStatus.SENT, sent_at=now, last_error=""
        )


#: The first line of a message that may be answered by e-mail; a reply is cut there.
REPLY_MARKER = "## ----- %s ----- ##"


def _with_reply_address(row: Delivery, message: Rendered) -> tuple[str, str, list[str]]:
    """The text and HTML of an e-mail and its Reply-To: for a kind that names one (a case's
    signed reply address), the message starts with the marker line in the reader's language."""
    kind = _KINDS.get(row.notification.kind)
    address = kind.reply_to(row) if kind is not None and kind.reply_to is not None else None
    if not address:
        return message.text, message.html, []
    with translation.override(row.language or settings.LANGUAGE_CODE):
        marker = REPLY_MARKER % gettext("Write your reply above this line")
    line = format_html('<p style="color:#888888">{}</p>', marker)
    body = re.search(r"<body[^>]*>", message.html)
    html = (
        message.html[: body.end()] + line + message.html[body.end() :]
        if body
        else line + message.html
    )
    return f"{marker}\n\n{message.text}", html, [address]


def _reset(connection) -> None:
    """After a failed send the SMTP session may be broken: start a fresh one."""
    with contextlib.suppress(Exception):
        connection.close()
    with contextlib.suppress(Exception):  # the next send reports it
        connection.open()


def _record(rows: list[Delivery], sent: list[int], errors: dict[int, str], *, now: datetime):
    if sent:  # each already marked sent (_mark_sent)
        delivered = {r.contact_id for r in rows if r.pk in set(sent) and r.contact_id}
        if delivered:
            Contact.objects.filter(id__in=delivered, delivery_failing_since__isnull=False).update(
                delivery_failing_since=None
            )
    failing: set[int] = set()
    for row in rows:
        if row.pk not in errors:
            continue
        # row.attempts already counts this attempt (the claim's stamp)
        final = row.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        Delivery.objects.filter(pk=row.pk).update(
            status=NotificationStatus.FAILED if final else NotificationStatus.PENDING,
            next_attempt_at=now + _backoff(row.attempts),
            last_error=errors[row.pk][:2000],
        )
        logger.warning("delivery %s failed (attempt %s): %s", row.pk, row.attempts, errors[row.pk])
        if final and row.contact_id:
            failing.add(row.contact_id)
    if failing:
        # R-NOT-3: a contact whose messages cannot be delivered shows in the contact review.
        Contact.objects.filter(id__in=failing, delivery_failing_since__isnull=True).update(
            delivery_failing_since=now
        )


def notification_retry(*, ids: Iterable[int], now: datetime | None = None) -> int:
    """Staff: put failed deliveries back in the queue."""
    return (
        Delivery.objects.filter(id__in=list(ids))
        .exclude(status=NotificationStatus.SENT)
        .update(
            status=NotificationStatus.PENDING, attempts=0, next_attempt_at=now or timezone.now()
        )
    )


delivery_retry = notification_retry


def language_of(value: str | None) -> str:
    return value if value in Language.values else settings.OPERATOR_LANGUAGE


# --- the core's kinds ------------------------------------------------------------------------

# Rows from before events (migrated with their finished text): the template prints the stored
# subject and body. New code never writes it.
register_kind(LEGACY, category="", template="portal/email/legacy")


def _account_context(events: list[Notification]) -> dict[int, dict[str, Any]]:
    partner_ids = {e.context.get("partner") for e in events} - {None}
    names = dict(Partner.objects.filter(id__in=partner_ids).values_list("id", "name"))
    # R-NOT-3: the contact review names the contacts whose messages cannot be delivered.
    failing: dict[int, list[Contact]] = defaultdict(list)
    for contact in Contact.objects.filter(
        partner_id__in=partner_ids, delivery_failing_since__isnull=False
    ).order_by("name"):
        failing[contact.partner_id].append(contact)
    return {
        e.pk: {
            "partner_name": names.get(e.context.get("partner"), ""),
            "failing": failing.get(e.context.get("partner"), []),
        }
        for e in events
    }


register_kind(
    "account.invitation",
    category="account",
    template="portal/email/invitation",
    context=_account_context,
)
register_kind(
    "account.webhook_disabled",
    category="account",
    template="portal/email/webhook_disabled",
    context=_account_context,
)
register_kind(
    "account.contact_review",
    category="account",
    template="portal/email/contact_review",
    context=_account_context,
)
