"""Reads and writes of the regional business calendars (R-CASE-8)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .business_time import REGION_HOLIDAY_COUNTRIES, BusinessCalendarSpec, public_holidays
from .choices import REGION_TIMEZONES, Region
from .models import BusinessCalendar, Holiday


def calendar_spec_for_region(region: str) -> BusinessCalendarSpec:
    """The business calendar of a region as a pure value; the defaults when staff have not
    created one."""
    calendar = BusinessCalendar.objects.filter(region=region).first()
    if calendar is None:
        return BusinessCalendarSpec(timezone=REGION_TIMEZONES[region])
    return BusinessCalendarSpec(
        timezone=calendar.timezone,
        workday_start=calendar.workday_start,
        workday_end=calendar.workday_end,
        workdays=frozenset(int(d) for d in calendar.workdays),
        holidays=frozenset(calendar.holidays.values_list("date", flat=True)),
    )


@transaction.atomic
def calendars_ensure_defaults(*, years: Iterable[int]) -> int:
    """Create the four regional calendars with default hours and pre-fill public holidays
    for ``years``. Idempotent: existing calendars and holidays are kept as staff left them.
    Returns the number of holidays added."""
    added = 0
    for region in Region.values:
        country, subdivision = REGION_HOLIDAY_COUNTRIES[region]
        calendar, _ = BusinessCalendar.objects.get_or_create(
            region=region,
            defaults={
                "timezone": REGION_TIMEZONES[region],
                "holiday_country": country,
                "holiday_subdivision": subdivision or "",
            },
        )
        added += calendar_prefill_holidays(calendar=calendar, years=years)
    return added


def calendar_prefill_holidays(*, calendar: BusinessCalendar, years: Iterable[int]) -> int:
    """Add the public holidays of the calendar's country for ``years`` (skips known dates)."""
    if not calendar.holiday_country:
        return 0
    found = public_holidays(calendar.region, list(years))
    known = set(calendar.holidays.values_list("date", flat=True))
    rows = [
        Holiday(calendar=calendar, date=day, name=name[:120])
        for day, name in found.items()
        if day not in known
    ]
    Holiday.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
