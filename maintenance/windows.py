"""The maintenance window engine (R-MNT-1). Pure: no database.

Every region has one window per night: it opens at 21:00 local time on the named day and
closes at 06:00 local time the next day. Local wall-clock times hold across daylight-saving
changes, so a window lasts 9 hours on an ordinary night, 8 hours on the night the clocks go
forward and 10 hours on the night they go back. Monday–Friday nights are weekday windows;
Saturday and Sunday nights are weekend windows, reserved for the operator's infrastructure.

The windows are fixed by the rule and cannot be changed, so they are computed, never stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.choices import REGION_TIMEZONES as CORE_REGION_TIMEZONES

from .choices import WindowKind

# R-MNT-1: the fixed local times of every region's window.
WINDOW_OPENS = time(21, 0)
WINDOW_CLOSES = time(6, 0)
WEEKEND_DAYS = frozenset({5, 6})  # Saturday and Sunday nights (Monday = 0)

# The region zones live once, in the core (R-CASE-8 / R-MNT-1).
REGION_TIMEZONES: dict[str, str] = {str(r): zone for r, zone in CORE_REGION_TIMEZONES.items()}

# Enough for any calendar page or API query; keeps a bad request from asking for centuries.
MAX_RANGE_DAYS = 3700


@dataclass(frozen=True)
class Window:
    """One maintenance window: aware datetimes in the region's zone (ISO output has the offset)."""

    region: str
    start: datetime
    end: datetime
    kind: str  # WindowKind value
    infrastructure_only: bool

    @property
    def night(self) -> date:
        """The local day the window is named after (the day it opens)."""
        return self.start.date()

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return self.end.astimezone(UTC)

    @property
    def duration(self) -> timedelta:
        """Elapsed real time: 8, 9 or 10 h.

        Computed in UTC: Python subtracts (and compares) two datetimes sharing a tzinfo as
        wall-clock values, which would call every window 9 hours long.
        """
        return self.end_utc - self.start_utc

    @property
    def hours(self) -> int:
        return int(self.duration.total_seconds() // 3600)

    def contains(self, start: datetime, end: datetime) -> bool:
        """True when [start, end] lies inside this window (borders included)."""
        return self.start_utc <= _utc(start, "start") and _utc(end, "end") <= self.end_utc

    def as_dict(self) -> dict[str, object]:
        return {
            "region": self.region,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "kind": self.kind,
            "infrastructure_only": self.infrastructure_only,
        }


def region_zone(region: str) -> ZoneInfo:
    """The region's IANA zone; a ValueError for an unknown region."""
    try:
        return ZoneInfo(REGION_TIMEZONES[str(region)])
    except KeyError:
        raise ValueError(f"Unknown region: {region!r}") from None


def window_for_night(region: str, night: date) -> Window:
    """The window that opens at 21:00 local on `night` (R-MNT-1)."""
    zone = region_zone(region)
    # 21:00 and 06:00 never fall in a DST gap or fold in the four zones (changes are at 02:00
    # or 03:00), so the local wall-clock time maps to exactly one instant.
    start = datetime.combine(night, WINDOW_OPENS, tzinfo=zone)
    end = datetime.combine(night + timedelta(days=1), WINDOW_CLOSES, tzinfo=zone)
    weekend = night.weekday() in WEEKEND_DAYS
    return Window(
        region=str(region),
        start=start,
        end=end,
        kind=WindowKind.WEEKEND.value if weekend else WindowKind.WEEKDAY.value,
        infrastructure_only=weekend,
    )


def _nights(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _utc(value: datetime, name: str) -> datetime:
    """`value` in UTC, so comparisons are real-time (never wall-clock) comparisons."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value.astimezone(UTC)


def windows_between(region: str, start: date | datetime, end: date | datetime) -> list[Window]:
    """The region's windows between two bounds, in order.

    - Two dates: the windows that open on the local days ``start`` … ``end`` (both included),
      e.g. EMEA 2027-03-26 … 2027-03-29 gives the Friday, Saturday, Sunday and Monday nights.
    - Two aware datetimes: the windows that overlap the half-open interval [start, end).
    """
    zone = region_zone(region)
    start_is_dt, end_is_dt = isinstance(start, datetime), isinstance(end, datetime)
    if start_is_dt != end_is_dt:
        raise TypeError("start and end must both be dates or both be datetimes")
    if start_is_dt:
        start, end = _utc(start, "start"), _utc(end, "end")
        if end <= start:
            return []
        # A window overlapping `start` may have opened on the previous local day.
        first = start.astimezone(zone).date() - timedelta(days=1)
        last = end.astimezone(zone).date()
    else:
        first, last = start, end
    if last < first:
        return []
    if (last - first).days > MAX_RANGE_DAYS:
        raise ValueError(f"The range may span at most {MAX_RANGE_DAYS} days")
    windows = [window_for_night(region, night) for night in _nights(first, last)]
    if start_is_dt:
        windows = [w for w in windows if w.end_utc > start and w.start_utc < end]
    return windows


def window_containing(region: str, start: datetime, end: datetime) -> Window | None:
    """The one window that holds the whole interval [start, end], or None (R-MNT-1, R-MNT-2).

    An interval that spans two windows, or runs past 06:00, lies in no window.
    """
    start, end = _utc(start, "start"), _utc(end, "end")
    if end < start:
        return None
    local_day = start.astimezone(region_zone(region)).date()
    for night in (local_day - timedelta(days=1), local_day):
        window = window_for_night(region, night)
        if window.contains(start, end):
            return window
    return None


def next_windows(
    region: str, after: datetime, n: int, include_weekend: bool = False
) -> list[Window]:
    """The next `n` windows that open at or after `after`.

    Weekend windows are left out unless `include_weekend` (they are for infrastructure only).
    """
    after = _utc(after, "after")
    if n <= 0:
        return []
    night = after.astimezone(region_zone(region)).date() - timedelta(days=1)
    found: list[Window] = []
    while len(found) < n:
        window = window_for_night(region, night)
        if window.start_utc >= after and (include_weekend or not window.infrastructure_only):
            found.append(window)
        night += timedelta(days=1)
    return found
