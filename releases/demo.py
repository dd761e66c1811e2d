"""Demo data of the releases app (``python manage.py demo``); idempotent.

Loads the source's R-REL-3 table, records installed versions across n, n-1 and n-2, and
plans one upgrade so the compliance pages and the reschedule form have something to show.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from portal.choices import Application
from portal.errors import DomainError
from portal.models import Customer

from . import services
from .models import InstalledVersion, Release, Upgrade

# customer: default release, {application: release} exceptions
INSTALLED = {
    "Alpha Bank": ("15.0 SU2", {"CUCM": "14.0 SU4"}),
    "Atlas Logistics": ("12.5 SU7a", {}),
    "Aurora Health": ("15.0 SU1", {}),
    "Beta Retail": ("14.0 SU3", {}),
    "Bravo Energy": ("15.0 SU2", {}),
}
CORE_APPS = [
    Application.CUCM,
    Application.CUCXN,
    Application.IMP,
    Application.CER,
    Application.EXPRESSWAY,
]


@transaction.atomic
def load() -> None:
    staff = get_user_model().objects.filter(is_staff=True).order_by("pk").first()
    services.release_table_load(actor=staff)
    releases = {f"{r.version} {r.service_update}": r for r in Release.objects.all()}
    for customer in Customer.objects.filter(name__in=INSTALLED):
        default, exceptions = INSTALLED[customer.name]
        for app in CORE_APPS:
            if not InstalledVersion.objects.filter(customer=customer, application=app).exists():
                services.installed_version_set(
                    actor=staff,
                    customer=customer,
                    application=app,
                    release=releases[exceptions.get(app, default)],
                    existing_deployment=True,  # demo customers ran these before joining
                )
    atlas = Customer.objects.filter(name="Atlas Logistics").select_related("partner").first()
    if atlas and not Upgrade.objects.filter(change__customers=atlas).exists():
        day = timezone.localdate() + timedelta(days=21)
        while day.weekday() >= 4:
            day += timedelta(days=1)
        start = timezone.make_aware(datetime.combine(day, time(22)), atlas_zone(atlas))
        # Another demo change may already take that night: then there is simply no upgrade.
        with contextlib.suppress(DomainError):
            services.upgrade_schedule(
                actor=staff,
                partner=atlas.partner,
                customers=[atlas],
                target=releases["15.0 SU2"],
                reason="version_below_n_minus_1",
                start=start,
                end=start + timedelta(hours=3),
            )


def atlas_zone(customer: Customer):
    from zoneinfo import ZoneInfo

    return ZoneInfo(customer.timezone_name)
