"""Tenancy core: partners, their customers, contacts and users; the notification outbox;
the regional business calendars (DOMAIN.md: Actors, R-CASE-8, R-NOT-1..3)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import (
    REGION_TIMEZONES,
    Category,
    Channel,
    Language,
    NotificationStatus,
    Region,
    Role,
)
from .tenancy import TenantManager


class Partner(models.Model):
    """A reseller that runs the service for its customers: the tenant."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    contacts_confirmed_at = models.DateTimeField(
        _("contacts last confirmed"),
        null=True,
        blank=True,
        help_text=_("When a partner admin last confirmed the contact list."),
    )
    contact_review_requested_at = models.DateTimeField(
        _("contact review last requested"), null=True, blank=True
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=Language.choices,
        default=Language.EN,
        help_text=_("The language of the partner's users who have not chosen one."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    tenant_field = ""
    objects = TenantManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """A partner's customer: one dedicated instance in one region."""

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="customers", verbose_name=_("partner")
    )
    name = models.CharField(_("name"), max_length=200)
    region = models.CharField(_("region"), max_length=4, choices=Region.choices)
    contract_number = models.CharField(
        _("subscription or contract number"),
        max_length=40,
        validators=[
            RegexValidator(r"^[A-Za-z0-9-]{4,40}$", _("Use 4-40 letters, digits or dashes."))
        ],
    )
    sso_enabled = models.BooleanField(
        _("SSO enabled on UC applications"),
        default=False,
        help_text=_("Certificate renewals create an SSO follow-up checklist."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    tenant_field = "partner"
    objects = TenantManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "name"], name="customer_unique_name_per_partner"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def timezone_name(self) -> str:
        return REGION_TIMEZONES[self.region]


class Contact(models.Model):
    """A person (or team address) of the partner who receives notifications (R-NOT-1).

    Contacts without a customer are partner-wide; with a customer they receive only that
    customer's notifications.
    """

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("partner")
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("customer"),
        help_text=_("Leave empty for a partner-wide contact."),
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=Language.choices,
        blank=True,
        help_text=_("The language of this contact's messages. Leave empty for the partner's."),
    )
    chat_webhook_url = models.URLField(
        _("chat webhook"),
        max_length=500,
        blank=True,
        help_text=_(
            "An incoming-webhook address of your messaging app, for the categories that are "
            "sent to chat."
        ),
    )
    delivery_failing_since = models.DateTimeField(
        _("messages failing since"),
        null=True,
        blank=True,
        help_text=_(
            "Set when a message to this contact could not be delivered; cleared by the "
            "next one that is."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    tenant_field = "partner"
    objects = TenantManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "email"],
                condition=Q(customer__isnull=True),
                name="contact_unique_email_partner_wide",
            ),
            models.UniqueConstraint(
                fields=["customer", "email"],
                condition=Q(customer__isnull=False),
                name="contact_unique_email_per_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def categories(self) -> list[str]:
        return sorted(s.category for s in self.subscriptions.all())


class Subscription(models.Model):
    """A contact's subscription to one notification category (R-NOT-1)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="subscriptions")
    category = models.CharField(_("category"), max_length=40, choices=Category.choices)
    email = models.BooleanField(_("by e-mail"), default=True)
    chat = models.BooleanField(_("to chat"), default=False)

    tenant_field = "contact__partner"
    objects = TenantManager()

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["contact", "category"], name="subscription_unique"),
        ]
        indexes = [models.Index(fields=["category", "contact"], name="subscription_by_category")]

    def __str__(self) -> str:
        return f"{self.contact} → {self.get_category_display()}"


class PartnerMembership(models.Model):
    """Makes a user a partner user with a role. Staff users have none."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name=_("user"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("partner")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.ENGINEER)

    tenant_field = "partner"
    objects = TenantManager()

    class Meta:
        verbose_name = _("partner membership")
        verbose_name_plural = _("partner memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner} ({self.get_role_display()})"


def validate_time_zone(value: str) -> None:
    """A user's time zone must be an IANA zone name zoneinfo knows."""
    from django.core.exceptions import ValidationError

    from .timefmt import zone_names

    if value and value not in zone_names():
        raise ValidationError(
            _("Unknown time zone %(zone)s: use an IANA name such as America/Sao_Paulo."),
            code="invalid",
            params={"zone": value},
        )


class UserProfile(models.Model):
    """A user's own settings: the language of the portal and the zone times are shown in
    (DOMAIN.md: "Times shown to people"). Blank means the default: the partner's language, and
    the zone of the partner's first customer's region (UTC for staff). Created on demand."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=Language.choices,
        blank=True,
        help_text=_("Leave empty to use the partner's language."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("Leave empty to use the zone of your first customer's region."),
    )

    tenant_field = "user__membership__partner"
    objects = TenantManager()

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self) -> str:
        return str(self.user)


class Notification(models.Model):
    """The outbox: one row per EVENT (a kind and its context: ids and values, never finished
    text), written in the transaction of the change that causes it. Fan-out turns it into one
    :class:`Delivery` per recipient and channel; each delivery is rendered for its reader when it
    is sent. Nothing is lost if the broker is down: the periodic delivery task picks up whatever
    is still pending."""

    kind = models.CharField(_("kind"), max_length=60, default="legacy")
    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("partner"),
        help_text=_("Empty for an event only the operator is told about."),
        # The outbox is an append-only log the sweeps write thousands of rows of at once: no
        # index (no query reads events by partner; the delivery log reads deliveries) and no
        # database-level check per row at commit (issue 13). Deleting a partner still deletes
        # its events (Django's CASCADE), and fan-out only ever sends to the contacts of the
        # partner named here, so an id without its partner would reach nobody.
        db_index=False,
        db_constraint=False,
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
        db_index=False,
        db_constraint=False,
    )
    # An event of several customers (a change of three customers) names them all: the contacts
    # of each of them receive it.
    customer_ids = models.JSONField(_("customers"), default=list, blank=True)
    category = models.CharField(_("category"), max_length=40)
    context = models.JSONField(_("context"), default=dict, blank=True)
    dedupe_key = models.CharField(
        _("event key"),
        max_length=200,
        help_text=_("Names the event; one row per event, so a retry never sends twice."),
    )
    # Addresses that are not contacts: [[e-mail, language], …]; an empty language is the
    # operator's own (settings.OPERATOR_LANGUAGE).
    addresses = models.JSONField(_("other addresses"), default=list, blank=True)
    # Indexed with the object id (notification_related), not alone; no per-row check either.
    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
    )
    object_id = models.CharField(max_length=64, blank=True)
    related = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    fanned_out_at = models.DateTimeField(_("fanned out"), null=True, blank=True)

    tenant_field = "partner"
    objects = TenantManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["created_at"],
                name="notification_to_fan_out",
                condition=Q(fanned_out_at__isnull=True),
            ),
            models.Index(fields=["content_type", "object_id"], name="notification_related"),
        ]
        constraints = [
            # One row per event. A constraint, not unique=True: PostgreSQL would also get a
            # second (pattern) index on the key that no query uses.
            models.UniqueConstraint(fields=["dedupe_key"], name="notification_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.dedupe_key}"


class Delivery(models.Model):
    """One message of one event to one recipient through one channel: what the delivery log
    shows and what makes delivery exactly-once (unique per event, channel and recipient)."""

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    # The partner whose contact this is (empty for the operator's own addresses): the log's
    # tenant, so a partner never sees what went to the operator.
    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("partner"),
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("contact"),
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    recipient = models.CharField(_("recipient"), max_length=500)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Also the lease: a claimed row is pushed NOTIFICATION_LEASE_SECONDS ahead, so a worker
    # killed mid-batch loses nothing; its rows are claimed again when the lease expires.
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    tenant_field = "partner"
    objects = TenantManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel", "recipient"], name="delivery_once_per_event"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_pending_due",
                condition=Q(status=NotificationStatus.PENDING),
            ),
            models.Index(fields=["partner", "-created_at"], name="delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.notification.kind} → {self.recipient} ({self.channel})"

    def rendered(self):
        """This delivery as its reader gets it (subject, text, HTML, link)."""
        cached = getattr(self, "_rendered", None)
        if cached is None:
            from .notifications import render_delivery

            cached = self._rendered = render_delivery(self)
        return cached

    @property
    def subject(self) -> str:
        return self.rendered().subject

    @property
    def body(self) -> str:
        return self.rendered().text

    @property
    def html(self) -> str:
        return self.rendered().html


def _default_workdays() -> list[int]:
    return [0, 1, 2, 3, 4]


class BusinessCalendar(models.Model):
    """A region's business calendar (R-CASE-8): working days and hours in the region's zone,
    minus holidays. Staff edit it; S3/S4 response objectives and maintenance notice periods
    count business time on it."""

    region = models.CharField(_("region"), max_length=4, choices=Region.choices, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64)
    workday_start = models.TimeField(_("working day starts"), default=dt.time(8))
    workday_end = models.TimeField(_("working day ends"), default=dt.time(17))
    workdays = models.JSONField(
        _("working days"),
        default=_default_workdays,
        help_text=_("Weekday numbers, Monday = 0 … Sunday = 6."),
    )
    holiday_country = models.CharField(
        _("holiday country"),
        max_length=2,
        blank=True,
        help_text=_("ISO country whose public holidays pre-fill this calendar."),
    )
    holiday_subdivision = models.CharField(_("holiday subdivision"), max_length=10, blank=True)

    class Meta:
        ordering = ["region"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.CheckConstraint(
                condition=Q(workday_end__gt=models.F("workday_start")),
                name="calendar_day_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_region_display()} ({self.timezone})"


class Holiday(models.Model):
    """A non-working day of one business calendar."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class JobHeartbeat(models.Model):
    """The last run of one periodic job (portal/jobs.py): what the readiness check and the
    admin index read to tell that beat and the workers are alive."""

    name = models.CharField(_("job"), max_length=100, primary_key=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_duration_ms = models.FloatField(_("last duration (ms)"), null=True, blank=True)
    last_counts = models.JSONField(_("last counts"), default=dict, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("job heartbeat")
        verbose_name_plural = _("job heartbeats")

    def __str__(self) -> str:
        return self.name


# Partner automation (webhooks, API tokens) lives in its own module; imported here so that
# its models belong to this app.
from .automation_models import (  # noqa: E402, F401
    ApiToken,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
