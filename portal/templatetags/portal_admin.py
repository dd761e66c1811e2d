"""Template tags of the operator console (the Django admin)."""

from __future__ import annotations

from django import template
from django.contrib import admin
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from portal.admin_site import SIDEBAR_TEMPLATE

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_sidebar(context) -> str:
    """The admin's navigation sidebar, rendered once per app list and marked entry
    (:meth:`portal.admin_site.PortalAdminSite.nav_sidebar`)."""
    if "available_apps" not in context:  # a page without the admin's context: nothing kept
        return mark_safe(render_to_string(SIDEBAR_TEMPLATE, context.flatten()))  # noqa: S308
    html = admin.site.nav_sidebar(context["request"], context["available_apps"])
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, escaped there
