"""Staff-edited business calendars feed the pure business-time rules (R-CASE-8)."""

import datetime as dt

import pytest

from portal.business_time import add_business_time
from portal.calendars import calendar_spec_for_region, calendars_ensure_defaults
from portal.models import BusinessCalendar, Holiday

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def test_migration_created_four_calendars_with_public_holidays():
    assert set(BusinessCalendar.objects.values_list("region", flat=True)) == {
        "AMER",
        "APJC",
        "AUS",
        "EMEA",
    }
    # Seeded from the clock the migration ran at (with PORTAL_TEST_CLOCK, the moved one): last
    # year to two years ahead.
    year = dt.date.today().year
    for seeded in (year - 1, year, year + 2):
        assert Holiday.objects.filter(calendar__region="EMEA", date=dt.date(seeded, 12, 25)).exists()
        assert Holiday.objects.filter(calendar__region="AMER", date=dt.date(seeded, 7, 4)).exists()
    assert not Holiday.objects.filter(date__year=year + 3).exists()


def test_ensure_defaults_is_idempotent():
    calendars_ensure_defaults(years=[2030])
    count = Holiday.objects.count()
    assert calendars_ensure_defaults(years=[2030]) == 0
    assert Holiday.objects.count() == count


def test_a_staff_holiday_moves_an_s3_due_time():
    emea = BusinessCalendar.objects.get(region="EMEA")
    # Whatever years the migration seeded from today's date: no public holiday that week (Whit
    # Monday 2030 is 10 June), only the staff's one.
    emea.holidays.filter(date__range=(dt.date(2030, 6, 3), dt.date(2030, 6, 16))).delete()
    opened = dt.datetime(2030, 6, 6, 14, 0, tzinfo=UTC)  # Thursday 16:00 Paris
    before = add_business_time(calendar_spec_for_region("EMEA"), opened, dt.timedelta(hours=9))
    Holiday.objects.create(calendar=emea, date=dt.date(2030, 6, 7), name="Company day")
    after = add_business_time(calendar_spec_for_region("EMEA"), opened, dt.timedelta(hours=9))
    assert after - before == dt.timedelta(days=3)  # Friday off: Monday instead of Friday


def test_staff_edited_hours_are_used():
    BusinessCalendar.objects.filter(region="AMER").update(
        workday_start=dt.time(9), workday_end=dt.time(12)
    )
    spec = calendar_spec_for_region("AMER")
    assert spec.business_day == dt.timedelta(hours=3)
