"""The session clock of ``PORTAL_TEST_CLOCK`` (tests/conftest.py) holds in every process."""

from __future__ import annotations

import datetime as dt
import os

import time_machine
from django.utils import timezone

from tests.conftest import _test_clock


def test_the_session_starts_at_portal_test_clock_or_today() -> None:
    moment = _test_clock()
    now = timezone.now()
    if moment is None:
        assert not time_machine.escape_hatch.is_travelling()
        return
    assert time_machine.escape_hatch.is_travelling()
    # The clock ticks from the moment the process started; the suite is shorter than 2 hours.
    assert moment <= now < moment + dt.timedelta(hours=2), (now, os.environ["PORTAL_TEST_CLOCK"])
    assert dt.date.today() == now.astimezone().date()


@time_machine.travel(dt.datetime(2030, 1, 2, 3, 4, tzinfo=dt.UTC), tick=False)
def test_a_test_that_pins_its_own_clock_sees_it() -> None:
    assert timezone.now() == dt.datetime(2030, 1, 2, 3, 4, tzinfo=dt.UTC)
    assert dt.date.today() == dt.date(2030, 1, 2)


def test_a_nested_travel_returns_to_the_session_clock() -> None:
    before = timezone.now()
    with time_machine.travel(dt.datetime(2031, 5, 6, tzinfo=dt.UTC), tick=False):
        assert timezone.now() == dt.datetime(2031, 5, 6, tzinfo=dt.UTC)
    assert before <= timezone.now() < before + dt.timedelta(minutes=1)
