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
