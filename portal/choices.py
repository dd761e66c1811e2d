"""Enumerations of the tenancy core (DOMAIN.md: Actors, Notifications)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    """Region of a customer's dedicated instance (EU, EMEA and UK share EMEA)."""

    AMER = "AMER", _("Americas")
    APJC = "APJC", _("Asia Pacific, Japan and China")
    AUS = "AUS", _("Australia")
    EMEA = "EMEA", _("Europe, Middle East and Africa")


# R-CASE-8 / R-MNT-1: the zone of each region's business calendar and maintenance windows.
REGION_TIMEZONES: dict[str, str] = {
    Region.AMER: "America/New_York",
    Region.APJC: "Asia/Tokyo",
    Region.AUS: "Australia/Sydney",
    Region.EMEA: "Europe/Paris",
}


class Language(models.TextChoices):
    """The languages the portal ships (settings.LANGUAGES)."""

    EN = "en", _("English")
    PT_BR = "pt-br", _("Brazilian Portuguese")


class Role(models.TextChoices):
    """A partner user's role: admins manage users, contacts and subscriptions."""

    ADMIN = "admin", _("Administrator")
    ENGINEER = "engineer", _("Engineer")


class Category(models.TextChoices):
    """Notification categories contacts subscribe to (R-NOT-1)."""

    MAINTENANCE_AND_OUTAGES = "maintenance_and_outages", _("Maintenance and outages")
    CASES = "cases", _("Support cases")
    CAPACITY = "capacity", _("Capacity")
    RELEASES = "releases", _("Releases and upgrades")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Channel(models.TextChoices):
    """How a delivery reaches its recipient."""

    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")


class Application(models.TextChoices):
    """UC applications of a dedicated instance; each customer runs one version of each, SME
    is optional (R-REL-1). Certificates (maintenance) and releases share this list."""

    CUCM = "CUCM", _("Call manager (CUCM)")
    CUCXN = "CUCxN", _("Unity connection (CUCxN)")
    IMP = "IMP", _("IM and presence (IMP)")
    CER = "CER", _("Emergency responder (CER)")
    EXPRESSWAY = "EXPRESSWAY", _("Expressway")
    SME = "SME", _("Session management edition (SME)")
