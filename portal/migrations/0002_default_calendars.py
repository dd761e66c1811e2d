"""R-CASE-8: the four regional business calendars, pre-filled with public holidays."""

import datetime as dt

import holidays
from django.db import migrations

CALENDARS = {
    "AMER": ("America/New_York", "US", ""),
    "APJC": ("Asia/Tokyo", "JP", ""),
    "AUS": ("Australia/Sydney", "AU", "ACT"),
    "EMEA": ("Europe/Paris", "FR", ""),
}


def create_calendars(apps, schema_editor):
    BusinessCalendar = apps.get_model("portal", "BusinessCalendar")
    Holiday = apps.get_model("portal", "Holiday")
    years = range(dt.date.today().year - 1, dt.date.today().year + 3)
    for region, (zone, country, subdivision) in CALENDARS.items():
        calendar, created = BusinessCalendar.objects.get_or_create(
            region=region,
            defaults={"timezone": zone, "holiday_country": country, "holiday_subdivision": subdivision},
        )
        if not created:
            continue
        found = holidays.country_holidays(country, subdiv=subdivision or None, years=years)
        Holiday.objects.bulk_create(
            [Holiday(calendar=calendar, date=day, name=str(name)[:120]) for day, name in sorted(found.items())],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunPython(create_calendars, migrations.RunPython.noop)]
