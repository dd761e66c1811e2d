"""Thin Celery tasks of the cases app."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def escalation_sweep() -> dict[str, int]:
    """Every minute (CELERY_BEAT_SCHEDULE): breach and warn due cases (R-CASE-10)."""
    result = services.escalation_sweep()
    return {
        "breached": len(result.breached),
        "warned": len(result.warned),
        "notifications": result.notifications,
    }


@shared_task(ignore_result=True)
def action_plan_sweep() -> dict[str, int]:
    """Every minute: flag overdue status and action plans once (R-CASE-9)."""
    return {"flagged": len(services.action_plan_sweep())}


@shared_task(ignore_result=True)
def monitoring_sweep() -> dict[str, int]:
    """Every few minutes: resolve cases whose monitoring period ended (R-CASE-12)."""
    return {"resolved": len(services.monitoring_sweep())}


@shared_task(ignore_result=True)
def fill_calendar_holidays() -> dict[str, int]:
    """The yearly duty (run monthly, idempotent): holidays of the current and the next year in
    every business calendar, from the holidays library (R-CASE-8)."""
    from portal.calendars import calendars_fill_holidays

    return {"added": calendars_fill_holidays()}
