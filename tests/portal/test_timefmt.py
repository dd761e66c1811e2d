"""Every shown time carries its zone, in one format per language; durations read as words
(DOMAIN.md: "Times shown to people"). The formatting functions are pure."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from portal.timefmt import (
    format_date,
    format_time,
    parse_zone,
    show_duration,
    show_time,
    zone_of,
    zones_of,
)

UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
SYDNEY = ZoneInfo("Australia/Sydney")
TOKYO = ZoneInfo("Asia/Tokyo")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# --- times ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "zone", "english", "portuguese"),
    [
        # New York: EST in winter, EDT in summer.
        (at(2026, 12, 23, 3, 0), NEW_YORK, "22 Dec 2026, 22:00 EST", "22/12/2026 22:00 EST"),
        (at(2026, 7, 1, 2, 0), NEW_YORK, "30 Jun 2026, 22:00 EDT", "30/06/2026 22:00 EDT"),
        # Paris: CET/CEST.
        (at(2026, 12, 22, 21, 0), PARIS, "22 Dec 2026, 22:00 CET", "22/12/2026 22:00 CET"),
        (at(2026, 7, 1, 20, 0), PARIS, "1 Jul 2026, 22:00 CEST", "01/07/2026 22:00 CEST"),
        # Sydney: AEDT in (southern) summer, AEST in winter.
        (at(2026, 12, 22, 11, 0), SYDNEY, "22 Dec 2026, 22:00 AEDT", "22/12/2026 22:00 AEDT"),
        (at(2026, 7, 1, 12, 0), SYDNEY, "1 Jul 2026, 22:00 AEST", "01/07/2026 22:00 AEST"),
        (at(2026, 12, 22, 13, 0), TOKYO, "22 Dec 2026, 22:00 JST", "22/12/2026 22:00 JST"),
        (at(2026, 12, 22, 22, 0), UTC, "22 Dec 2026, 22:00 UTC", "22/12/2026 22:00 UTC"),
        (
            at(2026, 12, 23, 1, 0),
            SAO_PAULO,
            "22 Dec 2026, 22:00 BRT",
            "22/12/2026 22:00 (horário de Brasília)",
        ),
    ],
)
def test_a_time_shows_its_zone_in_each_language(moment, zone, english, portuguese):
    assert format_time(moment, zone, language="en") == english
    assert format_time(moment, zone, language="pt-br") == portuguese


def test_the_abbreviation_follows_the_instant_across_a_dst_change():
    # Europe/Paris leaves summer time on 25 Oct 2026 at 03:00 CEST (01:00 UTC).
    assert format_time(at(2026, 10, 25, 0, 59), PARIS, language="en") == ("25 Oct 2026, 02:59 CEST")
    assert format_time(at(2026, 10, 25, 1, 0), PARIS, language="en") == "25 Oct 2026, 02:00 CET"
    # New York springs forward on 8 Mar 2026 at 02:00 EST (07:00 UTC).
    assert format_time(at(2026, 3, 8, 6, 59), NEW_YORK, language="en") == "8 Mar 2026, 01:59 EST"
    assert format_time(at(2026, 3, 8, 7, 0), NEW_YORK, language="en") == "8 Mar 2026, 03:00 EDT"
    # Sydney ends daylight saving on 5 Apr 2026 at 03:00 AEDT (16:00 UTC the day before).
    assert format_time(at(2026, 4, 4, 16, 0), SYDNEY, language="pt-br") == ("05/04/2026 02:00 AEST")


def test_a_zone_without_letters_shows_its_offset():
    assert format_time(at(2026, 12, 22, 18, 0), ZoneInfo("Asia/Dubai"), language="en") == (
        "22 Dec 2026, 22:00 UTC+04"
    )
    assert (
        format_time(
            at(2026, 12, 23, 1, 0), ZoneInfo("America/Argentina/Buenos_Aires"), language="pt-br"
        )
        == "22/12/2026 22:00 UTC−03"
    )


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError):
        format_time(dt.datetime(2026, 12, 22, 22, 0), UTC, language="en")


def test_the_active_language_and_zone_apply_when_none_is_given():
    with translation.override("pt-br"), timezone.override(SAO_PAULO):
        assert show_time(at(2026, 12, 23, 1, 0)) == "22/12/2026 22:00 (horário de Brasília)"
    with translation.override("en"), timezone.override(PARIS):
        assert show_time(at(2026, 12, 22, 21, 0)) == "22 Dec 2026, 22:00 CET"


def test_a_customers_time_shows_in_its_regions_zone_not_the_viewers():
    amer = SimpleNamespace(name="Beta", region="AMER")
    with translation.override("en"), timezone.override(SAO_PAULO):
        assert show_time(at(2026, 12, 23, 3, 0), customer=amer) == "22 Dec 2026, 22:00 EST"
        assert show_time(at(2026, 12, 23, 3, 0), zone="Asia/Tokyo") == "23 Dec 2026, 12:00 JST"
        assert show_time(at(2026, 12, 23, 3, 0), zone="EMEA") == "23 Dec 2026, 04:00 CET"


def test_a_time_of_customers_in_two_regions_shows_once_per_region():
    change = SimpleNamespace(
        customers=[
            SimpleNamespace(name="Beta", region="EMEA"),
            SimpleNamespace(name="Alpha", region="AMER"),
            SimpleNamespace(name="Gamma", region="AMER"),
        ]
    )
    assert zones_of(change) == [NEW_YORK, PARIS]
    assert show_time(at(2026, 12, 23, 3, 0), customer=change, language="en") == (
        "22 Dec 2026, 22:00 EST · 23 Dec 2026, 04:00 CET"
    )


def test_objects_of_one_customer_take_its_zone():
    case = SimpleNamespace(customer=SimpleNamespace(name="Alpha", region="APJC"))
    upgrade = SimpleNamespace(change=SimpleNamespace(customers=[case.customer]))
    assert zone_of(case) == TOKYO
    assert zone_of(upgrade) == TOKYO
    assert zone_of(None) is None
    assert zone_of(SimpleNamespace()) is None


def test_no_time_shows_a_dash():
    assert show_time(None) == "—"


def test_unknown_zones_are_refused():
    with pytest.raises(ValueError):
        parse_zone("Mars/Olympus_Mons")
    with pytest.raises(ValueError):
        parse_zone("")
    assert parse_zone("America/Sao_Paulo") == SAO_PAULO


def test_dates_read_in_each_language():
    assert format_date(dt.date(2027, 3, 5), language="en") == "5 Mar 2027"
    assert format_date(dt.date(2027, 3, 5), language="pt-br") == "05/03/2027"


# --- durations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "english", "portuguese"),
    [
        (dt.timedelta(minutes=3, seconds=40, microseconds=814037), "3 min 40 s", "3 min 40 s"),
        (dt.timedelta(hours=2, minutes=5, seconds=59), "2 h 5 min", "2 h 5 min"),
        (dt.timedelta(days=1, hours=3, minutes=20), "1 day 3 h", "1 dia 3 h"),
        (dt.timedelta(days=4), "4 days", "4 dias"),
        (dt.timedelta(days=2, minutes=59), "2 days", "2 dias"),
        (dt.timedelta(hours=1), "1 h", "1 h"),
        (dt.timedelta(minutes=7), "7 min", "7 min"),
        (dt.timedelta(seconds=40), "40 s", "40 s"),
        (dt.timedelta(seconds=0.4), "0 s", "0 s"),
        (dt.timedelta(0), "0 s", "0 s"),
        (-dt.timedelta(minutes=3, seconds=40), "−3 min 40 s", "−3 min 40 s"),
        (-dt.timedelta(days=1, hours=2), "−1 day 2 h", "−1 dia 2 h"),
        (-dt.timedelta(seconds=0.5), "0 s", "0 s"),
        (220.8, "3 min 40 s", "3 min 40 s"),
    ],
)
def test_durations_read_as_words(value, english, portuguese):
    assert show_duration(value, language="en") == english
    assert show_duration(value, language="pt-br") == portuguese


def test_a_duration_is_never_a_clock_reading():
    text = show_duration(dt.timedelta(minutes=3, seconds=40, microseconds=814037), language="en")
    assert ":" not in text and "." not in text


def test_a_windows_hours_name_the_zone_once_or_twice_across_a_dst_change():
    from portal.timefmt import format_clock_span

    assert format_clock_span(at(2026, 12, 1, 20), at(2026, 12, 2, 5), PARIS, language="en") == (
        "21:00–06:00 CET"
    )
    # The night Paris leaves summer time (25 Oct 2026): 21:00 CEST to 06:00 CET.
    assert format_clock_span(at(2026, 10, 24, 19), at(2026, 10, 25, 5), PARIS, language="en") == (
        "21:00 CEST–06:00 CET"
    )
