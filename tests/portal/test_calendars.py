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


@pytest.mark.parametrize("holidays", [True, False], ids=["with-holidays", "without-holidays"])
def test_staff_edited_working_days_are_used_r_case_8(holidays):
    # A Sunday-to-Thursday week; the days are read once per calendar, not per holiday row.
    if not holidays:
        Holiday.objects.filter(calendar__region="EMEA").delete()
    BusinessCalendar.objects.filter(region="EMEA").update(workdays=[6, 0, 1, 2, 3])
    spec = calendar_spec_for_region("EMEA")
    assert spec.workdays == frozenset({6, 0, 1, 2, 3})
    assert bool(spec.holidays) is holidays


# --- R-CASE-8: holidays for every year a computation reaches ---------------------------------


def test_yearly_duty_fills_the_next_year_of_every_calendar_r_case_8():
    from portal.calendars import calendars_fill_holidays

    Holiday.objects.filter(date__year__in=[2031, 2032]).delete()
    now = dt.datetime(2031, 12, 1, 4, 45, tzinfo=UTC)
    added = calendars_fill_holidays(now=now)
    assert added > 0
    for region in ("AMER", "APJC", "AUS", "EMEA"):
        assert Holiday.objects.filter(calendar__region=region, date__year=2032).exists()
    assert Holiday.objects.filter(calendar__region="EMEA", date=dt.date(2032, 7, 14)).exists()
    assert Holiday.objects.filter(calendar__region="AMER", date=dt.date(2032, 7, 4)).exists()


def test_yearly_duty_is_idempotent_and_keeps_staff_edits_r_case_8():
    from portal.calendars import calendars_fill_holidays

    calendars_fill_holidays(years=[2033])
    emea = BusinessCalendar.objects.get(region="EMEA")
    Holiday.objects.filter(calendar=emea, date=dt.date(2033, 7, 14)).delete()  # staff removed it
    count = Holiday.objects.count()
    assert calendars_fill_holidays(years=[2033]) == 0
    assert Holiday.objects.count() == count
    assert not Holiday.objects.filter(calendar=emea, date=dt.date(2033, 7, 14)).exists()


def test_yearly_duty_uses_the_calendars_own_country_r_case_8():
    from portal.calendars import calendars_fill_holidays

    BusinessCalendar.objects.filter(region="EMEA").update(holiday_country="GB")
    calendars_fill_holidays(years=[2034])
    emea = Holiday.objects.filter(calendar__region="EMEA", date__year=2034)
    assert emea.filter(date=dt.date(2034, 12, 26)).exists()  # Boxing Day
    assert not emea.filter(date=dt.date(2034, 7, 14)).exists()  # not Bastille Day


def test_calendar_without_a_country_is_left_alone_r_case_8():
    from portal.calendars import calendars_fill_holidays, calendars_missing_holidays

    BusinessCalendar.objects.filter(region="APJC").update(holiday_country="")
    calendars_fill_holidays(years=[2035])
    missing = calendars_missing_holidays(years=[2035])
    assert [(m.calendar.region, m.year) for m in missing] == [("APJC", 2035)]


def test_calendars_missing_holidays_names_calendar_and_year_r_case_8():
    from portal.calendars import calendars_missing_holidays

    Holiday.objects.filter(date__year=2036).delete()
    Holiday.objects.create(
        calendar=BusinessCalendar.objects.get(region="AUS"), date=dt.date(2036, 1, 1), name="NY"
    )
    missing = {(m.calendar.region, m.year) for m in calendars_missing_holidays(years=[2036])}
    assert missing == {("AMER", 2036), ("APJC", 2036), ("EMEA", 2036)}


def test_fill_task_and_beat_r_case_8(settings):
    import time_machine

    from portal import tasks

    Holiday.objects.filter(date__year__gte=2040).delete()
    with time_machine.travel(dt.datetime(2040, 1, 1, 5, tzinfo=UTC), tick=False):
        assert tasks.fill_calendar_holidays.apply().get()["added"] > 0
    assert Holiday.objects.filter(date__year=2041).exists()
    entry = settings.CELERY_BEAT_SCHEDULE["calendars-fill-holidays"]
    assert entry["task"] == "portal.tasks.fill_calendar_holidays"


def test_staff_see_a_calendar_without_holidays_for_a_year_reached_r_case_8(client_for, staff):
    import time_machine

    with time_machine.travel(dt.datetime(2029, 3, 1, 12, tzinfo=UTC), tick=False):
        from portal.calendars import calendars_fill_holidays

        calendars_fill_holidays()
        client = client_for(staff)
        html = client.get("/admin/cases/case/").content.decode()
        assert 'id="calendars-missing-holidays"' not in html
        Holiday.objects.filter(calendar__region="AUS", date__year=2030).delete()
        html = client.get("/admin/cases/case/").content.decode()
        assert 'id="calendars-missing-holidays"' in html and "2030" in html


def test_spec_knows_which_years_have_holidays_r_case_8():
    emea = BusinessCalendar.objects.get(region="EMEA")
    Holiday.objects.filter(calendar=emea, date__year__in=[2045, 2046]).delete()
    Holiday.objects.create(calendar=emea, date=dt.date(2046, 5, 1), name="Labour Day")
    spec = calendar_spec_for_region("EMEA")
    assert 2046 in spec.holiday_years and 2045 not in spec.holiday_years


def test_staff_see_a_calendar_without_holidays_on_the_index_and_calendar_list_r_case_8(
    client_for, staff
):
    import time_machine

    with time_machine.travel(dt.datetime(2040, 3, 1, 12, tzinfo=UTC), tick=False):
        Holiday.objects.filter(date__year__in=[2040, 2041]).delete()
        client = client_for(staff)
        for url in ("/admin/", "/admin/portal/businesscalendar/"):
            html = client.get(url).content.decode()
            assert 'id="calendars-missing-holidays"' in html, url
            assert "2040" in html
