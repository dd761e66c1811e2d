"""Template tags of the operator console (the Django admin)."""

from __future__ import annotations

from django import template
from django.contrib import admin
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_sidebar(context) -> str:
    """The admin's navigation sidebar, rendered once per app list and marked entry
    (:meth:`portal.admin_site.PortalAdminSite.nav_sidebar`)."""
    html = admin.site.nav_sidebar(context["request"], context.get("available_apps") or [])
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, escaped there
