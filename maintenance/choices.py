"""Enumerations of the maintenance app (DOMAIN.md R-MNT-1 … R-MNT-12)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeKind(models.TextChoices):
    """Kinds of maintenance (R-MNT-3)."""

    ROUTINE = "routine", _("Routine")
    SERVICE_IMPACTING = "service_impacting", _("Service impacting")
    CERTIFICATE_RENEWAL = "certificate_renewal", _("Certificate renewal")
    UPGRADE = "upgrade", _("Upgrade")
    COP_INSTALL = "cop_install", _("Patch (COP) install")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    EMERGENCY = "emergency", _("Emergency")


class ChangeTextKind(models.TextChoices):
    """Which text the system wrote for a change: its title and description are rendered from
    this kind and ``text_params`` in the reader's language (``maintenance.texts``)."""

    CERTIFICATE_RENEWAL = "certificate_renewal", _("Certificate renewal")
    UPGRADE = "upgrade", _("Upgrade")


class ChangeOrigin(models.TextChoices):
    """Who asked for the change: the operator, or the partner (joint review, R-MNT-9)."""

    OPERATOR = "operator", _("Operator")
    PARTNER = "partner", _("Partner")


class ChangeStatus(models.TextChoices):
    """Life cycle of a change.

    Operator changes: draft → scheduled → notified → in_progress → completed | cancelled.
    Partner-requested changes (R-MNT-9) first pass a joint review:
    submitted → under_review → approved | rejected, then approved → scheduled → … → completed
    (the rule's "done").
    """

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under joint review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SCHEDULED = "scheduled", _("Scheduled")
    NOTIFIED = "notified", _("Notified")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class WindowKind(models.TextChoices):
    """Weekday windows (Mon–Fri nights) and weekend windows (Sat/Sun nights) (R-MNT-1)."""

    WEEKDAY = "weekday", _("Weekday")
    WEEKEND = "weekend", _("Weekend")


class EmergencyReason(models.TextChoices):
    """The only four reasons an emergency change may be made for (R-MNT-8)."""

    RESTORE_SERVICE = "restore_service", _("Restore service")
    REDUCE_OUTAGE_IMPACT = "reduce_outage_impact", _("Reduce the impact of an outage")
    PREVENT_OUTAGE = "prevent_outage", _("Prevent a possible outage")
    SECURITY_VULNERABILITY = "security_vulnerability", _("Fix a security vulnerability")


class UpgradeReason(models.TextChoices):
    """The only reasons the operator initiates an upgrade for (R-MNT-7)."""

    SECURITY_VULNERABILITY = "security_vulnerability", _("Security vulnerability")
    VERSION_BELOW_N_MINUS_1 = "version_below_n_minus_1", _("Version lower than n-1")
    APPROACHING_END_OF_LIFE = "approaching_end_of_life", _("Version approaching end of life")
    PARTNER_FEATURE_REQUEST = (
        "partner_feature_request",
        _("New features requested by the partner in a TAC case"),
    )


class PartnerRequestKind(models.TextChoices):
    """What a partner-requested change is about (R-MNT-9)."""

    INTEGRATION_CONFIGURATION = (
        "integration_configuration",
        _("Configuration affecting application integration"),
    )
    BOUNDARY_DEVICE_CONFIGURATION = (
        "boundary_device_configuration",
        _("Configuration of boundary devices"),
    )
    SERVICE_DEACTIVATION = "service_deactivation", _("Deactivate a service")


class NoticeKind(models.TextChoices):
    """Every message the change process sends (R-MNT-4, R-MNT-5, R-MNT-8, R-NOT-2)."""

    NOTICE = "notice", _("Maintenance notice")
    REMINDER = "reminder", _("Reminder")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    CANCELLED = "cancelled", _("Cancelled")
    STARTED = "started", _("Started")
    COMPLETED = "completed", _("Completed")
    EMERGENCY = "emergency", _("Emergency change")


class RescheduleStatus(models.TextChoices):
    """A partner's reschedule request (R-MNT-5).

    requested → alternatives_offered → accepted (the partner picked an alternative);
    or declined by staff, or withdrawn by the partner.
    """

    REQUESTED = "requested", _("Requested")
    ALTERNATIVES_OFFERED = "alternatives_offered", _("Alternatives offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SsoChecklistItem(models.TextChoices):
    """The partner's follow-up after a certificate renewal on an SSO customer (R-MNT-6)."""

    DISABLE_SSO = "disable_sso", _("Disable SSO")
    REIMPORT_IDP_METADATA = "reimport_idp_metadata", _("Re-import the IdP metadata file")
    REENABLE_SSO = "reenable_sso", _("Re-enable SSO")
    VALIDATE_SSO = "validate_sso", _("Validate SSO (recommended)")


class PatchKind(models.TextChoices):
    """Customer-initiated patch (COP) files (R-MNT-11)."""

    PHONE_FIRMWARE = "phone_firmware", _("Phone firmware")
    LOCALE_PACK = "locale_pack", _("Locale pack")
    DEVICE_PACK = "device_pack", _("Device pack")
    OTHER = "other", _("Other")


class PatchStatus(models.TextChoices):
    """requested → uploaded (by the operator, to the SFTP server) → installed (by the partner)."""

    REQUESTED = "requested", _("Requested")
    UPLOADED = "uploaded", _("Uploaded")
    INSTALLED = "installed", _("Installed")


class OutageStatus(models.TextChoices):
    """An outage of core services is declared, then resolved (R-MNT-12)."""

    DECLARED = "declared", _("Declared")
    RESOLVED = "resolved", _("Resolved")


class OutageUpdateStatus(models.TextChoices):
    """Where the operator stands on an outage, said in each update of its timeline (R-MNT-12).

    **Decision**: the three open statuses may follow each other in any order (the cause found
    may turn out wrong: back to investigating), ``resolved`` resolves the outage and ends the
    timeline.
    """

    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")


class CampaignStatus(models.TextChoices):
    """A campaign is drafted, planned (slots placed, staff review them), then committed: its
    changes and notices exist (R-MNT-13)."""

    DRAFT = "draft", _("Draft")
    PLANNED = "planned", _("Planned")
    COMMITTED = "committed", _("Committed")


class SlotStatus(models.TextChoices):
    """One customer's place in a campaign's plan (R-MNT-13)."""

    PLANNED = "planned", _("Planned")
    EXCLUDED = "excluded", _("Excluded")
    COMMITTED = "committed", _("Committed")
