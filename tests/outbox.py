"""Reading the outbox in tests: fan events out and read their deliveries as their readers get
them (subject, text, HTML rendered per delivery)."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.models import Delivery
from portal.notifications import fan_out

#: filters on the event that tests name as they used to on the old one-row-per-recipient outbox
_EVENT_FIELDS = (
    "dedupe_key",
    "kind",
    "category",
    "context",
    "created_at",
    "content_type",
    "object_id",
)


def _translate(filters: dict) -> dict:
    out = {}
    for key, value in filters.items():
        if key.split("__")[0] in _EVENT_FIELDS:
            key = f"notification__{key}"
        out[key] = value
    return out


def deliveries(**filters) -> QuerySet[Delivery]:
    """Fan out what waits, then the deliveries matching ``filters`` (event fields such as
    ``dedupe_key`` or ``category`` may be named directly)."""
    fan_out()
    return (
        Delivery.objects.filter(**_translate(filters))
        .select_related("notification", "notification__customer", "notification__partner")
        .order_by("pk")
    )


def rendered_messages(**filters) -> list[Delivery]:
    """:func:`deliveries` as a list; each row's ``subject``, ``body`` (text) and ``html`` are
    rendered for its reader."""
    return list(deliveries(**filters))


def subjects(**filters) -> list[str]:
    return sorted(d.subject for d in deliveries(**filters))


def statements(run) -> int:
    """The statements of one run of a job that writes outbox events, the content types' first
    lookup included: that cache lives as long as the process, so a count must not depend on
    which test ran before."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)
