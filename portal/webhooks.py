"""Signed outbound webhooks for partner automation (R-NOT-4).

A parallel publication path beside the notification outbox: ``publish`` writes one
:class:`WebhookMessage` per (partner, event) and one :class:`WebhookDelivery` per subscribed
endpoint inside the caller's transaction; ``deliver_due`` posts them after commit, signed per
the Standard Webhooks specification (``webhook-id``, ``webhook-timestamp``,
``webhook-signature``). A unique dedupe key per partner makes publishing exactly-once, a unique
(endpoint, message) pair and the skip-locked claim of ``portal.jobs`` make delivering
once per endpoint under concurrent workers and a duplicated beat.
"""

from __future__ import annotations

import base64
import functools
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from standardwebhooks.webhooks import Webhook

from . import jobs
from .automation_models import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookMessage,
)
from .choices import Role
from .errors import DomainError
from .models import Partner
from .tenancy import is_operator, is_partner_admin, partner_for

logger = logging.getLogger(__name__)

DELIVER_TASK = "portal.tasks.deliver_webhooks"
BATCH_SIZE = 100
#: How long a claimed delivery is owned by the worker sending it; a crash mid-send retries it
#: after this lease.
LEASE = timedelta(minutes=5)

#: Every event type and what it tells (the schema of each ``data`` is in
#: ``portal.api.webhook_schemas``, published in the OpenAPI description).
EVENT_TYPES: dict[str, Any] = {
    "case.opened": gettext_lazy("A support case was opened."),
    "case.severity_changed": gettext_lazy("A case's severity changed."),
    "case.acknowledged": gettext_lazy("The operator acknowledged a case."),
    "case.breached": gettext_lazy("A case passed its response objective."),
    "case.status_changed": gettext_lazy("A case's status changed."),
    "case.commented": gettext_lazy("Somebody commented on a case."),
    "change.notified": gettext_lazy("A change was announced to the partner."),
    "change.rescheduled": gettext_lazy("A change moved to another time."),
    "change.completed": gettext_lazy("A change was completed."),
    "outage.declared": gettext_lazy("An outage was declared."),
    "outage.resolved": gettext_lazy("An outage was resolved."),
    "release.announced": gettext_lazy("A release was announced."),
    "capacity.request_changed": gettext_lazy("A capacity change request changed status."),
}


# --- the payload ----------------------------------------------------------------------------


def iso(value: datetime | None) -> str | None:
    """A time in the payload: ISO 8601 in UTC, with a ``Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, models.Model):
        return value.pk
    return value


def new_msg_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def body_of(message: WebhookMessage) -> str:
    """The exact bytes that are signed and sent (compact, keys in a stable order)."""
    return json.dumps(message.payload, separators=(",", ":"), sort_keys=True)


def signed_headers(*, secret: str, msg_id: str, body: str, now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers: ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``."""
    timestamp = now.replace(microsecond=0)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, timestamp, body),
    }


# --- publishing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One event for one partner's automation."""

    partner_id: int
    type: str
    data: dict[str, Any]
    dedupe_key: str


def publish(
    *,
    partner: Partner | int,
    type: str,  # noqa: A002 - the event's name in the Standard Webhooks body
    data: dict[str, Any],
    dedupe_key: str,
    now: datetime | None = None,
) -> int:
    """Queue ``type`` for every active endpoint of ``partner`` subscribed to it; returns how
    many deliveries were written. Call it inside the transaction of the change: publishing the
    same dedupe key again writes nothing more."""
    partner_id = partner if isinstance(partner, int) else partner.pk
    return publish_many(
        [Event(partner_id=partner_id, type=type, data=data, dedupe_key=dedupe_key)], now=now
    )


