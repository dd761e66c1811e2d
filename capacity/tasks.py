"""Thin Celery tasks of the capacity app."""

from celery import shared_task

from portal.jobs import periodic

from . import services


@shared_task(ignore_result=True)
@periodic("capacity-thresholds")
def notify_capacity_thresholds() -> int:
    """Daily: notify 80/90/100 % crossings once each (R-CAP-4)."""
    return services.capacity_notify_thresholds()
