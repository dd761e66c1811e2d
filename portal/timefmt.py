"""Every time and duration shown to a person, in one format per language (DOMAIN.md: "Times
shown to people").

A shown time always carries its zone. Times that belong to a customer's instance (windows,
changes, upgrades, certificate expiry, response due) are shown in the zone of the customer's
region; every other time in the viewer's zone (the user's setting; by default the zone of the
partner's first customer's region, UTC for staff). Stored times are UTC.

The formatting functions are pure: they take the instant, the zone and the language and do
not read the database. ``zone_for_user`` is the one place that knows the default zone.

    English     22 Dec 2026, 22:00 EST
    Portuguese  22/12/2026 22:00 (horário de Brasília)   or   22/12/2026 22:00 CET

The zone's abbreviation is the one zoneinfo gives for that instant, so daylight saving shows
(CET/CEST, EST/EDT, AEDT/AEST). Durations read as words: ``3 min 40 s``, ``2 h 5 min``,
``1 day 3 h`` — never ``0:03:40.814037``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from contextlib import nullcontext
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from .choices import REGION_TIMEZONES

UTC = ZoneInfo("UTC")

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Zones whose people name their time in Portuguese. Brazil's UTC−3 zones are all "horário de
# Brasília"; zoneinfo only knows them as "-03".
_BRASILIA = frozenset(
    {
        "America/Sao_Paulo",
        "America/Bahia",
        "America/Belem",
        "America/Fortaleza",
        "America/Maceio",
        "America/Recife",
        "America/Araguaina",
        "Brazil/East",
    }
)
# English abbreviations where zoneinfo gives only an offset.
_ABBREVIATIONS_EN = {name: "BRT" for name in _BRASILIA}


# --- zones --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """Every IANA zone name zoneinfo knows (the choices of a user's time zone)."""
    return frozenset(available_timezones())


def parse_zone(name: str) -> ZoneInfo:
    """The zone called ``name``; a ValueError for anything zoneinfo does not know."""
    if not name or name not in zone_names():
        raise ValueError(f"Unknown time zone {name!r}.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - listed but broken
        raise ValueError(f"Unknown time zone {name!r}.") from exc


def region_zone(region: str) -> ZoneInfo:
    """The zone of a customer region (R-CASE-8 / R-MNT-1)."""
    return ZoneInfo(REGION_TIMEZONES[str(region)])


def zone_of(target: Any) -> ZoneInfo | None:
    """The zone a time belonging to ``target`` is shown in, or None for the viewer's zone.

    ``target`` may be a zone, a zone or region name, a customer (anything with a ``region``),
    or an object that belongs to one customer (``customer``) or to several (``customers``:
    the first by name; :func:`zones_of` gives them all).
    """
    zones = zones_of(target)
    return zones[0] if zones else None


def zones_of(target: Any) -> list[ZoneInfo]:
    """Every zone a time of ``target`` is shown in: one per region of its customers."""
    if target is None or target == "":
        return []
    if isinstance(target, dt.tzinfo):
        return [target]  # type: ignore[list-item]
    if isinstance(target, str):
        if target in REGION_TIMEZONES:
            return [region_zone(target)]
        return [parse_zone(target)]
    region = getattr(target, "region", None)
    if isinstance(region, str) and region in REGION_TIMEZONES:
        return [region_zone(region)]
    customer = getattr(target, "customer", None)
    if customer is not None and hasattr(customer, "region"):
        return zones_of(customer)
    change = getattr(target, "change", None)
    if change is not None and hasattr(change, "customers"):
        return zones_of(change)
    customers = getattr(target, "customers", None)
    if customers is not None:
        items = customers.all() if hasattr(customers, "all") else customers
        regions = sorted((c.name, c.region) for c in items)
        seen: list[ZoneInfo] = []
        for _name, region in regions:
            zone = region_zone(region)
            if zone not in seen:
                seen.append(zone)
        return seen
    return []


def zone_for_user(user: Any) -> ZoneInfo:
    """The viewer's zone: the profile's time zone, else the zone of the partner's first
    customer's region, else UTC (staff, anonymous, a partner without customers)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return UTC
    cached = getattr(user, "_portal_zone", None)
    if cached is not None:
        return cached
    from .tenancy import viewer_for

    viewer = viewer_for(user)
    zone = UTC
    name = viewer.time_zone
    if name:
        try:
            zone = parse_zone(name)
        except ValueError:
            name = ""
    if not name and viewer.first_region:
        zone = region_zone(viewer.first_region)
    user._portal_zone = zone
    return zone


# --- formatting ---------------------------------------------------------------------------


def _is_portuguese(language: str | None) -> bool:
    return (language or translation.get_language() or "en").lower().startswith("pt")


def zone_label(moment: dt.datetime, zone: dt.tzinfo, *, language: str | None = None) -> str:
    """How the zone of ``moment`` (already in ``zone``) is named to a reader."""
    key = getattr(zone, "key", "")
    if _is_portuguese(language) and key in _BRASILIA:
        return "(horário de Brasília)"
    if key in _ABBREVIATIONS_EN:
        return _ABBREVIATIONS_EN[key]
    abbreviation = moment.tzname() or "UTC"
    if abbreviation[:1] in "+-":  # zoneinfo has no letters for this zone: say the offset
        abbreviation = "UTC" + abbreviation.replace("-", "−")
    return abbreviation


def format_time(moment: dt.datetime, zone: dt.tzinfo, *, language: str | None = None) -> str:
    """``moment`` in ``zone``, in the format of ``language`` (default: the active one)."""
    if timezone.is_naive(moment):
        raise ValueError("A shown time must be aware (stored times are UTC).")
    local = moment.astimezone(zone)
    language = "pt" if _is_portuguese(language) else "en"  # the active language read once
    label = zone_label(local, zone, language=language)
    if language == "pt":
        return f"{local:%d/%m/%Y %H:%M} {label}"
    return f"{local.day} {_MONTHS_EN[local.month - 1]} {local.year}, {local:%H:%M} {label}"


def format_clock(moment: dt.datetime, zone: dt.tzinfo, *, language: str | None = None) -> str:
    """Only the time of day with its zone (``21:00 CET``), where the date is shown beside it
    (a calendar cell)."""
    local = moment.astimezone(zone)
    return f"{local:%H:%M} {zone_label(local, zone, language=language)}"


def format_clock_span(
    start: dt.datetime, end: dt.datetime, zone: dt.tzinfo, *, language: str | None = None
) -> str:
    """A window's hours with its zone once (``21:00–06:00 CET``), or twice when daylight
    saving changes inside it (``21:00 CEST–06:00 CET``)."""
    first, last = start.astimezone(zone), end.astimezone(zone)
    first_label = zone_label(first, zone, language=language)
    last_label = zone_label(last, zone, language=language)
    if first_label == last_label:
        return f"{first:%H:%M}–{last:%H:%M} {last_label}"
    return f"{first:%H:%M} {first_label}–{last:%H:%M} {last_label}"


def format_date(day: dt.date, *, language: str | None = None) -> str:
    """A calendar date (no time, so no zone): ``22 Dec 2026`` / ``22/12/2026``."""
    if isinstance(day, dt.datetime):
        day = day.date()
    if _is_portuguese(language):
        return f"{day:%d/%m/%Y}"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def show_time(
    moment: dt.datetime | None,
    *,
    zone: dt.tzinfo | str | None = None,
    customer: Any = None,
    user: Any = None,
    language: str | None = None,
    empty: str = "—",
) -> str:
    """The one way a time is shown to a person.

    The zone is, in order: ``zone`` if given; the zone of ``customer`` (a customer, or an
    object of one or more customers: then one time per region, joined by " · "); the zone of
    ``user``; else the active zone (the middleware activates the viewer's zone; jobs run in
    UTC).
    """
    if moment is None or moment == "":
        return empty
    if zone is not None:
        zones = zones_of(zone)
    elif customer is not None:
        zones = zones_of(customer) or [_viewer_zone(user)]
    else:
        zones = [_viewer_zone(user)]
    return " · ".join(format_time(moment, z, language=language) for z in zones)


def _viewer_zone(user: Any) -> dt.tzinfo:
    if user is not None:
        return zone_for_user(user)
    return timezone.get_current_timezone()


def show_times(moments: Iterable[dt.datetime], **kwargs: Any) -> list[str]:
    return [show_time(m, **kwargs) for m in moments]


# --- durations ----------------------------------------------------------------------------


def show_duration(value: dt.timedelta | float | int | None, *, language: str | None = None) -> str:
    """A duration in words, at most two units: ``40 s``, ``3 min 40 s``, ``2 h 5 min``,
    ``1 day 3 h``. Parts of a second are dropped; a negative duration gets a minus sign."""
    if value is None:
        return "—"
    total = value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
    sign = "−" if total <= -1 else ""
    seconds = int(abs(total))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    with translation.override(language) if language else nullcontext():
        if days:
            parts = [ngettext("%(n)s day", "%(n)s days", days) % {"n": days}]
            if hours:
                parts.append(gettext("%(n)s h") % {"n": hours})
        elif hours:
            parts = [gettext("%(n)s h") % {"n": hours}]
            if minutes:
                parts.append(gettext("%(n)s min") % {"n": minutes})
        elif minutes:
            parts = [gettext("%(n)s min") % {"n": minutes}]
            if secs:
                parts.append(gettext("%(n)s s") % {"n": secs})
        else:
            parts = [gettext("%(n)s s") % {"n": secs}]
    return sign + " ".join(parts)