def publish_many(events: Sequence[Event], *, now: datetime | None = None) -> int:
    """Publish a batch set-based: one query for the endpoints, one insert of the messages
    (conflicts on the dedupe key ignored), one read back, one insert of the deliveries."""
    now = now or timezone.now()
    for event in events:
        if event.type not in EVENT_TYPES:
            raise ValueError(f"unknown webhook event type {event.type!r}")
    partner_ids = {e.partner_id for e in events if e.partner_id is not None}
    if not partner_ids:
        return 0
    endpoints: dict[tuple[int, str], list[int]] = {}
    for endpoint_id, partner_id, subscribed in WebhookEndpoint.objects.filter(
        partner_id__in=partner_ids, active=True
    ).values_list("pk", "partner_id", "events"):
        for event_type in subscribed or ():
            endpoints.setdefault((partner_id, event_type), []).append(endpoint_id)
    wanted = {
        (e.partner_id, e.dedupe_key[:200]): e
        for e in events
        if endpoints.get((e.partner_id, e.type))
    }
    if not wanted:
        return 0
    WebhookMessage.objects.bulk_create(
        [
            WebhookMessage(
                partner_id=partner_id,
                msg_id=new_msg_id(),
                type=event.type,
                payload={"type": event.type, "timestamp": iso(now), "data": _jsonable(event.data)},
                dedupe_key=key,
                created_at=now,
            )
            for (partner_id, key), event in wanted.items()
        ],
        ignore_conflicts=True,
    )
    stored = WebhookMessage.objects.filter(
        partner_id__in={p for p, _key in wanted}, dedupe_key__in={k for _partner, k in wanted}
    ).values_list("pk", "partner_id", "dedupe_key", "type")
    deliveries = [
        WebhookDelivery(endpoint_id=endpoint_id, message_id=pk, next_attempt_at=now, created_at=now)
        for pk, partner_id, key, event_type in stored
        if (partner_id, key) in wanted
        for endpoint_id in endpoints.get((partner_id, event_type), ())
    ]
    before = WebhookDelivery.objects.filter(message_id__in=[d.message_id for d in deliveries])
    existing = set(before.values_list("endpoint_id", "message_id"))
    new = [d for d in deliveries if (d.endpoint_id, d.message_id) not in existing]
    WebhookDelivery.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        transaction.on_commit(enqueue_delivery)
    return len(new)


def publish_to_every_partner(
    *,
    type: str,
    data: dict[str, Any],
    dedupe_key: str,
    now: datetime | None = None,  # noqa: A002
) -> int:
    """An event of no one partner (a release): published for every partner with an active
    endpoint subscribed to it, in one batch."""
    partner_ids = {
        partner_id
        for partner_id, subscribed in WebhookEndpoint.objects.filter(active=True).values_list(
            "partner_id", "events"
        )
        if type in (subscribed or ())
    }
    return publish_many(
        [
            Event(partner_id=p, type=type, data=data, dedupe_key=dedupe_key)
            for p in sorted(partner_ids)
        ],
        now=now,
    )


def enqueue_delivery() -> None:
    """Ask a worker to deliver now; with the broker down the periodic job delivers later."""
    # Imported here: the task module imports this one. Not looked up by name in app.tasks: a
    # web process has not loaded the task modules (only a worker autodiscovers them).
    from .tasks import deliver_webhooks

    try:
        deliver_webhooks.apply_async(retry=False)
    except Exception as exc:  # noqa: BLE001 - a change must never fail for the broker
        logger.warning("broker unavailable, webhooks wait for the periodic job: %s", exc)


# --- the address guard ----------------------------------------------------------------------


def _refused_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def checked_address(url: str) -> tuple[str | None, str | None]:
    """(why ``url`` may not receive webhooks or None, the address to connect to). The address
    is one of those the host resolved to and the guard accepted; None when private networks
    are allowed (then the system resolves as usual)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("Enter an http or https address."), None
    if settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS:
        return None, None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError):
        return _("This address does not resolve."), None
    if not infos or any(_refused_address(info[4][0]) for info in infos):
        return (
            _("This address is in a private or reserved network and cannot receive webhooks."),
            None,
        )
    return None, str(infos[0][4][0]).split("%", 1)[0]


def url_problem(url: str) -> str | None:
    """Why ``url`` may not receive webhooks, or None. Only http(s); the host must resolve, and
    to public addresses only, unless ``WEBHOOKS_ALLOW_PRIVATE_NETWORKS`` (a server-side
    request forgery guard, checked when an endpoint is saved and again before each send; the
    send then connects to the address checked, so a name that resolves to another address a
    moment later, DNS rebinding, does not reach it)."""
    return checked_address(url)[0]


# --- endpoints: the services ----------------------------------------------------------------


def _require_partner_admin(actor: Any, partner_id: int) -> None:
    """Partner admins manage their own partner's webhooks; staff manage all."""
    if is_operator(actor):
        return
    partner = partner_for(actor)
    if not is_partner_admin(actor) or partner is None or partner.pk != partner_id:
        raise PermissionDenied(_("Only an administrator of this partner can do this."))


def _clean(url: str | None, events: Iterable[str] | None) -> list[str] | None:
    if url is not None:
        problem = url_problem(url)
        if problem:
            raise DomainError(problem, field="url", rule="R-NOT-4")
    if events is None:
        return None
    cleaned = sorted(set(events))
    unknown = [e for e in cleaned if e not in EVENT_TYPES]
    if unknown:
        raise DomainError(
            _("Unknown event type: %(types)s.") % {"types": ", ".join(unknown)}, field="events"
        )
    if not cleaned:
        raise DomainError(_("Choose at least one event."), field="events")
    return cleaned


