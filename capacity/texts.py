"""Reasons and notes the system writes in the capacity app, rendered in the reader's language.

An approved-capacity row confirmed at activation, or added by a change request, and the step a
partner's update leaves on its request, store a kind and its values (ids and counts), not
English words; pages, the admin and the API render them here in the active language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from .choices import BaselineReasonKind, EventNoteKind

Params = Mapping[str, Any]

_REASONS: dict[str, Callable[[Params], str]] = {
    BaselineReasonKind.ACTIVATION: lambda p: _("Activation"),
    BaselineReasonKind.REQUEST: lambda p: _("Capacity request #%(id)s") % {"id": p["request"]},
}
_NOTES: dict[str, Callable[[Params], str]] = {
    EventNoteKind.UPDATED: lambda p: (
        _("Updated: %(kw)s knowledge workers, %(wd)s workspace devices.")
        % {"kw": p["kw"], "wd": p["wd"]}
    ),
}


def _render(table: dict[str, Callable[[Params], str]], kind: str, params: Params) -> str:
    render = table.get(kind)
    if render is None:
        return ""
    try:
        return render(params or {})
    except (KeyError, TypeError, ValueError):
        return ""


def baseline_reason(kind: str, params: Params) -> str:
    return _render(_REASONS, kind, params)


def event_note(kind: str, params: Params) -> str:
    return _render(_NOTES, kind, params)
