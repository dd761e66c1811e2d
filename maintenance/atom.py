"""The Atom feed of a partner's outages and their updates (R-MNT-12), like a status page's.

Reached with the calendar feed's secret token (no login; a bad token is a 404). One entry per
outage, its id stable, its ``updated`` the latest update's time (UTC, as Atom wants), its
content the timeline; feed readers show an outage again when an update is posted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from . import selectors
from .choices import OutageUpdateStatus
from .models import CalendarFeed, Outage

ENTRY_ID = "urn:partner-operations-portal:outage:{pk}"


class OutageFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, token: str) -> CalendarFeed:  # type: ignore[override]
        return selectors.calendar_feed_by_token(token)

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any):
        response = super().__call__(request, *args, **kwargs)
        response["Cache-Control"] = "private, max-age=300"
        return response

    def title(self, feed: CalendarFeed) -> str:
        return _("%(partner)s – outages") % {"partner": feed.partner.name}

    def subtitle(self, feed: CalendarFeed) -> str:
        return _("Outages affecting your customers, and every update on them.")

    def link(self, feed: CalendarFeed) -> str:
        return reverse("maintenance:outages")

    def feed_guid(self, feed: CalendarFeed) -> str:
        return f"urn:partner-operations-portal:outages:{feed.partner.slug}"

    def author_name(self) -> str:
        return _("Operator")

    def items(self, feed: CalendarFeed) -> list[Outage]:
        return selectors.feed_outages(feed.partner)

    def item_title(self, outage: Outage) -> str:
        labels = dict(OutageUpdateStatus.choices)
        label = labels.get(outage.current_status) or outage.get_status_display()
        return f"[{label}] {outage.title}"

    def item_description(self, outage: Outage) -> str:
        return render_to_string("maintenance/outage_feed_entry.html", {"outage": outage})

    def item_link(self, outage: Outage) -> str:
        return reverse("maintenance:outage", args=[outage.pk])

    def item_guid(self, outage: Outage) -> str:
        return ENTRY_ID.format(pk=outage.pk)

    item_guid_is_permalink = False

    def item_pubdate(self, outage: Outage) -> datetime:
        return outage.declared_at.astimezone(UTC)

    def item_updateddate(self, outage: Outage) -> datetime:
        return (outage.last_update_at or outage.declared_at).astimezone(UTC)

    def item_categories(self, outage: Outage) -> list[str]:
        return outage.get_applications_display()