def webhook_create(
    *,
    actor: Any,
    partner: Partner,
    url: str,
    events: Iterable[str],
    active: bool = True,
    now: datetime | None = None,
) -> WebhookEndpoint:
    _require_partner_admin(actor, partner.pk)
    cleaned = _clean(url, events)
    with transaction.atomic():
        return WebhookEndpoint.objects.create(
            partner=partner,
            url=url,
            events=cleaned,
            active=active,
            secret=new_secret(),
            created_by=actor if getattr(actor, "pk", None) else None,
            created_at=now or timezone.now(),
        )


def webhook_update(
    *,
    actor: Any,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: Iterable[str] | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint. Turning a disabled endpoint on again clears its failures; its
    pending deliveries then go out."""
    _require_partner_admin(actor, endpoint.partner_id)
    cleaned = _clean(url, events)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if url is not None:
            endpoint.url = url
        if cleaned is not None:
            endpoint.events = cleaned
        if active is not None:
            if active and not endpoint.active:
                endpoint.failure_count = 0
                endpoint.disabled_at = None
            endpoint.active = active
        endpoint.save()
        return endpoint


def webhook_rotate_secret(*, actor: Any, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    _require_partner_admin(actor, endpoint.partner_id)
    with transaction.atomic():
        endpoint.secret = new_secret()
        endpoint.save(update_fields=["secret"])
    return endpoint


def webhook_delete(*, actor: Any, endpoint: WebhookEndpoint) -> None:
    _require_partner_admin(actor, endpoint.partner_id)
    with transaction.atomic():
        endpoint.delete()


def webhook_redeliver(
    *, actor: Any, delivery: WebhookDelivery, now: datetime | None = None
) -> WebhookDelivery:
    """Send a delivery again, now, whatever its state (the receiver lost it, or was down)."""
    _require_partner_admin(actor, delivery.endpoint.partner_id)
    now = now or timezone.now()
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDeliveryStatus.PENDING, next_attempt_at=now
        )
        transaction.on_commit(enqueue_delivery)
    delivery.refresh_from_db()
    return delivery


# --- delivering -----------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """Exponential backoff after ``attempts`` failed tries: base, 2×base, 4×base … capped."""
    base = settings.WEBHOOK_BACKOFF_SECONDS
    return timedelta(seconds=min(settings.WEBHOOK_BACKOFF_MAX_SECONDS, base * 2 ** (attempts - 1)))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect could lead to an address the guard refuses: a 3xx is an answer, not a hop."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Pinned:
    """Mixed into http.client's connections: the socket goes to ``address`` (the guard's),
    not to what the host name resolves to now. http.client opens it through
    ``_create_connection`` and keeps the rest: the Host header, and over TLS the certificate
    checked for the URL's host name (SNI)."""

    def __init__(self, *args: Any, address: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = lambda target, *rest: socket.create_connection(
            (address, target[1]), *rest
        )


class _PinnedHTTPConnection(_Pinned, http.client.HTTPConnection):
    pass


class _PinnedHTTPSConnection(_Pinned, http.client.HTTPSConnection):
    pass


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(functools.partial(_PinnedHTTPConnection, address=self.address), req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(
            functools.partial(_PinnedHTTPSConnection, address=self.address),
            req,
            context=self._context,
        )


def _through_proxy(url: str) -> bool:
    """Whether the environment sends ``url`` through a proxy (``HTTPS_PROXY`` …): then the
    proxy connects and resolves the name, and the connection is not pinned."""
    parts = urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    return bool(proxy) and not urllib.request.proxy_bypass(parts.hostname or "")


def send(
    url: str,
    *,
    body: str,
    headers: dict[str, str],
    address: str | None = None,
    timeout: float | None = None,
) -> int:
    """POST the JSON body; returns the HTTP status code (raises on a network error). With an
    ``address`` the connection goes there, whatever the host name resolves to meanwhile. The
    one way the portal posts to an address a partner gave (webhooks, chat)."""
    request = urllib.request.Request(
        url,
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "partner-portal-webhooks/1",
            **headers,
        },
    )
    opener = (
        urllib.request.build_opener(
            _NoRedirect, _PinnedHTTPHandler(address), _PinnedHTTPSHandler(address)
        )
        if address and not _through_proxy(url)
        else urllib.request.build_opener(_NoRedirect)  # the environment's proxy, if any
    )
    try:
        with opener.open(request, timeout=timeout or settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def post(
    url: str, *, body: str, headers: dict[str, str], timeout: float | None = None
) -> tuple[str | None, int | None]:
    """Check ``url`` against the guard and POST to the address checked: (the error or None,
    the HTTP status code if one came back). A 2xx is no error."""
    error, address = checked_address(url)
    if error:
        return error, None
    try:
        code = send(url, body=body, headers=headers, address=address, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - any failure to reach it is a failed try
        return str(exc) or exc.__class__.__name__, None
    return (None if 200 <= code < 300 else f"HTTP {code}"), code


def _due(now: datetime) -> models.QuerySet:
    return WebhookDelivery.objects.filter(
        status=WebhookDeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__active=True
    )


def deliver_due(*, now: datetime | None = None, limit_batches: int = 50) -> dict[str, int]:
    """Send every due delivery. A batch is claimed through ``portal.jobs`` (skip-locked on
    PostgreSQL, stamped forward by a lease everywhere) so concurrent workers and a duplicated
    beat never send one twice; the requests go out after the claim commits."""
    now = now or timezone.now()
    counts = {"delivered": 0, "failed": 0, "disabled": 0}
    for _batch in range(limit_batches):
        with transaction.atomic():
            ids = jobs.claim(
                _due(now),
                stamp={"next_attempt_at": now + LEASE, "attempts": models.F("attempts") + 1},
                order_by=("next_attempt_at", "pk"),
                limit=BATCH_SIZE,
            )
        if not ids:
            break
        rows = WebhookDelivery.objects.filter(pk__in=ids).select_related("endpoint", "message")
        for delivery in rows:
            outcome = _attempt(delivery, now=now)
            counts[outcome] += 1
            if outcome == "failed" and _record_endpoint_failure(delivery.endpoint, now=now):
                counts["disabled"] += 1
        if len(ids) < BATCH_SIZE:
            break
    return counts


def _attempt(delivery: WebhookDelivery, *, now: datetime) -> str:
    endpoint, message = delivery.endpoint, delivery.message
    body = body_of(message)
    try:
        headers = signed_headers(
            secret=endpoint.secret, msg_id=message.msg_id, body=body, now=timezone.now()
        )
    except Exception as exc:  # noqa: BLE001 - a secret that cannot sign fails this try only
        error, code = str(exc) or exc.__class__.__name__, None
    else:
        error, code = post(endpoint.url, body=body, headers=headers)
    if not error:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDeliveryStatus.DELIVERED,
            response_status_code=code,
            last_error="",
            last_attempt_at=now,
            delivered_at=now,
        )
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failure_count=0)
        return "delivered"
    final = delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDeliveryStatus.FAILED if final else WebhookDeliveryStatus.PENDING,
        response_status_code=code,
        last_error=error[:2000],
        last_attempt_at=now,
        next_attempt_at=now + backoff(delivery.attempts),
    )
    logger.warning(
        "webhook delivery %s to endpoint %s failed (attempt %s): %s",
        delivery.pk,
        endpoint.pk,
        delivery.attempts,
        error,
    )
    return "failed"


