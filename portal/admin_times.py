"""Changelist columns that show times through :mod:`portal.timefmt`, with their zone.

Django's own datetime columns print the bare wall-clock time of the active zone (no zone
name). Admin classes list these columns instead:

    list_display = [..., time_column(Change, "start", owner=lambda change: change), ...]

``owner`` gives the object whose customer's region zone the time belongs to (a customer, a
case, a change: DOMAIN.md "Times shown to people"); without it the viewer's zone is used (UTC
for staff unless their settings say otherwise).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db import models
from django.utils import timezone
from django.utils.html import format_html

from .timefmt import show_duration, show_time


def _value(obj: Any, path: str) -> Any:
    for name in path.split("__"):
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def time_column(
    model: type[models.Model],
    field: str,
    *,
    owner: Callable[[Any], Any] | None = None,
    description: Any = None,
) -> Callable[[Any], str]:
    """A sortable changelist column showing ``field`` (a path like ``change__start``)."""
    if description is None:
        target: Any = model
        for name in field.split("__"):
            found = target._meta.get_field(name)
            target = found.related_model or found
        description = found.verbose_name

    def column(obj: Any) -> str:
        value = _value(obj, field)
        if value is None:
            return "—"
        whose = owner(obj) if owner is not None else None
        return show_time(value, customer=whose) if whose is not None else show_time(value)

    column.__name__ = f"{field}_shown"
    return admin.display(description=description, ordering=field)(column)


def countdown_html(due: dt.datetime, *, owner: Any = None, now: dt.datetime | None = None) -> str:
    """A live countdown in words (portal.js keeps it ticking); the due time with its zone as
    the tooltip."""
    left = due - (now or timezone.now())
    return format_html(
        '<span class="countdown{}" data-due="{}" title="{}">{}</span>',
        " overdue" if left.total_seconds() < 0 else "",
        due.astimezone(dt.UTC).isoformat(),
        show_time(due, customer=owner) if owner is not None else show_time(due),
        show_duration(left),
    )
