"""The dashboard's cases card. Every app contributes its card the same way: a
``dashboard_card(request, partner) -> dict`` here, registered in its ``AppConfig.ready()``
with ``portal.dashboard.register_card``."""

from __future__ import annotations

from typing import Any

from . import selectors


def dashboard_card(request: Any, partner: Any) -> dict:
    """Open cases, breaches and attainment of the partner (a fixed number of queries)."""
    return selectors.dashboard_summary(partner)
