"""The window engine (R-MNT-1): every region, both daylight-saving nights, plain pytest."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from maintenance.windows import (
    REGION_TIMEZONES,
    Window,
    next_windows,
    window_containing,
    window_for_night,
    windows_between,
)
from portal.choices import Region

REGIONS = ["AMER", "APJC", "AUS", "EMEA"]
ZONES = {
    "AMER": ZoneInfo("America/New_York"),
    "APJC": ZoneInfo("Asia/Tokyo"),
    "AUS": ZoneInfo("Australia/Sydney"),
    "EMEA": ZoneInfo("Europe/Paris"),
}
H = timedelta(hours=1)

# The nights (Saturday nights, all) whose window holds a daylight-saving change in 2027:
# region, night the window opens, hours, offset at 21:00, offset at 06:00.
DST_NIGHTS = [
    ("EMEA", date(2027, 3, 27), 8, "+01:00", "+02:00"),  # clocks forward 2027-03-28
    ("EMEA", date(2027, 10, 30), 10, "+02:00", "+01:00"),  # clocks back 2027-10-31
    ("AMER", date(2027, 3, 13), 8, "-05:00", "-04:00"),  # 2027-03-14
    ("AMER", date(2027, 11, 6), 10, "-04:00", "-05:00"),  # 2027-11-07
    ("AUS", date(2027, 4, 3), 10, "+11:00", "+10:00"),  # daylight saving ends 2027-04-04
    ("AUS", date(2027, 10, 2), 8, "+10:00", "+11:00"),  # daylight saving starts 2027-10-03
]


def local(region: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZONES[region])


def test_region_zones_are_the_rule_s_zones() -> None:
    assert {region: ZoneInfo(zone) for region, zone in REGION_TIMEZONES.items()} == ZONES


@pytest.mark.parametrize(("region", "night", "hours", "start_offset", "end_offset"), DST_NIGHTS)
def test_window_over_a_dst_change_keeps_local_hours_and_lasts_8_or_10_hours(
    region: str, night: date, hours: int, start_offset: str, end_offset: str
) -> None:
    window = window_for_night(region, night)

    assert window.duration == hours * H
    assert window.start.isoformat() == f"{night.isoformat()}T21:00:00{start_offset}"
    assert (
        window.end.isoformat() == f"{(night + timedelta(days=1)).isoformat()}T06:00:00{end_offset}"
    )
    assert window.kind == "weekend"
    assert window.infrastructure_only is True


@pytest.mark.parametrize(("region", "night", "hours", "start_offset", "end_offset"), DST_NIGHTS)
def test_windows_around_a_dst_night_last_9_hours(
    region: str, night: date, hours: int, start_offset: str, end_offset: str
) -> None:
    before = window_for_night(region, night - timedelta(days=1))
    after = window_for_night(region, night + timedelta(days=1))

    assert before.duration == 9 * H
    assert after.duration == 9 * H
    assert before.start.utcoffset() == before.end.utcoffset()
    assert after.start.utcoffset() == after.end.utcoffset()


@pytest.mark.parametrize("region", REGIONS)
def test_every_night_of_2027_opens_at_21_and_closes_at_6_local(region: str) -> None:
    windows = windows_between(region, date(2027, 1, 1), date(2027, 12, 31))

    assert len(windows) == 365
    for window in windows:
        start_local = window.start.astimezone(ZONES[region])
        end_local = window.end.astimezone(ZONES[region])
        assert start_local.time() == time(21, 0)
        assert end_local.time() == time(6, 0)
        assert end_local.date() == start_local.date() + timedelta(days=1)


@pytest.mark.parametrize("region", REGIONS)
def test_only_the_dst_nights_of_2027_differ_from_9_hours(region: str) -> None:
    windows = windows_between(region, date(2027, 1, 1), date(2027, 12, 31))

    odd = {w.night: w.duration // H for w in windows if w.duration != 9 * H}

    assert odd == {night: hours for r, night, hours, _, _ in DST_NIGHTS if r == region}


def test_apjc_has_no_daylight_saving_every_window_is_9_hours_at_plus_nine() -> None:
    windows = windows_between("APJC", date(2027, 1, 1), date(2027, 12, 31))

    assert {w.duration for w in windows} == {9 * H}
    assert {w.start.utcoffset() for w in windows} == {9 * H}


def test_issue_example_emea_from_2027_03_26_to_2027_03_29() -> None:
    windows = windows_between("EMEA", date(2027, 3, 26), date(2027, 3, 29))

    assert [w.as_dict() for w in windows] == [
        {
            "region": "EMEA",
            "start": "2027-03-26T21:00:00+01:00",
            "end": "2027-03-27T06:00:00+01:00",
            "kind": "weekday",
            "infrastructure_only": False,
        },
        {
            "region": "EMEA",
            "start": "2027-03-27T21:00:00+01:00",
            "end": "2027-03-28T06:00:00+02:00",
            "kind": "weekend",
            "infrastructure_only": True,
        },
        {
            "region": "EMEA",
            "start": "2027-03-28T21:00:00+02:00",
            "end": "2027-03-29T06:00:00+02:00",
            "kind": "weekend",
            "infrastructure_only": True,
        },
        {
            "region": "EMEA",
            "start": "2027-03-29T21:00:00+02:00",
            "end": "2027-03-30T06:00:00+02:00",
            "kind": "weekday",
            "infrastructure_only": False,
        },
    ]


@pytest.mark.parametrize("region", REGIONS)
def test_monday_to_friday_nights_are_weekday_saturday_sunday_nights_weekend(region: str) -> None:
    # 2027-03-01 is a Monday.
    windows = windows_between(region, date(2027, 3, 1), date(2027, 3, 7))

    assert [w.kind for w in windows] == ["weekday"] * 5 + ["weekend"] * 2
    assert [w.infrastructure_only for w in windows] == [False] * 5 + [True] * 2
    # The Friday-night window runs into Saturday morning and is still a weekday window.
    assert windows[4].end.date() == date(2027, 3, 6)


def test_region_choice_members_are_accepted() -> None:
    assert windows_between(Region.AUS, date(2027, 1, 4), date(2027, 1, 4))[0].region == "AUS"


def test_datetime_bounds_select_windows_overlapping_the_interval() -> None:
    # Friday 2027-03-26 03:00 Paris is inside Thursday night's window; Saturday 22:00 inside
    # Saturday night's.
    windows = windows_between("EMEA", local("EMEA", 2027, 3, 26, 3), local("EMEA", 2027, 3, 27, 22))

    assert [w.night for w in windows] == [date(2027, 3, 25), date(2027, 3, 26), date(2027, 3, 27)]


def test_datetime_bounds_are_half_open() -> None:
    window = window_for_night("EMEA", date(2027, 3, 26))

    assert windows_between("EMEA", window.end, window.end + H) == []
    assert windows_between("EMEA", window.start - H, window.start) == []
    assert windows_between("EMEA", window.start - H, window.start + H) == [window]


def test_datetime_bounds_in_utc_find_the_same_windows() -> None:
    start = local("AMER", 2027, 11, 5, 12)
    end = local("AMER", 2027, 11, 9, 12)

    assert windows_between("AMER", start, end) == windows_between(
        "AMER", start.astimezone(UTC), end.astimezone(UTC)
    )
    assert len(windows_between("AMER", start, end)) == 4


def test_an_interval_in_daytime_overlaps_no_window() -> None:
    assert (
        windows_between("APJC", local("APJC", 2027, 5, 5, 7), local("APJC", 2027, 5, 5, 20)) == []
    )


def test_reversed_bounds_give_no_windows() -> None:
    assert windows_between("EMEA", date(2027, 3, 29), date(2027, 3, 26)) == []
    assert windows_between("EMEA", local("EMEA", 2027, 3, 29), local("EMEA", 2027, 3, 26)) == []


def test_mixed_date_and_datetime_bounds_are_refused() -> None:
    with pytest.raises(TypeError):
        windows_between("EMEA", date(2027, 3, 26), local("EMEA", 2027, 3, 29))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        windows_between("EMEA", datetime(2027, 3, 26), datetime(2027, 3, 29))
    with pytest.raises(ValueError, match="aware"):
        window_containing("EMEA", datetime(2027, 3, 26, 22), datetime(2027, 3, 26, 23))
    with pytest.raises(ValueError, match="aware"):
        next_windows("EMEA", datetime(2027, 3, 26), 1)


def test_unknown_region_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown region"):
        windows_between("MARS", date(2027, 3, 26), date(2027, 3, 29))


def test_a_huge_range_is_refused() -> None:
    with pytest.raises(ValueError, match="at most"):
        windows_between("EMEA", date(2000, 1, 1), date(2099, 1, 1))


# --- window_containing ------------------------------------------------------------------------


@pytest.mark.parametrize("region", REGIONS)
def test_the_whole_window_lies_in_one_window(region: str) -> None:
    window = window_for_night(region, date(2027, 6, 9))

    assert window_containing(region, window.start, window.end) == window


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize(
    ("start", "end"),
    [
        ((20, 59), (23, 0)),  # starts a minute early
        ((22, 0), (30, 1)),  # ends 06:01 the next morning
        ((7, 0), (8, 0)),  # daytime
    ],
)
def test_intervals_crossing_a_window_border_lie_in_no_window(
    region: str, start: tuple[int, int], end: tuple[int, int]
) -> None:
    day = datetime(2027, 6, 9, tzinfo=ZONES[region])
    interval_start = day + timedelta(hours=start[0], minutes=start[1])
    interval_end = day + timedelta(hours=end[0], minutes=end[1])

    assert window_containing(region, interval_start, interval_end) is None


def test_an_interval_spanning_two_windows_lies_in_none() -> None:
    assert (
        window_containing("EMEA", local("EMEA", 2027, 6, 9, 22), local("EMEA", 2027, 6, 10, 22))
        is None
    )


def test_an_interval_after_midnight_belongs_to_the_previous_night() -> None:
    window = window_containing("AUS", local("AUS", 2027, 6, 10, 1), local("AUS", 2027, 6, 10, 5))

    assert window is not None
    assert window.night == date(2027, 6, 9)


@pytest.mark.parametrize(("region", "night", "hours", "start_offset", "end_offset"), DST_NIGHTS)
def test_a_dst_window_contains_its_last_hour_after_the_change(
    region: str, night: date, hours: int, start_offset: str, end_offset: str
) -> None:
    window = window_for_night(region, night)
    start, end = window.start.astimezone(UTC), window.end.astimezone(UTC)  # real-time arithmetic

    assert window_containing(region, end - H, end) == window
    assert window_containing(region, start, start + hours * H) == window
    assert window_containing(region, start, start + hours * H + timedelta(minutes=1)) is None


def test_the_repeated_hour_of_amer_fall_back_night_is_inside_the_window() -> None:
    # 2027-11-07 01:30 happens twice in New York; the second one (fold=1) is EST.
    second_130 = datetime(2027, 11, 7, 1, 30, fold=1, tzinfo=ZONES["AMER"])
    window = window_containing("AMER", second_130, local("AMER", 2027, 11, 7, 5, 59))

    assert window is not None
    assert window.night == date(2027, 11, 6)


def test_an_instant_is_contained_when_start_equals_end() -> None:
    instant = local("EMEA", 2027, 6, 9, 23)

    assert window_containing("EMEA", instant, instant) is not None


def test_an_end_before_the_start_is_in_no_window() -> None:
    assert (
        window_containing("EMEA", local("EMEA", 2027, 6, 9, 23), local("EMEA", 2027, 6, 9, 22))
        is None
    )


# --- next_windows -----------------------------------------------------------------------------


def test_next_windows_skip_weekend_windows_by_default() -> None:
    friday_noon = local("EMEA", 2027, 3, 26, 12)

    windows = next_windows("EMEA", friday_noon, 3)

    assert [w.night for w in windows] == [date(2027, 3, 26), date(2027, 3, 29), date(2027, 3, 30)]


def test_next_windows_include_weekend_windows_when_asked() -> None:
    friday_noon = local("EMEA", 2027, 3, 26, 12)

    windows = next_windows("EMEA", friday_noon, 3, include_weekend=True)

    assert [w.night for w in windows] == [date(2027, 3, 26), date(2027, 3, 27), date(2027, 3, 28)]
    assert [w.kind for w in windows] == ["weekday", "weekend", "weekend"]


def test_next_windows_leave_out_the_window_already_open() -> None:
    inside = local("AMER", 2027, 3, 10, 23)

    assert next_windows("AMER", inside, 1)[0].night == date(2027, 3, 11)


def test_next_windows_include_a_window_opening_at_that_instant() -> None:
    opening = local("APJC", 2027, 3, 10, 21)

    assert next_windows("APJC", opening, 1)[0].start == opening


def test_next_windows_after_midnight_start_that_evening() -> None:
    after_midnight = local("AUS", 2027, 3, 10, 2)

    assert next_windows("AUS", after_midnight, 1)[0].night == date(2027, 3, 10)


def test_zero_next_windows_is_an_empty_list() -> None:
    assert next_windows("EMEA", local("EMEA", 2027, 3, 10), 0) == []


@pytest.mark.parametrize("region", REGIONS)
def test_next_windows_are_consecutive_and_ordered(region: str) -> None:
    windows = next_windows(region, datetime(2027, 1, 1, tzinfo=UTC), 60, include_weekend=True)

    assert len(windows) == 60
    assert all(a.end < b.start for a, b in zip(windows, windows[1:], strict=False))
    assert all(
        (b.night - a.night) == timedelta(days=1) for a, b in zip(windows, windows[1:], strict=False)
    )


def test_a_window_is_a_frozen_value() -> None:
    window = window_for_night("EMEA", date(2027, 3, 26))

    assert isinstance(window, Window)
    with pytest.raises(AttributeError):
        window.kind = "weekend"  # type: ignore[misc]
