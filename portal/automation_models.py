"""Partner automation: signed outbound webhooks and named, hashed API tokens (R-NOT-4).

Kept apart from ``models.py`` (the tenancy core and the outbox) so that each can change alone;
``portal.models`` imports these, so they are ordinary models of the ``portal`` app.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

from .tenancy import TenantManager


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookEndpoint(models.Model):
    """An address of a partner's automation that receives the events it subscribed to, signed
    with its own secret (Standard Webhooks). Repeated failures disable it."""

    tenant_field = "partner"

    partner = models.ForeignKey(
        "portal.Partner",
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("partner"),
    )
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    failure_count = models.PositiveIntegerField(_("consecutive failures"), default=0)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = TenantManager()

    class Meta:
        ordering = ["partner", "pk"]
        indexes = [models.Index(fields=["partner", "active"], name="portal_whep_partner_active")]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


class WebhookMessage(models.Model):
    """One event for one partner, written in the transaction of the change that caused it:
    its type and its JSON body (``{"type", "timestamp", "data"}``). The dedupe key makes
    publishing the same event twice write nothing more."""

    tenant_field = "partner"

    partner = models.ForeignKey(
        "portal.Partner",
        on_delete=models.CASCADE,
        related_name="webhook_messages",
        verbose_name=_("partner"),
    )
    msg_id = models.CharField(_("message id"), max_length=40, unique=True)
    type = models.CharField(_("event type"), max_length=60)
    payload = models.JSONField(_("payload"))
    dedupe_key = models.CharField(_("deduplication key"), max_length=200)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "dedupe_key"], name="portal_whmsg_unique_event"
            )
        ]
        verbose_name = _("webhook message")
        verbose_name_plural = _("webhook messages")

    def __str__(self) -> str:
        return f"{self.type} {self.msg_id}"


class WebhookDelivery(models.Model):
    """One message to one endpoint: what was tried, when, and what the receiver answered."""

    tenant_field = "endpoint__partner"

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    message = models.ForeignKey(
        WebhookMessage,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("message"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=WebhookDeliveryStatus.choices,
        default=WebhookDeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    response_status_code = models.PositiveSmallIntegerField(
        _("response status code"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = TenantManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "message"], name="portal_whdel_unique_endpoint_message"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="portal_whdel_due"),
        ]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.message} → {self.endpoint}"


def new_token_id() -> str:
    return f"tok_{secrets.token_hex(8)}"


class ApiToken(AbstractAuthToken):
    """A named API token of a user, stored as a hash (django-rest-knox): the key is shown once,
    when it is made. ``last_used_at`` is stamped when it authenticates (at most once a minute)."""

    public_id = models.CharField(
        _("id"), max_length=24, unique=True, default=new_token_id, editable=False
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name or self.token_key} ({self.user})"
