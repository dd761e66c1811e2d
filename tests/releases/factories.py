"""Test helpers of the releases app."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from releases import services
from releases.models import Release

PARIS = ZoneInfo("Europe/Paris")


def weeknight(days_ahead: int, hour: int = 22, minutes: int = 90) -> tuple[datetime, datetime]:
    """A start/end inside an EMEA weekday window (R-MNT-1) at least ``days_ahead`` away."""
    day = timezone.localdate() + timedelta(days=days_ahead)
    while day.weekday() >= 4:  # Mon–Thu nights end on a weekday morning
        day += timedelta(days=1)
    start = datetime.combine(day, time(hour), tzinfo=PARIS)
    return start, start + timedelta(minutes=minutes)


def load_table(staff=None) -> dict[str, Release]:
    """The source's R-REL-3 table, by "version SU" label."""
    services.release_table_load(actor=staff)
    return {f"{r.version} {r.service_update}": r for r in Release.objects.all()}


def install(customer, staff, release: Release, *applications: str):
    return [
        services.installed_version_set(
            actor=staff,
            customer=customer,
            application=app,
            release=release,
            existing_deployment=True,
        )
        for app in applications or ("CUCM",)
    ]


ADVISORY = "cisco-sa-cucm-2026-0001"


def plan_upgrade(customer, staff, target: Release, days_ahead: int = 21, **kwargs):
    """A security upgrade (R-MNT-7) of ``customer`` to ``target``."""
    start, end = weeknight(days_ahead)
    kwargs.setdefault("reason", "security_vulnerability")
    if kwargs["reason"] == "security_vulnerability":
        kwargs.setdefault("advisory", ADVISORY)
    return services.upgrade_schedule(
        actor=staff,
        partner=customer.partner,
        customers=[customer],
        target=target,
        start=start,
        end=end,
        **kwargs,
    )


def plan_upgrade_planned_earlier(customer, staff, target: Release, days_ahead: int, **kwargs):
    """An upgrade ``days_ahead`` away, as if planned back when its notice was still possible
    (R-REL-4: the maintenance notice goes out at least 10 days before the window)."""
    from maintenance.models import Change

    upgrade = plan_upgrade(customer, staff, target, days_ahead=21, **kwargs)
    start, end = weeknight(days_ahead)
    Change.objects.filter(pk=upgrade.change_id).update(start=start, end=end)
    upgrade.refresh_from_db()
    return upgrade
