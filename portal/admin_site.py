"""The operator console: Django's admin with a cross-partner overview on its index."""

from __future__ import annotations

from collections import OrderedDict

from django.contrib import admin
from django.shortcuts import redirect
from django.template.defaultfilters import urlencode as urlencode_filter
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .calendars import calendars_missing_holidays, holiday_years_reached
from .choices import NotificationStatus
from .dashboard import staff_columns, staff_panels
from .jobs import job_states
from .models import Delivery, Partner
from .two_factor import enrol_view, second_factor_required, verify_view

# Django's sidebar, which ``admin/nav_sidebar.html`` (portal/template_overrides) renders
# through :meth:`PortalAdminSite.nav_sidebar`.
SIDEBAR_TEMPLATE = "admin/portal/nav_sidebar.html"


class PortalAdminSite(admin.AdminSite):
    site_header = _("Partner operations — operator console")
    site_title = _("Partner operations")
    index_title = _("Operations")
    index_template = "admin/portal_index.html"
    login_template = "admin/portal/login.html"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._app_lists: dict[tuple, list] = {}
        # About 25 KB each; least recently used first.
        self._sidebars: OrderedDict[tuple, str] = OrderedDict()

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

    # --- the navigation sidebar's app list, built once per viewer ----------------------------

    _APP_LISTS_MAX = 512
    _SIDEBARS_MAX = 256

    def _app_list_key(self, request) -> tuple | None:
        """What the sidebar's app list depends on, or None when it is not cached."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        permissions = () if user.is_superuser else tuple(sorted(user.get_all_permissions()))
        return (self.name, user.pk, user.is_superuser, translation.get_language(), permissions)

    def get_app_list(self, request, app_label=None):
        """Every admin page shows the sidebar's list of every app and model the user may see:
        built from each model admin's permission checks and a reversed URL per model (a fifth
        of a changelist's CPU). It depends only on the user's permissions and language, so it
        is built once per (user, superuser flag, language, permissions) in each process; a
        change of the user's permissions makes a new key."""
        key = self._app_list_key(request) if app_label is None else None
        if key is None:
            return super().get_app_list(request, app_label)
        cached = self._app_lists.get(key)
        if cached is None:
            cached = super().get_app_list(request)
            if len(self._app_lists) >= self._APP_LISTS_MAX:
                self._app_lists.clear()
            self._app_lists[key] = cached
        return cached

    def nav_sidebar(self, request, available_apps: list) -> str:
        """The navigation sidebar's HTML (``admin/nav_sidebar.html``), rendered once per
        app list (above) and marked entry: rendering its hundred-odd links was a quarter of a
        changelist's CPU. The marked app and model are those whose address is in the page's
        (as Django's template tests them), so every page of one model shares one rendering."""
        key = self._app_list_key(request)
        context = {"available_apps": available_apps, "request": request}
        if key is None:
            return render_to_string(SIDEBAR_TEMPLATE, context)
        path = urlencode_filter(request.path)  # as the template's request.path|urlencode
        marked = tuple(
            url
            for app in available_apps
            for url in (app.get("app_url"), *(m.get("admin_url") for m in app["models"]))
            if url and url in path
        )
        html = self._sidebars.get((key, marked))
        if html is None:
            html = render_to_string(SIDEBAR_TEMPLATE, context)
            self._sidebars[(key, marked)] = html
            if len(self._sidebars) > self._SIDEBARS_MAX:
                self._sidebars.popitem(last=False)  # the least recently used
        else:
            self._sidebars.move_to_end((key, marked))
        return html

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
            # The staff user's own work first (each app's panel, e.g. the case queue).
            "staff_panels": [
                {"key": panel.key, "template": panel.template, "context": panel.context(request)}
                for panel in staff_panels()
            ],
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
