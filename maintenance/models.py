"""Maintenance and change management (DOMAIN.md R-MNT-1 … R-MNT-12).

Windows are not stored: they are fixed by the rule and computed by ``maintenance.windows``.
A change belongs to one partner (its affected customers are that partner's customers); an
operator change touching several partners is filed once per partner, so that every partner
sees exactly its own change, notices and reschedule requests (**Decision**).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.choices import Application, Region
from portal.history import AuditHistory
from portal.tenancy import TenantManager
from portal.timefmt import show_time

from .choices import (
    CampaignStatus,
    ChangeKind,
    ChangeOrigin,
    ChangeStatus,
    ChangeTextKind,
    EmergencyReason,
    NoticeKind,
    OutageStatus,
    OutageUpdateStatus,
    PartnerRequestKind,
    PatchKind,
    PatchStatus,
    RescheduleStatus,
    SlotStatus,
    SsoChecklistItem,
    UpgradeReason,
    WindowKind,
)


class Change(models.Model):
    """A maintenance event on some of one partner's customers (R-MNT-3).

    ``sme_publisher_region`` is set for SME group maintenance: the change is then scheduled in
    the SME publisher's region instead of each customer's (R-MNT-2).
    """

    partner = models.ForeignKey(
        "portal.Partner",
        on_delete=models.PROTECT,
        related_name="changes",
        verbose_name=_("partner"),
    )
    customers = models.ManyToManyField(
        "portal.Customer", related_name="changes", verbose_name=_("affected customers")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=ChangeKind.choices)
    origin = models.CharField(
        _("requested by"),
        max_length=10,
        choices=ChangeOrigin.choices,
        default=ChangeOrigin.OPERATOR,
    )
    partner_request_kind = models.CharField(
        _("partner request"),
        max_length=40,
        choices=PartnerRequestKind.choices,
        blank=True,
        help_text=_("What a partner-requested change is about."),
    )
    # What a person typed. A title or description the system writes is not stored as text:
    # ``text_kind`` and ``text_params`` (ids and values) render it in the reader's language
    # (``display_title``, ``display_description``); a typed text wins over the rendered one.
    title = models.CharField(_("title"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    text_kind = models.CharField(
        _("generated text"), max_length=24, choices=ChangeTextKind.choices, blank=True
    )
    text_params = models.JSONField(_("values of the generated text"), default=dict, blank=True)
    start = models.DateTimeField(_("start"), null=True, blank=True)
    end = models.DateTimeField(_("end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT
    )
    reason = models.CharField(
        _("reason"),
        max_length=40,
        blank=True,
        help_text=_("Upgrades and emergency changes need one."),
    )
    urgent = models.BooleanField(
        _("urgent"),
        default=False,
        help_text=_("Urgent changes (e.g. a severe security fix) cannot be rescheduled."),
    )
    interrupts_calling = models.BooleanField(
        _("interrupts calling"),
        default=False,
        help_text=_(
            "An upgrade that interrupts calling also needs R-MNT-4's 10 business days of notice."
        ),
    )
    sme_publisher_region = models.CharField(
        _("SME publisher region"),
        max_length=4,
        choices=Region.choices,
        blank=True,
        help_text=_("SME group maintenance follows the SME publisher's region."),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("linked TAC case"),
        help_text=_("An upgrade for new features is linked to the partner's case."),
    )
    campaign = models.ForeignKey(
        "Campaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("campaign"),
        help_text=_("The campaign that planned this change, if any."),
    )
    review_note = models.TextField(_("joint review note"), blank=True)
    notice_sent_at = models.DateTimeField(_("notice sent"), null=True, blank=True)
    reschedule_deadline = models.DateTimeField(_("reschedule deadline"), null=True, blank=True)
    reschedule_open = models.BooleanField(_("reschedule period open"), default=False)
    reminder_level = models.PositiveIntegerField(
        _("last reminder (hours before start)"), null=True, blank=True
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    tenant_field = "partner"
    objects = TenantManager()

    # Audit history: who changed what and when, shown to staff in the admin.
    history = AuditHistory()

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True)
                | Q(end__isnull=True)
                | Q(end__gt=models.F("start")),
                name="change_ends_after_it_starts",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "start"], name="change_partner_start"),
            # The beat's due-row queries: reminders and start (notified/scheduled by start),
            # end (in progress by end), reschedule expiry.
            models.Index(
                fields=["start"],
                name="change_pending_start",
                condition=Q(status__in=["scheduled", "notified"]),
            ),
            models.Index(
                fields=["end"], name="change_running_end", condition=Q(status="in_progress")
            ),
            models.Index(
                fields=["reschedule_deadline"],
                name="change_reschedule_open",
                condition=Q(reschedule_open=True),
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """The title in the active language: what a person typed, else the system's text."""
        from .texts import change_title

        return self.title or change_title(self.text_kind, self.text_params)

    @property
    def display_description(self) -> str:
        from .texts import change_description

        return self.description or change_description(self.text_kind, self.text_params)

    @property
    def is_emergency(self) -> bool:
        return self.kind == ChangeKind.EMERGENCY

    @property
    def reason_label(self) -> str:
        """The reason's label: upgrade reasons (R-MNT-7) or emergency reasons (R-MNT-8)."""
        table = EmergencyReason if self.kind == ChangeKind.EMERGENCY else UpgradeReason
        return str(dict(table.choices).get(self.reason, self.reason))


