"""Enumerations of TAC cases (DOMAIN.md R-CASE-2 … R-CASE-12)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """What kind of need the case is about (R-CASE-2)."""

    HOW_TO = "how_to", _("How-to question")
    COMMON = "common", _("Common problem")
    CONFIGURATION = "configuration", _("Configuration")
    BUG = "bug", _("Bug")
    AVAILABILITY = "availability", _("Availability")


class Impact(models.TextChoices):
    """Share of the partner's environment affected (R-CASE-3)."""

    WIDESPREAD = "widespread", _("Widespread")
    LARGE = "large", _("Large")
    LOCALIZED = "localized", _("Localized")
    INDIVIDUALIZED = "individualized", _("Individualized")


class Urgency(models.TextChoices):
    """How badly calling or another function is hit (R-CASE-4)."""

    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Severity(models.TextChoices):
    """Level of effort, S1 the highest (R-CASE-5)."""

    S1 = "S1", _("S1 critical")
    S2 = "S2", _("S2 high")
    S3 = "S3", _("S3 medium")
    S4 = "S4", _("S4 low")


class Status(models.TextChoices):
    """Where the case is in its lifecycle (R-CASE-12)."""

    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_PARTNER = "awaiting_partner", _("Awaiting partner")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Channel(models.TextChoices):
    """How the case was opened (R-CASE-11)."""

    WEB = "web", _("Portal")
    API = "api", _("API")
    PHONE = "phone", _("Phone")


class Clock(models.TextChoices):
    """Which clock a response objective runs on (R-CASE-7)."""

    WALL = "24x7", _("24x7 wall clock")
    BUSINESS = "business", _("Business time")


class EventKind(models.TextChoices):
    """Entries of a case's timeline, the audit trail (R-CASE-6, R-CASE-10)."""

    OPENED = "opened", _("Opened")
    COMMENT = "comment", _("Comment")
    STATUS_CHANGE = "status_change", _("Status change")
    SEVERITY_CHANGE = "severity_change", _("Severity change")
    ESCALATION_REQUEST = "escalation_request", _("Escalation request")
    ACTION_PLAN = "action_plan", _("Action plan")
    ACTION_PLAN_OVERDUE = "action_plan_overdue", _("Action plan overdue")
    WARNING = "warning", _("Due-time warning")
    BREACH = "breach", _("Breach")
    NOTIFICATION_SENT = "notification_sent", _("Notification sent")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")
    ATTACHMENT = "attachment", _("Attachment")
    ASSIGNMENT = "assignment", _("Owner change")
    ESCALATION = "escalation", _("Escalation level")
    WATCHER_ADDED = "watcher_added", _("Watcher added")
    WATCHER_REMOVED = "watcher_removed", _("Watcher removed")


class Queue(models.TextChoices):
    """The operator's work queue: named views of the open cases (issue 14, R-CASE-9/10)."""

    MINE = "mine", _("Mine")
    UNASSIGNED = "unassigned", _("Unassigned")
    BREACHING_SOON = "soon", _("Breaching soon")
    BREACHED = "breached", _("Breached")
    PLAN_OVERDUE = "plan_overdue", _("Overdue action plans")


class OutOfScopeReason(models.TextChoices):
    """Why a case is outside the operator's scope (R-CASE-13)."""

    PARTNER_NETWORK = (
        "partner_network",
        _("Partner or customer network or equipment (data-centre links, customer premises)"),
    )
    THIRD_PARTY = "third_party", _("Third-party software or hardware (vendor support)")
