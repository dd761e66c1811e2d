"""Thin Celery tasks: each calls one service and returns its counts."""

from celery import shared_task

from portal.jobs import periodic

from . import services


@shared_task(ignore_result=True)
@periodic("maintenance-tick")
def maintenance_tick() -> dict[str, int]:
    """Reschedule-period expiry, reminders, start and end of changes (every minute)."""
    return services.maintenance_tick()


@shared_task(ignore_result=True)
@periodic("maintenance-certificates-scan")
def certificates_scan() -> dict[str, int]:
    """Daily: renewal changes 3–7 days before certificate expiry (R-MNT-6)."""
    return services.certificates_scan()
