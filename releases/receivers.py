"""Listens to maintenance, which never imports releases (STYLE: dependencies run one way)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.dispatch import receiver

from maintenance.signals import change_completed


@receiver(change_completed, dispatch_uid="releases.upgrade_completed")
def upgrade_completed(sender: Any, change: Any, completed_at: datetime, **kwargs: Any) -> None:
    """R-REL-4: a completed upgrade change updates installed versions and tells the partner."""
    from . import services
    from .models import Upgrade

    upgrade = Upgrade.objects.filter(change_id=change.pk).select_related("target").first()
    if upgrade is not None:
        services.upgrade_record_completion(upgrade=upgrade, completed_at=completed_at)