class ChangeNotice(models.Model):
    """One message of the change process, as the partner sees it on the change's page.

    The notification rows (one per contact) are in the outbox; this row records the event
    once. ``event_key`` is also the outbox dedupe key, so a notice is sent exactly once.
    """

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    event_key = models.CharField(_("event key"), max_length=200, unique=True)
    subject = models.CharField(_("subject"), max_length=250)
    body = models.TextField(_("body"))
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    sent_at = models.DateTimeField(_("sent"))

    tenant_field = "change__partner"
    objects = TenantManager()

    class Meta:
        ordering = ["sent_at", "pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        # In the reader's language (not the recorded subject, in the sender's).
        return f"{self.get_kind_display()}: {self.change.display_title}"


class RescheduleRequest(models.Model):
    """A partner's request to move a notified change (R-MNT-5)."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="reschedule_requests")
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=RescheduleStatus.choices,
        default=RescheduleStatus.REQUESTED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    staff_note = models.TextField(_("operator note"), blank=True)
    chosen = models.ForeignKey(
        "RescheduleAlternative",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chosen alternative"),
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    tenant_field = "change__partner"
    objects = TenantManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reschedule request")
        verbose_name_plural = _("reschedule requests")
        constraints = [
            # One open request per change at a time.
            models.UniqueConstraint(
                fields=["change"],
                condition=Q(status__in=["requested", "alternatives_offered"]),
                name="reschedule_one_open_per_change",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.change} ({self.get_status_display()})"


class RescheduleAlternative(models.Model):
    """A window the operator offers in answer to a reschedule request (R-MNT-5)."""

    request = models.ForeignKey(
        RescheduleRequest, on_delete=models.CASCADE, related_name="alternatives"
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    window_kind = models.CharField(_("window"), max_length=8, choices=WindowKind.choices)

    tenant_field = "request__change__partner"
    objects = TenantManager()

    class Meta:
        ordering = ["start"]
        verbose_name = _("alternative window")
        verbose_name_plural = _("alternative windows")

    def __str__(self) -> str:
        # In the zone of the change's customers, as every shown time (DOMAIN.md).
        change = self.request.change
        return f"{show_time(self.start, customer=change)} – {show_time(self.end, customer=change)}"


class Certificate(models.Model):
    """An operator-managed UC application certificate of a customer (R-MNT-6).

    ``renewal_for_expiry`` remembers the expiry the daily scan already created a renewal
    change for, so the scan is idempotent; a new certificate (new expiry) starts over.
    """

    customer = models.ForeignKey(
        "portal.Customer", on_delete=models.CASCADE, related_name="certificates"
    )
    application = models.CharField(_("application"), max_length=12, choices=Application.choices)
    common_name = models.CharField(_("common name"), max_length=200)
    expires_at = models.DateTimeField(_("expires"))
    renewal_for_expiry = models.DateTimeField(null=True, blank=True, editable=False)
    renewal_change = models.ForeignKey(
        Change,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("renewal change"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    tenant_field = "customer__partner"
    objects = TenantManager()

    # Audit history: who changed what and when, shown to staff in the admin.
    history = AuditHistory()

    class Meta:
        ordering = ["expires_at"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "application", "common_name"], name="certificate_unique"
            ),
        ]
        indexes = [models.Index(fields=["expires_at"], name="certificate_expiry")]

    def __str__(self) -> str:
        return f"{self.common_name} ({self.application})"


class SsoChecklist(models.Model):
    """The partner's follow-up after a certificate renewal on an SSO customer (R-MNT-6)."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="sso_checklists")
    customer = models.ForeignKey(
        "portal.Customer", on_delete=models.CASCADE, related_name="sso_checklists"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    tenant_field = "customer__partner"
    objects = TenantManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("SSO checklist")
        verbose_name_plural = _("SSO checklists")
        constraints = [
            models.UniqueConstraint(fields=["change", "customer"], name="sso_checklist_once"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.change}"


class SsoChecklistStep(models.Model):
    """One item the partner ticks off."""

    checklist = models.ForeignKey(SsoChecklist, on_delete=models.CASCADE, related_name="steps")
    item = models.CharField(_("step"), max_length=24, choices=SsoChecklistItem.choices)
    position = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    tenant_field = "checklist__customer__partner"
    objects = TenantManager()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "item"], name="sso_step_once"),
        ]

    def __str__(self) -> str:
        return self.get_item_display()


