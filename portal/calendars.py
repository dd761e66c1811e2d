"""Reads and writes of the regional business calendars (R-CASE-8)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from .business_time import REGION_HOLIDAY_COUNTRIES, BusinessCalendarSpec, public_holidays
from .choices import REGION_TIMEZONES, Region
from .models import BusinessCalendar, Holiday


def calendar_spec_for_region(region: str) -> BusinessCalendarSpec:
    """The business calendar of a region as a pure value; the defaults when staff have not
    created one."""
    # One query: the calendar joined with its holidays (a row per holiday; one row with no
    # date when it has none). A region has at most one calendar. The working days come as
    # their JSON text, decoded once: as a JSON field they were decoded again on every
    # holiday's row (a third of this function's CPU).
    rows = list(
        BusinessCalendar.objects.filter(region=region).values_list(
            "timezone",
            "workday_start",
            "workday_end",
            Cast("workdays", TextField()),
            "holidays__date",
        )
    )
    if not rows:
        return BusinessCalendarSpec(timezone=REGION_TIMEZONES[region])
    zone, workday_start, workday_end, workdays_json, _day = rows[0]
    workdays = json.loads(workdays_json)
    holidays = frozenset(day for *_calendar, day in rows if day is not None)
    return BusinessCalendarSpec(
        timezone=zone,
        workday_start=workday_start,
        workday_end=workday_end,
        workdays=frozenset(int(d) for d in workdays),
        holidays=holidays,
        # R-CASE-8: the years whose holidays are known; reaching another one is logged.
        holiday_years=frozenset(day.year for day in holidays),
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
    found = public_holidays(
        calendar.region,
        list(years),
        country=calendar.holiday_country,
        subdivision=calendar.holiday_subdivision or None,
    )
    known = set(calendar.holidays.values_list("date", flat=True))
    rows = [
        Holiday(calendar=calendar, date=day, name=name[:120])
        for day, name in found.items()
        if day not in known
    ]
    Holiday.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


logger = logging.getLogger(__name__)


def holiday_years_reached(*, now: dt.datetime | None = None) -> list[int]:
    """The years a computation reaches today: due times and notice periods look ahead, so
    the current and the next year (R-CASE-8)."""
    year = (now or timezone.now()).year
    return [year, year + 1]


@transaction.atomic
def calendars_fill_holidays(
    *, years: Iterable[int] | None = None, now: dt.datetime | None = None
) -> int:
    """The yearly duty: every calendar with a holiday country gets the public holidays of each
    of ``years`` (default: the current and the next year) in which it has none yet (R-CASE-8).

    Idempotent: a year that already has a holiday is left as staff edited it (a removed
    public holiday is not added back). Returns the number of holidays added.
    """
    wanted = sorted(set(years if years is not None else holiday_years_reached(now=now)))
    added = 0
    for calendar, year in calendars_missing_holidays(years=wanted):
        if calendar.holiday_country:
            added += calendar_prefill_holidays(calendar=calendar, years=[year])
    return added


@dataclass(frozen=True)
class MissingHolidays:
    """A calendar without any holiday in a year that computations reach (shown to staff)."""

    calendar: BusinessCalendar
    year: int

    def __iter__(self):  # unpack as (calendar, year)
        return iter((self.calendar, self.year))


def calendars_missing_holidays(*, years: Iterable[int]) -> list[MissingHolidays]:
    """Every (calendar, year) of ``years`` in which the calendar has no holiday at all, in one
    query. A business-time computation reaching such a year would count its public holidays
    as working days (R-CASE-8), so staff are shown these."""
    years = sorted(set(years))
    if not years:
        return []
    calendars = list(BusinessCalendar.objects.order_by("region"))
    covered = set(
        Holiday.objects.filter(
            Q(date__gte=dt.date(years[0], 1, 1)) & Q(date__lte=dt.date(years[-1], 12, 31))
        ).values_list("calendar_id", "date__year")  # a few dozen rows: no DISTINCT needed
    )
    return [
        MissingHolidays(calendar, year)
        for calendar in calendars
        for year in years
        if (calendar.pk, year) not in covered
    ]
