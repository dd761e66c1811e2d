"""Thin Celery tasks of the core: they call services and return their counts."""

from celery import shared_task

from . import notifications, services
from .jobs import periodic


@shared_task(ignore_result=True)
@periodic("deliver-notifications")
def deliver_notifications() -> dict[str, int]:
    return notifications.deliver_due()


@shared_task(ignore_result=True)
@periodic("contact-review")
def request_contact_reviews() -> int:
    return services.contact_review_request_due()


@shared_task(ignore_result=True)
@periodic("calendars-fill-holidays")
def fill_calendar_holidays() -> dict[str, int]:
    """The yearly duty (run monthly, idempotent): holidays of the current and the next year in
    every business calendar, from the holidays library (R-CASE-8)."""
    from .calendars import calendars_fill_holidays

    return {"added": calendars_fill_holidays()}


@shared_task(ignore_result=True)
@periodic("deliver-webhooks")
def deliver_webhooks() -> dict[str, int]:
    """R-NOT-4: send the due webhook deliveries (claimed, so two workers send each once)."""
    from . import webhooks

    return webhooks.deliver_due()
