"""Business time on a regional calendar (R-CASE-8).

Pure module: no database, no Django models. The DB-backed calendars
(``portal.calendars.calendar_spec_for_region``) turn a region's ``BusinessCalendar`` into a
:class:`BusinessCalendarSpec`; everything here works on that plain value.

Business time is *elapsed real time* that falls inside working periods. A working period is
``workday_start``–``workday_end`` of a working day that is not a holiday, read as **local
wall-clock time in the calendar's zone** (zoneinfo), so daylight-saving changes move the
periods in UTC but never their local hours. All arithmetic is done in UTC, because Python
subtracts two aware datetimes that share a tzinfo as naive wall-clock values.

Long durations skip whole weeks at a time (one holiday look-up and two offset look-ups per
week) instead of walking day by day, and never loop minute by minute.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from portal.choices import REGION_TIMEZONES  # the region table lives in the core

# Where public holidays come from for each region (R-CASE-8: "pre-filled from a public holiday
# library for a country"). AUS follows the source's "ACT" (Australian Capital Territory).
REGION_HOLIDAY_COUNTRIES: dict[str, tuple[str, str | None]] = {
    "AMER": ("US", None),
    "APJC": ("JP", None),
    "AUS": ("AU", "ACT"),
    "EMEA": ("FR", None),
}

logger = logging.getLogger(__name__)
_WARNED_YEARS: set[tuple[str, int]] = set()

ZERO = timedelta(0)
_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)


@dataclass(frozen=True)
class BusinessCalendarSpec:
    """The working hours, working days and holidays of one regional calendar (R-CASE-8)."""

    timezone: str
    workday_start: time = time(8)
    workday_end: time = time(17)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday=0
    holidays: frozenset[date] = frozenset()
    # The years whose holidays are known (None: not tracked). A computation that reaches
    # another year logs a warning once instead of silently counting its holidays as working
    # days (R-CASE-8); staff see such calendars in the admin and a yearly duty fills them.
    holiday_years: frozenset[int] | None = field(default=None, compare=False)
    # Derived, excluded from equality/hash so two specs with the same data compare equal.
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _sorted_holidays: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.timezone)
        except (KeyError, ValueError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"Unknown time zone {self.timezone!r}.") from exc
        if self.workday_start.tzinfo is not None or self.workday_end.tzinfo is not None:
            raise ValueError("Working hours are local wall-clock times without a zone.")
        if self.workday_end <= self.workday_start:
            raise ValueError("The working day must end after it starts.")
        if not self.workdays or not set(self.workdays) <= set(range(7)):
            raise ValueError("Working days must be a non-empty set of weekdays 0 (Mon)–6 (Sun).")
        # frozen dataclass: set derived fields through object.__setattr__
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_sorted_holidays", tuple(sorted(self.holidays)))

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def business_day(self) -> timedelta:
        """Length of one business day: the working hours of one day (9 h by default)."""
        return datetime.combine(date.min, self.workday_end) - datetime.combine(
            date.min, self.workday_start
        )

    @cached_property
    def _nominal_week(self) -> timedelta:
        return self.business_day * len(self.workdays)

    def is_working_day(self, day: date) -> bool:
        self._check_year(day)
        return day.weekday() in self.workdays and day not in self.holidays

    def _check_year(self, day: date) -> None:
        if self.holiday_years is None or day.year in self.holiday_years:
            return
        key = (self.timezone, day.year)
        if key not in _WARNED_YEARS:
            _WARNED_YEARS.add(key)
            logger.warning(
                "Business time in %s reaches %s, a year without holidays in its calendar: "
                "public holidays of that year count as working days until staff add them.",
                self.timezone,
                day.year,
            )

    def period(self, day: date) -> tuple[datetime, datetime] | None:
        """The working period of a local date in UTC, or None on a day off."""
        if not self.is_working_day(day):
            return None
        start = datetime.combine(day, self.workday_start, tzinfo=self._zone)
        end = datetime.combine(day, self.workday_end, tzinfo=self._zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def _has_holiday(self, first: date, last: date) -> bool:
        """True when a holiday falls in [first, last] (inclusive)."""
        i = bisect.bisect_left(self._sorted_holidays, first)
        return i < len(self._sorted_holidays) and self._sorted_holidays[i] <= last

    def _plain_week(self, first: date) -> bool:
        """True when the 7 local days from ``first`` hold no holiday and no offset change.

        Such a week has exactly ``business_day × len(workdays)`` of business time and can be
        skipped in one step.
        """
        self._check_year(first + timedelta(days=6))
        if self._has_holiday(first, first + timedelta(days=6)):
            return False
        midnight = datetime.combine(first, time(0), tzinfo=self._zone)
        week_end = datetime.combine(first + _WEEK, time(0), tzinfo=self._zone)
        return midnight.utcoffset() == week_end.utcoffset()


def _require_aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone).")
    return value.astimezone(UTC)


def add_business_time(spec: BusinessCalendarSpec, start: datetime, duration: timedelta) -> datetime:
    """The instant ``duration`` of business time after ``start`` (R-CASE-8), in UTC.

    Counting starts at ``start`` if it is inside a working period, else at the next working
    period's start. A result that lands exactly on the end of a working period stays there
    (Fri 16:00 + 9 h = Mon 16:00; Sat 10:00 + 9 h = Mon 17:00).
    """
    cursor = _require_aware(start, "start")
    if duration < ZERO:
        raise ValueError("duration must not be negative.")
    if duration == ZERO:
        return cursor
    remaining = duration
    day = cursor.astimezone(spec.zone).date()

    # Finish the starting day by hand, so that the week skipping below starts at midnight.
    period = spec.period(day)
    if period is not None and cursor < period[1]:
        begin = max(cursor, period[0])
        available = period[1] - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    day += _DAY

    # Walk forward, skipping a whole plain week in one step while more than a week of
    # business time is left. Strictly more, so that the result is always found in the
    # day-by-day walk and lands on a period end instead of the next period's start.
    while True:
        if remaining > spec._nominal_week and spec._plain_week(day):
            remaining -= spec._nominal_week
            day += _WEEK
            continue
        period = spec.period(day)
        if period is not None:
            available = period[1] - period[0]
            if remaining <= available:
                return period[0] + remaining
            remaining -= available
        day += _DAY


def add_business_days(spec: BusinessCalendarSpec, start: datetime, days: int) -> datetime:
    """``days`` business days after ``start``: ``days × business_day`` of business time."""
    if days < 0:
        raise ValueError("days must not be negative.")
    return add_business_time(spec, start, spec.business_day * days)


def business_time_between(spec: BusinessCalendarSpec, start: datetime, end: datetime) -> timedelta:
    """Business time elapsed from ``start`` to ``end``; negative when ``end`` is earlier.

    The inverse of :func:`add_business_time`:
    ``business_time_between(s, t, add_business_time(s, t, d)) == d``.
    """
    start_utc = _require_aware(start, "start")
    end_utc = _require_aware(end, "end")
    if end_utc < start_utc:
        return -business_time_between(spec, end_utc, start_utc)
    total = ZERO
    day = start_utc.astimezone(spec.zone).date()
    last_day = end_utc.astimezone(spec.zone).date()

    period = spec.period(day)
    if period is not None:
        total += _overlap(period, start_utc, end_utc)
    day += _DAY

    # Whole plain weeks that end before the last day count in one step.
    while day <= last_day:
        if day + _WEEK <= last_day and spec._plain_week(day):
            total += spec._nominal_week
            day += _WEEK
            continue
        period = spec.period(day)
        if period is not None:
            total += _overlap(period, start_utc, end_utc)
        day += _DAY
    return total


def _overlap(period: tuple[datetime, datetime], start: datetime, end: datetime) -> timedelta:
    begin = max(period[0], start)
    finish = min(period[1], end)
    return finish - begin if finish > begin else ZERO


def default_spec_for_region(
    region: str, holidays: Iterable[date] = frozenset()
) -> BusinessCalendarSpec:
    """The R-CASE-8 default calendar of a region: Mon–Fri 08:00–17:00 local, given holidays."""
    try:
        zone_name = REGION_TIMEZONES[region]
    except KeyError:
        raise ValueError(f"Unknown region {region!r}.") from None
    return BusinessCalendarSpec(timezone=zone_name, holidays=frozenset(holidays))


def public_holidays(
    region: str,
    years: Iterable[int],
    *,
    language: str = "en_US",
    country: str | None = None,
    subdivision: str | None = None,
) -> dict[date, str]:
    """Public holidays of the region's reference country, to pre-fill a calendar (R-CASE-8).

    AMER→US, APJC→JP, AUS→AU (Australian Capital Territory), EMEA→FR; ``country`` (and
    ``subdivision``) replace the region's reference when a calendar names its own.
    """
    import holidays as holiday_library  # imported lazily: only staff pre-filling need it

    try:
        country_default, subdiv = REGION_HOLIDAY_COUNTRIES[region]
    except KeyError:
        raise ValueError(f"Unknown region {region!r}.") from None
    if country:
        country_default, subdiv = country, subdivision
    years = sorted(set(years))
    if not years:
        return {}
    found = holiday_library.country_holidays(
        country_default, subdiv=subdiv, years=years, language=language
    )
    return {day: name for day, name in sorted(found.items()) if day.year in years}
