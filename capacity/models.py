"""Capacity: approved capacity with history, provisioned counts, change requests
(R-CAP-1 … R-CAP-5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.history import AuditHistory
from portal.models import Customer
from portal.tenancy import TenantManager
from portal.timefmt import show_time

from .choices import (
    ActivationStatus,
    BaselineReasonKind,
    EventNoteKind,
    ReportSource,
    RequestStatus,
    Threshold,
)
from .rules import OPEN_STATUSES, Counts


class CustomerCapacity(models.Model):
    """A customer's capacity now: approved totals, latest provisioned counts and the
    threshold level already notified.

    One row per customer, kept current by the services, so the gate (R-CAP-2), the lists and
    the daily threshold check (R-CAP-4) each read one indexed row instead of scanning
    history. The history lives in :class:`CapacityBaseline` and :class:`ProvisionedReport`.
    """

    customer = models.OneToOneField(
        Customer,
        on_delete=models.CASCADE,
        related_name="capacity",
        verbose_name=_("customer"),
    )
    approved_knowledge_workers = models.PositiveIntegerField(
        _("approved knowledge workers"), default=0
    )
    approved_workspace_devices = models.PositiveIntegerField(
        _("approved workspace devices"), default=0
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    provisioned_knowledge_workers = models.PositiveIntegerField(
        _("provisioned knowledge workers"), default=0
    )
    provisioned_workspace_devices = models.PositiveIntegerField(
        _("provisioned workspace devices"), default=0
    )
    provisioned_at = models.DateTimeField(_("provisioned counts reported"), null=True, blank=True)
    current_level = models.PositiveSmallIntegerField(
        _("threshold reached"),
        choices=Threshold.choices,
        default=Threshold.NONE,
        help_text=_("The highest utilisation threshold the current counts reach."),
    )
    notified_level = models.PositiveSmallIntegerField(
        _("threshold notified"),
        choices=Threshold.choices,
        default=Threshold.NONE,
        help_text=_("The highest utilisation threshold already notified."),
    )
    level_epoch = models.PositiveIntegerField(
        _("threshold changes"),
        default=0,
        help_text=_("Counts level changes, so each new crossing is a new event."),
    )

    tenant_field = "customer__partner"
    objects = TenantManager()

    # Audit history: who changed what and when, shown to staff in the admin.
    history = AuditHistory()

    class Meta:
        ordering = ["customer__name"]
        verbose_name = _("customer capacity")
        verbose_name_plural = _("customer capacities")
        indexes = [
            # R-CAP-4: the daily check finds the customers whose level moved since the last
            # notification through this small partial index.
            models.Index(
                fields=["customer"],
                name="capacity_level_changed",
                condition=~Q(current_level=F("notified_level")),
            ),
        ]

    def __str__(self) -> str:
        return str(self.customer)

    @property
    def approved(self) -> Counts:
        return Counts(self.approved_knowledge_workers, self.approved_workspace_devices)

    @property
    def provisioned(self) -> Counts:
        return Counts(self.provisioned_knowledge_workers, self.provisioned_workspace_devices)


class CapacityBaseline(models.Model):
    """One approved-capacity value in a customer's history (R-CAP-1, R-CAP-3).

    Set at activation by the operator from the partner's end-state totals, and again each
    time a change request reaches ``capacity_added``. Never edited: a correction is a new row.
    """

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="capacity_baselines",
        verbose_name=_("customer"),
    )
    knowledge_workers = models.PositiveIntegerField(_("knowledge workers"))
    workspace_devices = models.PositiveIntegerField(_("workspace devices"))
    effective_at = models.DateTimeField(_("effective from"))
    # What staff typed; a reason the system writes is a kind and its values (capacity.texts).
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    reason_kind = models.CharField(
        _("generated reason"), max_length=16, choices=BaselineReasonKind.choices, blank=True
    )
    reason_params = models.JSONField(_("values of the generated reason"), default=dict, blank=True)
    request = models.ForeignKey(
        "CapacityRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="baselines",
        verbose_name=_("change request"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    tenant_field = "customer__partner"
    objects = TenantManager()

    class Meta:
        ordering = ["-effective_at", "-id"]
        verbose_name = _("approved capacity")
        verbose_name_plural = _("approved capacity history")
        indexes = [
            models.Index(fields=["customer", "-effective_at"], name="capbaseline_customer_time")
        ]

    def __str__(self) -> str:
        return f"{self.customer}: {self.knowledge_workers} / {self.workspace_devices}"

    @property
    def display_reason(self) -> str:
        """The reason in the active language: as typed, else the system's."""
        from .texts import baseline_reason

        return self.reason or baseline_reason(self.reason_kind, self.reason_params)