class PatchRequest(models.Model):
    """A customer-initiated patch (COP) file: requested → uploaded → installed (R-MNT-11)."""

    partner = models.ForeignKey("portal.Partner", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        "portal.Customer", on_delete=models.PROTECT, related_name="patch_requests"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=PatchKind.choices)
    file_name = models.CharField(_("file name"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PatchStatus.choices, default=PatchStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    uploaded_at = models.DateTimeField(_("uploaded"), null=True, blank=True)
    installed_at = models.DateTimeField(_("installed"), null=True, blank=True)

    tenant_field = "partner"
    objects = TenantManager()

    # Audit history: who changed what and when, shown to staff in the admin.
    history = AuditHistory()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("patch request")
        verbose_name_plural = _("patch requests")
        indexes = [models.Index(fields=["partner", "status"], name="patch_partner_status")]

    def __str__(self) -> str:
        return self.file_name


class Outage(models.Model):
    """An outage of core services, declared and resolved by the operator (R-MNT-12).

    One outage may touch customers of several partners; each partner sees the outage and
    only its own affected customers.
    """

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    customers = models.ManyToManyField(
        "portal.Customer", related_name="outages", verbose_name=_("affected customers")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OutageStatus.choices, default=OutageStatus.DECLARED
    )
    declared_at = models.DateTimeField(_("declared"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    # What is affected, from the portal's lists (R-REL-1 applications, customer regions).
    applications = models.JSONField(_("affected applications"), default=list, blank=True)
    regions = models.JSONField(_("affected regions"), default=list, blank=True)

    tenant_field = "customers__partner"
    objects = TenantManager()  # the core scopes a to-many path without repeating rows

    # Audit history: who changed what and when, shown to staff in the admin.
    history = AuditHistory()

    class Meta:
        ordering = ["-declared_at", "-pk"]
        verbose_name = _("outage")
        verbose_name_plural = _("outages")

    def __str__(self) -> str:
        return self.title

    def get_current_status_display(self) -> str:
        """The latest update's status (``current_status``, annotated by the selectors)."""
        status = getattr(self, "current_status", None)
        if status in OutageUpdateStatus.values:
            return str(OutageUpdateStatus(status).label)
        return str(self.get_status_display())

    def get_applications_display(self) -> list[str]:
        labels = dict(Application.choices)
        return [str(labels.get(a, a)) for a in self.applications]

    def get_regions_display(self) -> list[str]:
        labels = dict(Region.choices)
        return [str(labels.get(r, r)) for r in self.regions]


class OutageUpdate(models.Model):
    """One entry of an outage's timeline, as on a status page (R-MNT-12): where the operator
    stands (investigating, identified, monitoring, resolved) and what is known. Each is sent
    to the subscribers of the affected customers; the declaration is the first entry and the
    resolution the last."""

    outage = models.ForeignKey(
        Outage, on_delete=models.CASCADE, related_name="updates", verbose_name=_("outage")
    )
    status = models.CharField(_("status"), max_length=13, choices=OutageUpdateStatus.choices)
    text = models.TextField(_("text"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("posted by"),
    )
    created_at = models.DateTimeField(_("posted"))

    tenant_field = "outage__customers__partner"
    objects = TenantManager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["outage", "created_at"], name="outage_update_timeline")]
        verbose_name = _("outage update")
        verbose_name_plural = _("outage updates")

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.outage}"


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class PartnerEmergency(models.Model):
    """An emergency change in the partner's own network, reported by the partner (R-MNT-8).

    Not a maintenance change of the operator's: it needs no window and no notice. The partner
    tells the operator what, when, which customers and the impact visible to the operator,
    optionally with a linked TAC case; staff see it beside their own changes and on-call is
    notified.
    """

    partner = models.ForeignKey(
        "portal.Partner",
        on_delete=models.PROTECT,
        related_name="partner_emergencies",
        verbose_name=_("partner"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    customers = models.ManyToManyField(
        "portal.Customer", related_name="partner_emergencies", verbose_name=_("affected customers")
    )
    visible_impact = models.TextField(_("impact visible to the operator"))
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partner_emergencies",
        verbose_name=_("linked TAC case"),
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)

    tenant_field = "partner"
    objects = TenantManager()

    class Meta:
        ordering = ["-start", "-pk"]
        verbose_name = _("partner emergency change")
        verbose_name_plural = _("partner emergency changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="partner_emergency_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["partner", "start"], name="partner_emergency_start")]

    def __str__(self) -> str:
        return self.title


class CalendarFeed(models.Model):
    """The secret-token iCalendar feed of one partner's changes (and optionally windows)."""

    partner = models.OneToOneField(
        "portal.Partner", on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=_new_token)
    include_windows = models.BooleanField(_("include maintenance windows"), default=False)
    rotated_at = models.DateTimeField(_("token issued"), auto_now_add=True)

    tenant_field = "partner"
    objects = TenantManager()

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.partner} feed"


class FreezePeriod(models.Model):
    """A span in which a customer wants no planned maintenance (R-MNT-14).

    The partner declares it (a sales event, a move) so that planned changes, reschedule
    alternatives and campaigns avoid it instead of going through R-MNT-5's reschedule round
    trip; emergency changes ignore it (R-MNT-8).

    **Decision**: ``start`` and ``end`` are aware datetimes and the period is half-open,
    ``[start, end)``: maintenance windows cross midnight (21:00–06:00 local), so a freeze in
    dates would be ambiguous about the night that straddles its edge. A change ending exactly
    at ``start``, or starting exactly at ``end``, does not overlap it. The portal enters the
    times in the customer's region zone and shows them with that zone.
    """

    customer = models.ForeignKey(
        "portal.Customer",
        on_delete=models.CASCADE,
        related_name="freeze_periods",
        verbose_name=_("customer"),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    tenant_field = "customer__partner"
    objects = TenantManager()

    # Audit history: who changed what and when, shown to staff in the admin.
    history = AuditHistory()

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("freeze period")
        verbose_name_plural = _("freeze periods")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="freeze_period_ends_after_start"
            ),
        ]
        indexes = [
            # The overlap query: customer_id IN (…) AND start < :end AND end > :start.
            models.Index(fields=["customer", "start", "end"], name="freeze_customer_start_end"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {show_time(self.start, customer=self.customer)}"

    @property
    def length(self) -> timedelta:
        return self.end - self.start


class Campaign(models.Model):
    """One kind of maintenance planned for many customers at once (R-MNT-13).

    ``selection`` picks the customers: lists under ``regions``, ``partners``, ``releases``,
    ``applications`` and ``customers``, each optional, combined with AND (``releases`` and
    ``applications`` are answered by the apps that register them, e.g. releases). The planner
    places each selected customer in the earliest legal window with room under
    ``per_window_limit`` (changes per window per region) between ``earliest_start`` and
    ``deadline``; ``unplaceable`` lists those it could not place, with the rule that stopped
    them. Committing creates one change per planned slot, with its notice.

    ``target_release`` is the release an upgrade campaign installs; the releases app
    registers the upgrade kind (``maintenance.campaigns``), so maintenance never imports it.
    """

    kind = models.CharField(_("kind"), max_length=24, choices=ChangeKind.choices)
    target_release = models.ForeignKey(
        "releases.Release",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("target release"),
        help_text=_("The release an upgrade campaign installs."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    reason = models.CharField(
        _("reason"),
        max_length=40,
        blank=True,
        help_text=_("Upgrades need one."),
    )
    advisory = models.CharField(
        _("security advisory"),
        max_length=200,
        blank=True,
        help_text=_("The advisory a security upgrade fixes."),
    )
    interrupts_calling = models.BooleanField(_("interrupts calling"), default=False)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    selection = models.JSONField(_("selection"), default=dict, blank=True)
    per_window_limit = models.PositiveIntegerField(
        _("changes per window and region"),
        help_text=_("At most this many changes of the campaign in one window of a region."),
    )
    earliest_start = models.DateTimeField(_("earliest start"), null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    unplaceable = models.JSONField(
        _("unplaceable customers"),
        default=list,
        blank=True,
        help_text=_("Customers the last plan could not place, with the rule that stopped each."),
    )
    planned_at = models.DateTimeField(_("planned"), null=True, blank=True)
    committed_at = models.DateTimeField(_("committed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(per_window_limit__gt=0), name="campaign_limit_positive"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="campaign_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CampaignSlot(models.Model):
    """One customer's place in a campaign's plan: a start and end inside one window of its
    region (R-MNT-13). Staff move or exclude slots before committing; committing links each
    planned slot to the change it created."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="slots")
    customer = models.ForeignKey(
        "portal.Customer", on_delete=models.CASCADE, related_name="campaign_slots"
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    window_kind = models.CharField(_("window"), max_length=8, choices=WindowKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=SlotStatus.choices, default=SlotStatus.PLANNED
    )
    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("certificate"),
    )
    change = models.ForeignKey(
        Change,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("change"),
    )

    tenant_field = "customer__partner"
    objects = TenantManager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("campaign slot")
        verbose_name_plural = _("campaign slots")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="campaign_slot_once"),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="campaign_slot_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "start"], name="campaign_slot_start")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.customer}"
