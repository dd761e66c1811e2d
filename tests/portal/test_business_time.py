"""Business time on regional calendars (R-CASE-8). Pure: no database."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal import business_time as bt
from portal.business_time import (
    BusinessCalendarSpec,
    add_business_days,
    add_business_time,
    business_time_between,
    default_spec_for_region,
    public_holidays,
)

H = timedelta(hours=1)
REGIONS = ["AMER", "APJC", "AUS", "EMEA"]
ZONES = {
    "AMER": "America/New_York",
    "APJC": "Asia/Tokyo",
    "AUS": "Australia/Sydney",
    "EMEA": "Europe/Paris",
}


def at(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


def local(value: datetime, zone: str) -> datetime:
    return value.astimezone(ZoneInfo(zone))


# --- the calendar value -------------------------------------------------------------------


def test_default_business_day_is_nine_hours():
    assert default_spec_for_region("EMEA").business_day == timedelta(hours=9)


def test_business_day_follows_the_calendars_working_hours():
    spec = BusinessCalendarSpec(timezone="UTC", workday_start=time(9), workday_end=time(17, 30))
    assert spec.business_day == timedelta(hours=8, minutes=30)


@pytest.mark.parametrize("region", REGIONS)
def test_default_spec_uses_the_region_zone_mon_to_fri_8_to_17(region):
    spec = default_spec_for_region(region, holidays={date(2027, 1, 1)})
    assert spec.timezone == ZONES[region]
    assert spec.workdays == frozenset({0, 1, 2, 3, 4})
    assert (spec.workday_start, spec.workday_end) == (time(8), time(17))
    assert spec.holidays == frozenset({date(2027, 1, 1)})


def test_unknown_region_is_refused():
    with pytest.raises(ValueError):
        default_spec_for_region("MARS")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timezone": "Not/AZone"},
        {"timezone": "UTC", "workday_start": time(17), "workday_end": time(8)},
        {"timezone": "UTC", "workday_start": time(8), "workday_end": time(8)},
        {"timezone": "UTC", "workdays": frozenset()},
        {"timezone": "UTC", "workdays": frozenset({7})},
    ],
)
def test_an_impossible_calendar_is_refused(kwargs):
    with pytest.raises(ValueError):
        BusinessCalendarSpec(**kwargs)


def test_specs_with_the_same_data_are_equal_and_hashable():
    a = BusinessCalendarSpec(timezone="Europe/Paris", holidays=frozenset({date(2027, 5, 1)}))
    b = BusinessCalendarSpec(timezone="Europe/Paris", holidays=frozenset({date(2027, 5, 1)}))
    assert a == b and hash(a) == hash(b)


# --- input and output ---------------------------------------------------------------------


def test_naive_start_raises_value_error():
    with pytest.raises(ValueError):
        add_business_time(default_spec_for_region("EMEA"), datetime(2027, 3, 1, 9), H)


def test_naive_end_raises_value_error():
    spec = default_spec_for_region("EMEA")
    with pytest.raises(ValueError):
        business_time_between(spec, at("UTC", 2027, 3, 1, 9), datetime(2027, 3, 1, 10))


def test_negative_duration_is_refused():
    with pytest.raises(ValueError):
        add_business_time(default_spec_for_region("EMEA"), at("UTC", 2027, 3, 1, 9), -H)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_business_days(default_spec_for_region("EMEA"), at("UTC", 2027, 3, 1, 9), -1)


def test_result_is_aware_utc_whatever_the_input_zone():
    spec = default_spec_for_region("EMEA")
    due = add_business_time(spec, at("Asia/Tokyo", 2027, 3, 2, 18), H)  # Tue 10:00 Paris
    assert due.utcoffset() == timedelta(0)
    assert due == at("Europe/Paris", 2027, 3, 2, 11)


def test_zero_duration_returns_the_start():
    spec = default_spec_for_region("EMEA")
    start = at("Europe/Paris", 2027, 3, 6, 10)  # a Saturday
    assert add_business_time(spec, start, timedelta(0)) == start


# --- R-CASE-8 examples and ordinary days, in every region ---------------------------------


@pytest.mark.parametrize("region", REGIONS)
def test_friday_1600_plus_one_business_day_is_monday_1600(region):
    # R-CASE-8 example (2027-02-05 is a Friday, no DST change nearby in any region)
    spec = default_spec_for_region(region)
    due = add_business_days(spec, at(ZONES[region], 2027, 2, 5, 16), 1)
    assert local(due, ZONES[region]) == at(ZONES[region], 2027, 2, 8, 16)


@pytest.mark.parametrize("region", REGIONS)
def test_saturday_1000_plus_one_business_day_is_monday_1700(region):
    # R-CASE-8 example: the end of a working period stays at that end, not Tuesday 08:00
    spec = default_spec_for_region(region)
    due = add_business_days(spec, at(ZONES[region], 2027, 2, 6, 10), 1)
    assert local(due, ZONES[region]) == at(ZONES[region], 2027, 2, 8, 17)


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        ((2027, 2, 9, 9), 2 * H, (2027, 2, 9, 11)),  # inside hours, same day
        ((2027, 2, 9, 8), 9 * H, (2027, 2, 9, 17)),  # a whole day ends at 17:00, not 08:00
        ((2027, 2, 9, 6), H, (2027, 2, 9, 9)),  # before hours: counts from 08:00
        ((2027, 2, 9, 18), H, (2027, 2, 10, 9)),  # after hours: counts from next 08:00
        ((2027, 2, 9, 17), H, (2027, 2, 10, 9)),  # exactly at the end: next day
        ((2027, 2, 5, 18), H, (2027, 2, 8, 9)),  # Friday evening: Monday
        ((2027, 2, 7, 23, 59), H, (2027, 2, 8, 9)),  # Sunday night: Monday
        ((2027, 2, 10, 12, 30), 27 * H, (2027, 2, 15, 12, 30)),  # 3 days, over a weekend
    ],
)
def test_outside_hours_and_weekends(start, duration, expected):
    spec = default_spec_for_region("EMEA")
    due = add_business_time(spec, at("Europe/Paris", *start), duration)
    assert due == at("Europe/Paris", *expected)


def test_three_business_days_from_friday_1600():
    spec = default_spec_for_region("AMER")
    due = add_business_days(spec, at("America/New_York", 2027, 2, 5, 16), 3)
    assert due == at("America/New_York", 2027, 2, 10, 16)


# --- holidays ------------------------------------------------------------------------------


def test_a_holiday_is_skipped():
    # Thursday 2027-02-11 is a holiday: Wed 16:00 + 9 h = Fri 16:00
    spec = BusinessCalendarSpec(timezone="Asia/Tokyo", holidays=frozenset({date(2027, 2, 11)}))
    due = add_business_time(spec, at("Asia/Tokyo", 2027, 2, 10, 16), 9 * H)
    assert due == at("Asia/Tokyo", 2027, 2, 12, 16)


def test_opening_on_a_holiday_counts_from_the_next_working_day():
    spec = BusinessCalendarSpec(timezone="Europe/Paris", holidays=frozenset({date(2027, 7, 14)}))
    due = add_business_time(spec, at("Europe/Paris", 2027, 7, 14, 10), 9 * H)
    assert due == at("Europe/Paris", 2027, 7, 15, 17)


def test_holidays_next_to_a_weekend_are_skipped_together():
    # Easter in AUS (ACT): Good Friday 2027-03-26, Easter Monday 2027-03-29
    holidays = set(public_holidays("AUS", [2027]))
    spec = default_spec_for_region("AUS", holidays)
    due = add_business_days(spec, at("Australia/Sydney", 2027, 3, 25, 16), 1)
    assert due == at("Australia/Sydney", 2027, 3, 30, 16)


def test_holiday_library_prefill_changes_the_due_time():
    # 2027-11-01 (Monday) is a public holiday in France
    start = at("Europe/Paris", 2027, 10, 29, 16)
    bare = default_spec_for_region("EMEA")
    with_holidays = default_spec_for_region("EMEA", public_holidays("EMEA", [2027]))
    assert add_business_days(bare, start, 1) == at("Europe/Paris", 2027, 11, 1, 16)
    assert add_business_days(with_holidays, start, 1) == at("Europe/Paris", 2027, 11, 2, 16)


# --- daylight-saving changes ---------------------------------------------------------------

# (region, zone, DST change date (a Sunday), offset change in hours)
DST_CHANGES = [
    ("EMEA", date(2027, 3, 28), +1),
    ("EMEA", date(2027, 10, 31), -1),
    ("AMER", date(2027, 3, 14), +1),
    ("AMER", date(2027, 11, 7), -1),
    ("AUS", date(2027, 4, 4), -1),
    ("AUS", date(2027, 10, 3), +1),
]


@pytest.mark.parametrize(("region", "change", "shift"), DST_CHANGES)
def test_dst_change_really_happens_that_weekend(region, change, shift):
    zone = ZONES[region]
    friday, monday = change - timedelta(days=2), change + timedelta(days=1)
    before = at(zone, friday.year, friday.month, friday.day, 12).utcoffset()
    after = at(zone, monday.year, monday.month, monday.day, 12).utcoffset()
    assert after - before == shift * H


@pytest.mark.parametrize(("region", "change", "shift"), DST_CHANGES)
def test_s3_friday_1600_is_monday_1600_local_across_dst(region, change, shift):
    zone = ZONES[region]
    friday = change - timedelta(days=2)
    monday = change + timedelta(days=1)
    spec = default_spec_for_region(region)
    due = add_business_days(spec, at(zone, friday.year, friday.month, friday.day, 16), 1)
    assert local(due, zone) == at(zone, monday.year, monday.month, monday.day, 16)
    # the UTC instant moved by the offset change: the wall clock, not UTC, is honoured
    utc_plus_72h = at(zone, friday.year, friday.month, friday.day, 16).astimezone(UTC) + 72 * H
    assert utc_plus_72h - due == shift * H


@pytest.mark.parametrize(("region", "change", "shift"), DST_CHANGES)
def test_s4_three_days_across_dst_lands_on_local_hours(region, change, shift):
    zone = ZONES[region]
    thursday = change - timedelta(days=3)
    tuesday = change + timedelta(days=2)
    spec = default_spec_for_region(region)
    # Thu 10:00 + 27 h: Thu 7 h, Fri 9 h, Mon 9 h, Tue 2 h -> Tue 10:00 local
    due = add_business_days(spec, at(zone, thursday.year, thursday.month, thursday.day, 10), 3)
    assert local(due, zone) == at(zone, tuesday.year, tuesday.month, tuesday.day, 10)


@pytest.mark.parametrize(("region", "change", "shift"), DST_CHANGES)
def test_business_time_between_across_dst_counts_only_working_hours(region, change, shift):
    zone = ZONES[region]
    friday = change - timedelta(days=2)
    monday = change + timedelta(days=1)
    spec = default_spec_for_region(region)
    start = at(zone, friday.year, friday.month, friday.day, 12)
    end = at(zone, monday.year, monday.month, monday.day, 12)
    assert business_time_between(spec, start, end) == 9 * H


def test_apjc_has_no_dst_so_its_utc_hours_never_move():
    spec = default_spec_for_region("APJC")
    for month in range(1, 13):
        first = date(2027, month, 1)
        friday = first + timedelta(days=(4 - first.weekday()) % 7)
        due = add_business_days(spec, at("Asia/Tokyo", friday.year, month, friday.day, 16), 1)
        assert due.timetz() == time(7, tzinfo=UTC)  # Monday 16:00 JST is always 07:00 UTC
        assert due.weekday() == 0


def test_a_working_period_that_spans_a_dst_change_counts_real_elapsed_time():
    # A 24x7-ish calendar whose hours 01:00-04:00 contain the 02:00->03:00 jump in Paris:
    # that day's period lasts 2 real hours, not 3.
    spec = BusinessCalendarSpec(
        timezone="Europe/Paris",
        workday_start=time(1),
        workday_end=time(4),
        workdays=frozenset(range(7)),
    )
    day_start = at("Europe/Paris", 2027, 3, 28, 0)
    day_end = at("Europe/Paris", 2027, 3, 28, 23)
    assert business_time_between(spec, day_start, day_end) == 2 * H
    due = add_business_time(spec, at("Europe/Paris", 2027, 3, 28, 1), 2 * H)
    assert due == at("Europe/Paris", 2027, 3, 28, 4)


# --- business_time_between -----------------------------------------------------------------


def test_between_counts_only_working_periods():
    spec = default_spec_for_region("EMEA")
    # Fri 16:00 -> Mon 10:00 = 1 h + 2 h
    start = at("Europe/Paris", 2027, 2, 5, 16)
    end = at("Europe/Paris", 2027, 2, 8, 10)
    assert business_time_between(spec, start, end) == 3 * H


def test_between_outside_hours_is_zero():
    spec = default_spec_for_region("EMEA")
    start = at("Europe/Paris", 2027, 2, 6, 10)
    end = at("Europe/Paris", 2027, 2, 8, 7)
    assert business_time_between(spec, start, end) == timedelta(0)


def test_between_is_negative_when_end_is_earlier():
    spec = default_spec_for_region("EMEA")
    start = at("Europe/Paris", 2027, 2, 5, 16)
    end = at("Europe/Paris", 2027, 2, 8, 10)
    assert business_time_between(spec, end, start) == -3 * H


def test_between_over_a_year_matches_working_days_minus_holidays():
    holidays = public_holidays("EMEA", [2027])
    spec = default_spec_for_region("EMEA", holidays)
    start = at("Europe/Paris", 2027, 1, 1, 0)
    end = at("Europe/Paris", 2028, 1, 1, 0)
    working_days = sum(
        1
        for n in range(365)
        if (d := date(2027, 1, 1) + timedelta(days=n)).weekday() < 5 and d not in holidays
    )
    assert business_time_between(spec, start, end) == working_days * 9 * H


# --- properties: round trips and agreement with a plain day-by-day walk --------------------


def _reference_add(spec: BusinessCalendarSpec, start: datetime, duration: timedelta) -> datetime:
    """Slow, obvious implementation: walk day by day, no week skipping."""
    cursor = start.astimezone(UTC)
    if duration == timedelta(0):
        return cursor
    remaining = duration
    day = cursor.astimezone(spec.zone).date()
    while True:
        period = spec.period(day)
        if period and cursor < period[1]:
            begin = max(cursor, period[0])
            if remaining <= period[1] - begin:
                return begin + remaining
            remaining -= period[1] - begin
        day += timedelta(days=1)


def _random_cases(seed: int, count: int):
    rng = random.Random(seed)
    for _ in range(count):
        region = rng.choice(REGIONS)
        holidays = public_holidays(region, [2026, 2027, 2028]) if rng.random() < 0.7 else {}
        spec = default_spec_for_region(region, holidays)
        start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
            minutes=rng.randrange(0, 730 * 24 * 60)
        )
        duration = rng.choice(
            [
                timedelta(minutes=rng.randrange(1, 9 * 60 * 4)),
                timedelta(minutes=rng.randrange(1, 9 * 60 * 120)),
                9 * H * rng.randrange(1, 300),
            ]
        )
        yield spec, start, duration


@pytest.mark.parametrize("seed", range(5))
def test_round_trip_between_of_add_is_the_duration(seed):
    for spec, start, duration in _random_cases(seed, 200):
        due = add_business_time(spec, start, duration)
        assert business_time_between(spec, start, due) == duration, (spec.timezone, start)


@pytest.mark.parametrize("seed", range(5))
def test_week_skipping_agrees_with_a_day_by_day_walk(seed):
    for spec, start, duration in _random_cases(100 + seed, 200):
        assert add_business_time(spec, start, duration) == _reference_add(spec, start, duration)


@pytest.mark.parametrize("seed", range(3))
def test_round_trip_add_of_between_returns_an_instant_inside_working_hours(seed):
    rng = random.Random(seed)
    spec = default_spec_for_region("AUS", public_holidays("AUS", [2027]))
    for _ in range(200):
        start = datetime(2027, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 300 * 1440))
        day = start.date() + timedelta(days=rng.randrange(0, 40))
        period = spec.period(day)
        if period is None:
            continue
        end = period[0] + timedelta(minutes=rng.randrange(1, 9 * 60 + 1))  # inside or at end
        elapsed = business_time_between(spec, start, end)
        if end > start and elapsed > timedelta(0):
            assert add_business_time(spec, start, elapsed) == end


def test_long_durations_skip_whole_weeks(monkeypatch):
    spec = default_spec_for_region("EMEA")
    calls = 0
    original = BusinessCalendarSpec.period

    def counting(self, day):
        nonlocal calls
        calls += 1
        return original(self, day)

    monkeypatch.setattr(BusinessCalendarSpec, "period", counting)
    start = at("Europe/Paris", 2027, 1, 4, 8)
    due = add_business_days(spec, start, 5 * 52 * 10)  # ten years of business days
    # ~3,640 calendar days: only the days of the 20 DST-change weeks are walked one by one
    assert calls < 200
    calls = 0
    assert business_time_between(spec, start, due) == 5 * 52 * 10 * 9 * H
    assert calls < 200
    monkeypatch.undo()
    assert due == _reference_add(spec, start, 5 * 52 * 10 * 9 * H)


# --- public holidays -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "day"),
    [
        ("AMER", date(2027, 7, 5)),  # Independence Day (observed) in the US
        ("APJC", date(2027, 2, 11)),  # Foundation Day in Japan
        ("AUS", date(2027, 3, 8)),  # Canberra Day: only in the Australian Capital Territory
        ("EMEA", date(2027, 7, 14)),  # National Day in France
    ],
)
def test_public_holidays_come_from_the_regions_country(region, day):
    found = public_holidays(region, [2027])
    assert day in found
    assert isinstance(found[day], str) and found[day]


def test_public_holidays_cover_every_asked_year_and_only_those():
    found = public_holidays("EMEA", [2026, 2028])
    assert {d.year for d in found} == {2026, 2028}
    assert date(2026, 12, 25) in found and date(2028, 12, 25) in found


def test_public_holidays_of_an_unknown_region_are_refused():
    with pytest.raises(ValueError):
        public_holidays("MARS", [2027])


def test_region_table_covers_the_four_regions():
    assert set(bt.REGION_TIMEZONES) >= set(REGIONS)
    assert {str(k): v for k, v in bt.REGION_TIMEZONES.items()} == ZONES


# --- R-CASE-8: a computation that reaches a year without holidays is not silent -----------------


def test_reaching_a_year_without_holidays_logs_a_warning_once_r_case_8(caplog):
    import datetime as _dt
    import logging

    from portal import business_time as bt

    spec = bt.BusinessCalendarSpec(
        timezone="Asia/Tokyo",
        holidays=frozenset({_dt.date(2050, 1, 1)}),
        holiday_years=frozenset({2050}),
    )
    bt._WARNED_YEARS.discard(("Asia/Tokyo", 2051))
    start = _dt.datetime(2050, 12, 30, 1, tzinfo=_dt.UTC)
    with caplog.at_level(logging.WARNING, logger="portal.business_time"):
        bt.add_business_time(spec, start, _dt.timedelta(hours=27))
        bt.add_business_time(spec, start, _dt.timedelta(hours=27))
    warnings = [r for r in caplog.records if "2051" in r.getMessage()]
    assert len(warnings) == 1


def test_a_year_with_holidays_logs_nothing_r_case_8(caplog):
    import datetime as _dt
    import logging

    from portal import business_time as bt

    spec = bt.BusinessCalendarSpec(timezone="Asia/Tokyo", holiday_years=frozenset({2052}))
    with caplog.at_level(logging.WARNING, logger="portal.business_time"):
        bt.add_business_time(spec, _dt.datetime(2052, 3, 2, 1, tzinfo=_dt.UTC), _dt.timedelta(9))
    assert not caplog.records
