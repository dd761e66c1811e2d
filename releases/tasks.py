"""Thin Celery tasks of the releases app."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def check_release_compliance() -> dict[str, int]:
    """Daily: refresh compliance and notify each change of state once (R-REL-2)."""
    return services.compliance_check()
