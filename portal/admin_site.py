"""The operator console: Django's admin with a cross-partner overview on its index."""

from __future__ import annotations

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .calendars import calendars_missing_holidays, holiday_years_reached
from .choices import NotificationStatus
from .dashboard import staff_columns
from .jobs import job_states
from .models import Delivery, Partner
from .two_factor import enrol_view, second_factor_required, verify_view


class PortalAdminSite(admin.AdminSite):
    site_header = _("Partner operations — operator console")
    site_title = _("Partner operations")
    index_title = _("Operations")
    index_template = "admin/portal_index.html"
    login_template = "admin/portal/login.html"

    # --- staff sign-in: the second factor (portal/two_factor.py) -----------------------------

    def has_permission(self, request) -> bool:
        """Staff, and with STAFF_2FA a session verified by a second factor."""
        if not super().has_permission(request):
            return False
        user = request.user
        return not second_factor_required(user) or bool(getattr(user, "is_verified", bool)())

    def login(self, request, extra_context=None):
        """A staff user past the password step but not the second factor goes to the code
        page (or enrolment), not back to the password form."""
        user = request.user
        if user.is_active and second_factor_required(user) and not user.is_verified():
            next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
            return redirect(
                reverse("admin:two-factor-verify", current_app=self.name)
                + "?"
                + urlencode({"next": next_url})
            )
        return super().login(request, extra_context)

    def get_urls(self):
        return [
            path("two-factor/", verify_view, name="two-factor-verify"),
            path("two-factor/enrol/", enrol_view, name="two-factor-enrol"),
            *super().get_urls(),
        ]

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
            "failed_notifications": Delivery.objects.filter(
                status=NotificationStatus.FAILED
            ).count(),
        }
        return super().index(request, extra_context)