def _record_endpoint_failure(endpoint: WebhookEndpoint, *, now: datetime) -> bool:
    """Count one more consecutive failure; at ``WEBHOOK_MAX_FAILURES`` the endpoint is
    disabled (once: a conditional update) and the partner's admins are told. True when this
    call disabled it."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failure_count=models.F("failure_count") + 1
    )
    disabled = WebhookEndpoint.objects.filter(
        pk=endpoint.pk,
        active=True,
        failure_count__gte=settings.WEBHOOK_MAX_FAILURES,
    ).update(active=False, disabled_at=now)
    if disabled:
        _tell_admins_disabled(endpoint, now=now)
    return bool(disabled)


def _tell_admins_disabled(endpoint: WebhookEndpoint, *, now: datetime) -> None:
    from .middleware import language_for_user
    from .notifications import notify

    admins = (
        get_user_model()
        .objects.filter(
            membership__partner_id=endpoint.partner_id,
            membership__role=Role.ADMIN,
            is_active=True,
        )
        .exclude(email="")
    )
    # Each admin reads it in their own language: the one rule of the portal's pages.
    emails = sorted({(u.email, language_for_user(u) or "en") for u in admins})
    if not emails:
        return
    with transaction.atomic():
        notify(
            kind="account.webhook_disabled",
            partner=endpoint.partner_id,
            context={
                "partner": endpoint.partner_id,
                "url": endpoint.url,
                "count": settings.WEBHOOK_MAX_FAILURES,
                "link": reverse("portal:webhooks"),
            },
            dedupe_key=f"webhook-disabled:{endpoint.pk}:{iso(now)}",
            emails=emails,
        )
