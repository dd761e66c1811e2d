"""Thin Celery tasks of the capacity app."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def notify_capacity_thresholds() -> int:
    """Daily: notify 80/90/100 % crossings once each (R-CAP-4)."""
    return services.capacity_notify_thresholds()
