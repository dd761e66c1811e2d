"""Enumerations of the capacity app (R-CAP-1 … R-CAP-4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Resource(models.TextChoices):
    """What approved capacity is counted in (R-CAP-1)."""

    KNOWLEDGE_WORKERS = "knowledge_workers", _("Knowledge workers")
    WORKSPACE_DEVICES = "workspace_devices", _("Workspace devices")


class RequestStatus(models.TextChoices):
    """Life of a capacity change request (R-CAP-3)."""

    SUBMITTED = "submitted", _("Submitted")
    UNDER_ANALYSIS = "under_analysis", _("Under analysis")
    PLAN_AGREED = "plan_agreed", _("Plan agreed")
    CAPACITY_ADDED = "capacity_added", _("Capacity added")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ActivationStatus(models.TextChoices):
    """The partner's activation counts: submitted, then confirmed by staff (R-CAP-1)."""

    SUBMITTED = "submitted", _("Submitted")
    CONFIRMED = "confirmed", _("Confirmed")


class Threshold(models.IntegerChoices):
    """Utilisation levels that notify the partner once per upward crossing (R-CAP-4)."""

    NONE = 0, _("Below 80 %")
    WARNING = 80, _("80 %")
    HIGH = 90, _("90 %")
    FULL = 100, _("100 %")


class ReportSource(models.TextChoices):
    """Who reported a provisioned count (R-CAP-2)."""

    PORTAL = "portal", _("Portal")
    API = "api", _("API")
    STAFF = "staff", _("Operator staff")


class BaselineReasonKind(models.TextChoices):
    """Which reason the system wrote for an approved-capacity row; rendered in the reader's
    language from ``reason_params`` (``capacity.texts``), never stored as text."""

    ACTIVATION = "activation", _("Activation")
    REQUEST = "request", _("Capacity request")


class EventNoteKind(models.TextChoices):
    """Which note the system wrote on a change request's step (``capacity.texts``)."""

    UPDATED = "updated", _("Updated totals")
