"""Enumerations of the releases app (R-REL-1 … R-REL-4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Position(models.TextChoices):
    """Where a release stands among the available ones; derived, never typed (R-REL-2)."""

    N = "n", _("n (current)")
    N_1 = "n-1", _("n-1 (previous)")
    N_2 = "n-2", _("n-2 (end of sale)")
    OLDER = "older", _("Older")


class ComplianceState(models.TextChoices):
    """Where an installed version stands against the release policy (R-REL-2, R-REL-3)."""

    OK = "ok", _("OK")
    NOT_FOR_NEW_DEPLOYMENTS = "not_for_new_deployments", _("Not allowed for new deployments")
    MUST_UPGRADE = "must_upgrade", _("Must upgrade")
    END_OF_SALE = "end_of_sale", _("End of sale")
    UNKNOWN = "unknown", _("Unknown release")