class ProvisionedReport(models.Model):
    """Provisioned counts as reported at one moment: the samples of the trend (R-CAP-4).

    Only reports that passed the gate (R-CAP-2) are stored.
    """

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="provisioned_reports",
        verbose_name=_("customer"),
    )
    knowledge_workers = models.PositiveIntegerField(_("knowledge workers"))
    workspace_devices = models.PositiveIntegerField(_("workspace devices"))
    reported_at = models.DateTimeField(_("reported"))
    source = models.CharField(_("source"), max_length=10, choices=ReportSource.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )

    tenant_field = "customer__partner"
    objects = TenantManager()

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("provisioned count report")
        verbose_name_plural = _("provisioned count reports")
        indexes = [models.Index(fields=["customer", "reported_at"], name="capreport_customer_time")]

    def __str__(self) -> str:
        return f"{self.customer} @ {show_time(self.reported_at)}"


class CapacityRequest(models.Model):
    """A partner's request for new approved totals, worked out with the operator through a
    TAC case (R-CAP-3): submitted → under analysis → plan agreed → capacity added, or
    rejected. Approved capacity changes only when it reaches ``capacity_added``."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="capacity_requests",
        verbose_name=_("customer"),
    )
    knowledge_workers = models.PositiveIntegerField(_("new knowledge workers total"))
    workspace_devices = models.PositiveIntegerField(_("new workspace devices total"))
    reason = models.TextField(_("reason"))
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        related_name="capacity_requests",
        verbose_name=_("TAC case"),
        help_text=_("The TAC case raised to work out the expansion plan."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RequestStatus.choices,
        default=RequestStatus.SUBMITTED,
    )
    # Counts approved when the request was submitted, to show the growth asked for.
    previous_knowledge_workers = models.PositiveIntegerField(
        _("knowledge workers before"), default=0
    )
    previous_workspace_devices = models.PositiveIntegerField(
        _("workspace devices before"), default=0
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    tenant_field = "customer__partner"
    objects = TenantManager()

    # Audit history: who changed what and when, shown to staff in the admin.
    history = AuditHistory()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("capacity change request")
        verbose_name_plural = _("capacity change requests")
        constraints = [
            # One open request per customer: the plan is worked out on one set of totals.
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status__in=OPEN_STATUSES),
                name="caprequest_one_open_per_customer",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="caprequest_queue")]

    def __str__(self) -> str:
        return _("Capacity request #%(id)s for %(customer)s") % {
            "id": self.pk,
            "customer": self.customer,
        }

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def requested(self) -> Counts:
        return Counts(self.knowledge_workers, self.workspace_devices)


class CapacityRequestEvent(models.Model):
    """One step of a change request: who moved it, from what, to what, and why (R-CAP-3)."""

    request = models.ForeignKey(CapacityRequest, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(
        _("from"), max_length=20, choices=RequestStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=RequestStatus.choices)
    # What a person typed; a note the system writes is a kind and its values (capacity.texts).
    note = models.TextField(_("note"), blank=True)
    note_kind = models.CharField(
        _("generated note"), max_length=16, choices=EventNoteKind.choices, blank=True
    )
    note_params = models.JSONField(_("values of the generated note"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"))

    tenant_field = "request__customer__partner"
    objects = TenantManager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("request step")
        verbose_name_plural = _("request steps")

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"

    @property
    def display_note(self) -> str:
        from .texts import event_note

        return self.note or event_note(self.note_kind, self.note_params)


class CapacityActivation(models.Model):
    """A new customer's end-state totals as the partner submitted them at activation
    (R-CAP-1). Staff confirm them, which records the first approved capacity; until then the
    partner may submit them again."""

    customer = models.OneToOneField(
        Customer,
        on_delete=models.CASCADE,
        related_name="capacity_activation",
        verbose_name=_("customer"),
    )
    knowledge_workers = models.PositiveIntegerField(_("knowledge workers"))
    workspace_devices = models.PositiveIntegerField(_("workspace devices"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ActivationStatus.choices,
        default=ActivationStatus.SUBMITTED,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    tenant_field = "customer__partner"
    objects = TenantManager()

    # Audit history: who changed what and when, shown to staff in the admin.
    history = AuditHistory()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("activation counts")
        verbose_name_plural = _("activation counts")

    def __str__(self) -> str:
        return f"{self.customer}: {self.knowledge_workers} / {self.workspace_devices}"

    @property
    def counts(self) -> Counts:
        return Counts(self.knowledge_workers, self.workspace_devices)
