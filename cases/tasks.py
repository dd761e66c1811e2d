"""Thin Celery tasks of the cases app."""

from celery import shared_task

from portal.jobs import periodic

from . import sweep


@shared_task(ignore_result=True)
@periodic("cases-escalation-sweep")
def escalation_sweep() -> dict[str, int]:
    """Every minute (CELERY_BEAT_SCHEDULE): breach, warn and escalate due cases (R-CASE-10)."""
    result = sweep.escalation_sweep()
    return {
        "breached": len(result.breached),
        "warned": len(result.warned),
        "duty_manager": len(result.duty_manager),
        "head_of_support": len(result.head_of_support),
        "notifications": result.notifications,
    }


@shared_task(ignore_result=True)
@periodic("cases-action-plan-sweep")
def action_plan_sweep() -> dict[str, int]:
    """Every minute: flag overdue status and action plans once (R-CASE-9)."""
    return {"flagged": len(sweep.action_plan_sweep())}


@shared_task(ignore_result=True)
@periodic("cases-monitoring-sweep")
def monitoring_sweep() -> dict[str, int]:
    """Every few minutes: resolve cases whose monitoring period ended (R-CASE-12)."""
    return {"resolved": len(sweep.monitoring_sweep())}
