"""The dashboard's maintenance card: next changes, open reschedule deadlines, SSO checklists
to finish and ongoing outages. A fixed number of queries whatever the data. Every app
contributes its card the same way: a ``dashboard_card(request, partner) -> dict`` in its
``dashboard.py``, registered in its ``AppConfig.ready()`` with
``portal.dashboard.register_card``."""

from __future__ import annotations

from typing import Any

from .choices import OutageStatus
from .selectors import (
    open_reschedule_deadlines,
    open_sso_checklists,
    outages_for,
    upcoming_changes,
)


def dashboard_card(request: Any, partner: Any) -> dict:
    user = request.user
    return {
        "upcoming": upcoming_changes(user, limit=5),
        "deadlines": open_reschedule_deadlines(user),
        "checklists": open_sso_checklists(user),
        "outages": list(outages_for(user).filter(status=OutageStatus.DECLARED)[:5]),
    }
