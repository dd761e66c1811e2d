"""The iCalendar feed of a partner's changes and its customers' freeze periods (and optionally
their windows)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from portal.models import Customer
from portal.timefmt import show_time

from .models import CalendarFeed
from .selectors import feed_changes, feed_freeze_periods
from .windows import windows_between

WINDOW_DAYS = 60


def build_feed(feed: CalendarFeed, *, now: datetime | None = None) -> bytes:
    """The feed in the partner's language: a calendar app fetches it without a session."""
    with translation.override(feed.partner.language or None):
        return _build_feed(feed, now=now)


def _build_feed(feed: CalendarFeed, *, now: datetime | None = None) -> bytes:
    now = now or timezone.now()
    partner = feed.partner
    cal = Calendar()
    cal.add("prodid", "-//Partner operations portal//Maintenance//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("%(partner)s – maintenance") % {"partner": partner.name})
    stamp = now.astimezone(UTC)
    for change in feed_changes(partner, now=now):
        event = Event()
        event.add("uid", f"change-{change.pk}@partner-operations-portal")
        event.add("dtstamp", stamp)
        event.add("dtstart", change.start.astimezone(UTC))
        event.add("dtend", change.end.astimezone(UTC))
        event.add("summary", f"[{change.get_kind_display()}] {change.display_title}")
        customers = ", ".join(c.name for c in change.customers.all())
        # Calendars show DTSTART in the reader's zone; the description adds the customer's.
        local = _("Customer's local time: %(start)s – %(end)s") % {
            "start": show_time(change.start, customer=change),
            "end": show_time(change.end, customer=change),
        }
        event.add(
            "description",
            f"{change.get_status_display()} · {customers}\n{local}\n{change.display_description}",
        )
        event.add("url", settings.SITE_URL + reverse("maintenance:change", args=[change.pk]))
        event.add("status", "CANCELLED" if change.status == "cancelled" else "CONFIRMED")
        event.add("sequence", int(change.updated_at.timestamp()) % 2_000_000_000)
        cal.add_component(event)
    for freeze in feed_freeze_periods(partner, now=now):
        # R-MNT-14: the customer's freeze periods, so the partner's calendar shows them too.
        event = Event()
        event.add("uid", f"freeze-{freeze.pk}@partner-operations-portal")
        event.add("dtstamp", stamp)
        event.add("dtstart", freeze.start.astimezone(UTC))
        event.add("dtend", freeze.end.astimezone(UTC))
        event.add(
            "summary", _("Freeze period: %(customer)s") % {"customer": freeze.customer.name}
        )
        local = _("Customer's local time: %(start)s – %(end)s") % {
            "start": show_time(freeze.start, customer=freeze.customer),
            "end": show_time(freeze.end, customer=freeze.customer),
        }
        event.add("description", f"{local}\n{freeze.reason}")
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    if feed.include_windows:
        regions = sorted(
            set(Customer.objects.for_partner(partner).values_list("region", flat=True))
        )
        start = now.date()
        for region in regions:
            for window in windows_between(region, start, start + timedelta(days=WINDOW_DAYS)):
                event = Event()
                event.add(
                    "uid", f"window-{region}-{window.night.isoformat()}@partner-operations-portal"
                )
                event.add("dtstamp", stamp)
                event.add("dtstart", window.start.astimezone(UTC))
                event.add("dtend", window.end.astimezone(UTC))
                label = (
                    _("weekend, infrastructure only")
                    if window.infrastructure_only
                    else _("weekday")
                )
                event.add(
                    "summary",
                    _("%(region)s maintenance window (%(kind)s)")
                    % {"region": region, "kind": label},
                )
                event.add("transp", "TRANSPARENT")
                cal.add_component(event)
    return cal.to_ical()
