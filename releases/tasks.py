"""Thin Celery tasks of the releases app."""

from celery import shared_task

from portal.jobs import periodic

from . import services


@shared_task(ignore_result=True)
@periodic("releases-compliance")
def check_release_compliance() -> dict[str, int]:
    """Daily: refresh compliance and notify each change of state once (R-REL-2)."""
    return services.compliance_check()
