"""Releases: the ordered release table with its policy, installed versions, upgrades
(R-REL-1 … R-REL-4, R-MNT-7)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.choices import Application
from portal.history import AuditHistory
from portal.models import Customer
from portal.tenancy import TenantManager

from .choices import ComplianceState
from .rules import PolicyOverrides, ReleaseKey


class Release(models.Model):
    """One Collaboration Systems release: a version and a service update (R-REL-2).

    Rows of the same version share its position (n, n-1, n-2, older), which is derived from
    the order of the available versions and never stored. Policy cells left empty follow the
    position's defaults; staff fill them to override (R-REL-3).
    """

    version = models.CharField(_("version"), max_length=20)
    service_update = models.CharField(_("service update"), max_length=20, blank=True)
    available_on = models.DateField(
        _("available from"),
        null=True,
        blank=True,
        help_text=_("Empty until the release is announced as available."),
    )
    end_of_sale = models.DateField(_("end of sale"), null=True, blank=True)
    end_of_life = models.DateField(_("end of life"), null=True, blank=True)
    new_deployments = models.BooleanField(
        _("new customer deployments supported"),
        null=True,
        blank=True,
        help_text=_("Empty: derived from the position."),
    )
    upgrades_supported = models.BooleanField(
        _("upgrades supported"),
        null=True,
        blank=True,
        help_text=_("Empty: derived from the position."),
    )
    may_stay = models.BooleanField(
        _("customers may stay"),
        null=True,
        blank=True,
        help_text=_("Empty: derived from the position."),
    )
    upgrade_target = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("must upgrade to"),
        help_text=_("Empty: the latest service update of n."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    # Audit history: who changed what and when, shown to staff in the admin.
    history = AuditHistory()

    class Meta:
        ordering = ["-available_on", "-version", "-service_update"]
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "service_update"], name="release_unique_version_su"
            ),
        ]

    def __str__(self) -> str:
        return str(self.key)

    @property
    def key(self) -> ReleaseKey:
        return ReleaseKey(self.version, self.service_update)

    @property
    def overrides(self) -> PolicyOverrides:
        return PolicyOverrides(
            new_deployments=self.new_deployments,
            upgrades_supported=self.upgrades_supported,
            may_stay=self.may_stay,
        )


class InstalledVersion(models.Model):
    """The release one application of one customer runs (R-REL-1), with its compliance.

    ``compliance_state`` is refreshed set-based by the daily task; ``notified_state`` is what
    the partner was last told, so each change of state is notified once.
    """

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="installed_versions",
        verbose_name=_("customer"),
    )
    application = models.CharField(_("application"), max_length=12, choices=Application.choices)
    release = models.ForeignKey(
        Release, on_delete=models.PROTECT, related_name="installations", verbose_name=_("release")
    )
    installed_at = models.DateTimeField(_("installed"), null=True, blank=True)
    compliance_state = models.CharField(
        _("compliance"),
        max_length=30,
        choices=ComplianceState.choices,
        default=ComplianceState.UNKNOWN,
    )
    compliance_target = models.ForeignKey(
        Release,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("must upgrade to"),
    )
    notified_state = models.CharField(
        _("state last notified"),
        max_length=30,
        choices=ComplianceState.choices,
        blank=True,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    tenant_field = "customer__partner"
    objects = TenantManager()

    # Audit history: who changed what and when, shown to staff in the admin.
    history = AuditHistory()

    class Meta:
        ordering = ["customer__name", "application"]
        verbose_name = _("installed version")
        verbose_name_plural = _("installed versions")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "application"], name="installed_one_per_application"
            ),
        ]
        indexes = [
            models.Index(fields=["release", "compliance_state"], name="installed_by_release"),
            # The daily check finds unnotified state changes through this partial index.
            models.Index(
                fields=["customer"],
                name="installed_state_unnotified",
                condition=~Q(compliance_state=F("notified_state")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.application} {self.release}"


class Upgrade(models.Model):
    """An upgrade: a maintenance change of kind ``upgrade`` with its target release
    (R-REL-4, R-MNT-7). The change carries the times, the reason and the notices; this row
    adds what to install and whether the partner used its one reschedule."""

    change = models.OneToOneField(
        "maintenance.Change",
        on_delete=models.CASCADE,
        related_name="upgrade",
        verbose_name=_("change"),
    )
    target = models.ForeignKey(
        Release, on_delete=models.PROTECT, related_name="upgrades", verbose_name=_("target release")
    )
    applications = models.JSONField(
        _("applications"),
        default=list,
        blank=True,
        help_text=_("Empty: every application installed on the affected customers."),
    )
    advisory = models.CharField(
        _("security advisory"),
        max_length=200,
        blank=True,
        help_text=_("The advisory a security upgrade fixes."),
    )
    reschedules_used = models.PositiveSmallIntegerField(_("reschedules used"), default=0)
    rescheduled_at = models.DateTimeField(_("rescheduled"), null=True, blank=True)
    reschedule_reason = models.TextField(_("reschedule reason"), blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    tenant_field = "change__partner"
    objects = TenantManager()

    # Audit history: who changed what and when, shown to staff in the admin.
    history = AuditHistory()

    class Meta:
        ordering = ["change__start", "pk"]
        verbose_name = _("upgrade")
        verbose_name_plural = _("upgrades")

    def __str__(self) -> str:
        return f"{self.change} → {self.target}"
