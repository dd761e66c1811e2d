"""The dashboard's releases card. Every app contributes its card the same way: a
``dashboard_card(request, partner) -> dict`` here, registered in its ``AppConfig.ready()``
with ``portal.dashboard.register_card``."""

from __future__ import annotations

from typing import Any

from . import selectors


def dashboard_card(request: Any, partner: Any) -> dict:
    """The caller's applications to upgrade and the upgrades coming."""
    return selectors.dashboard_counts(request.user)
