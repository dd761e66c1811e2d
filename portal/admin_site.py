"""The operator console: Django's admin with a cross-partner overview on its index."""

from __future__ import annotations

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .calendars import calendars_missing_holidays, holiday_years_reached
from .choices import NotificationStatus
from .dashboard import staff_columns
from .jobs import job_states
from .models import Notification, Partner


class PortalAdminSite(admin.AdminSite):
    site_header = _("Partner operations — operator console")
    site_title = _("Partner operations")
    index_title = _("Operations")
    index_template = "admin/portal_index.html"

    def overview(self) -> dict:
        """One row per partner, one column per app: a constant number of queries."""
        partners = list(Partner.objects.order_by("name").values("id", "name"))
        ids = [p["id"] for p in partners]
        columns = []
        for column in staff_columns():
            try:
                url = reverse(column.admin_url) if column.admin_url else ""
            except NoReverseMatch:
                url = ""
            columns.append({"column": column, "values": column.values(ids), "url": url})
        rows = []
        for partner in partners:
            cells = []
            for col in columns:
                value = col["values"].get(partner["id"], 0)
                link = ""
                if col["url"] and col["column"].filter_param:
                    link = f"{col['url']}?{col['column'].filter_param}={partner['id']}"
                cells.append({"value": value, "link": link})
            rows.append({"partner": partner, "cells": cells})
        totals = []
        for col in columns:
            numbers = [v for v in col["values"].values() if isinstance(v, int | float)]
            totals.append(sum(numbers) if len(numbers) == len(col["values"]) else "")
        return {"columns": columns, "rows": rows, "totals": totals}

    def index(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "overview": self.overview(),
            "jobs": job_states(),
            "calendars_missing_holidays": calendars_missing_holidays(
                years=holiday_years_reached()
            ),
            "failed_notifications": Notification.objects.filter(
                status=NotificationStatus.FAILED
            ).count(),
        }
        return super().index(request, extra_context)
