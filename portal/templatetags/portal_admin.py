"""Template tags of the operator console (the Django admin)."""

from __future__ import annotations

from django import template
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import result_headers, result_hidden_fields
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from portal.admin_actions import cheap_results
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


def cheap_result_list(cl) -> dict:
    """Django's ``result_list`` context with the rows of :func:`cheap_results`."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": list(cheap_results(cl)),
    }


@register.tag(name="cheap_result_list")
def cheap_result_list_tag(parser, token):
    """``{% cheap_result_list cl %}``: Django's ``{% result_list cl %}`` (the same template,
    ``admin/<app>/<model>/change_list_results.html`` first) with cheaper rows."""
    return InclusionAdminNode(
        parser,
        token,
        func=cheap_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
