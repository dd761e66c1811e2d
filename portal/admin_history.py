"""The admin's history pages of the audited models (``portal.history.AuditHistory``):
simple-history's pages, with times, dates and choices shown as on the rest of the admin and
in the reader's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.admin.utils import display_for_field
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from .timefmt import format_date, show_time

EMPTY = "—"  # an empty value, as the time columns show it (portal.admin_times)


class _ShownChanges(HistoricalRecordContextHelper):
    """The history page's changes as the rest of the admin shows values: times with their
    zone (the viewer's), dates and choices in the page's language, an empty value as "—"
    (simple-history shows ``2026-12-08 16:00:00+00:00`` and ``None``)."""

    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        value = super().prepare_delta_change_value(change, value)
        if value is None or value == "":
            return EMPTY
        if isinstance(value, dt.datetime):
            return show_time(value)
        if isinstance(value, dt.date):
            return format_date(value)
        if isinstance(value, bool):  # words, not the changelist's icon (its alt is English)
            return _("yes") if value else _("no")
        if isinstance(value, list):  # many-to-many: simple-history's own list
            return value
        # Choices as their labels, numbers localized: what the changelist shows.
        return display_for_field(value, self.model._meta.get_field(change.field), EMPTY)


class AuditHistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin history pages in the portal's words: the page's title in the
    reader's language, every time with its zone (DOMAIN.md: "Times shown to people")."""

    def history_view_title(self, request: Any, obj: Any) -> str:
        return _("History: %s") % obj

    def get_historical_record_context_helper(
        self, request: Any, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        return _ShownChanges(self.model, historical_record)
