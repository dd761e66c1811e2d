"""Template side of :mod:`portal.timefmt`: every time a template shows goes through these.

{{ case.opened_at|when }}             the viewer's zone (activated by the middleware)
{{ change.start|when:change }}        the zone of the change's customers' regions
{{ cert.expires_at|when:customer }}   the customer's region zone
{{ release.end_of_sale|day }}         a calendar date, in the page's language
{{ elapsed|duration }}                3 min 40 s
{% countdown case.response_due_at case %}   a live countdown (portal.js) with the due time
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from portal import timefmt
from portal.admin_times import countdown_html

register = template.Library()


@register.filter
def when(moment: dt.datetime | None, target: Any = None) -> str:
    """A time with its zone: ``target``'s zone (a customer, an object of customers, a region
    or a zone name) or, without one, the viewer's."""
    if moment is None or moment == "":
        return "—"
    return timefmt.show_time(moment, customer=target) if target else timefmt.show_time(moment)


@register.filter
def clock(moment: dt.datetime | None, target: Any = None) -> str:
    """The time of day with its zone (``21:00 CET``), in ``target``'s zone or the viewer's."""
    if moment is None or moment == "":
        return "—"
    zone = timefmt.zone_of(target) if target else None
    return timefmt.format_clock(moment, zone or timezone.get_current_timezone())


@register.simple_tag
def hours(start: dt.datetime, end: dt.datetime, target: Any = None) -> str:
    """A window's hours with its zone: ``{% hours window.start window.end customer %}``."""
    zone = timefmt.zone_of(target) if target else None
    return timefmt.format_clock_span(start, end, zone or timezone.get_current_timezone())


@register.filter
def day(value: dt.date | None) -> str:
    if value is None or value == "":
        return "—"
    return timefmt.format_date(value)


@register.filter
def duration(value: dt.timedelta | float | None) -> str:
    return timefmt.show_duration(value)


@register.simple_tag
def countdown(moment: dt.datetime | None, target: Any = None, now: dt.datetime | None = None):
    """A countdown to ``moment`` in words, which portal.js keeps live; the title holds the
    time itself with its zone."""
    if moment is None:
        return "—"
    return countdown_html(moment, owner=target or None, now=now)
