"""Every write of the maintenance app, by topic. Views, the API, the admin and the beat call these
as ``from maintenance import services; services.change_create(...)``.

Rules live in ``maintenance.rules`` (pure); a broken rule becomes a ``DomainError`` naming the
field and the rule. Notices go through the outbox (``portal.notifications.notify``) inside the
same transaction, with an event key that makes each one exactly-once per contact. Periodic
duties claim their due rows through ``portal.jobs`` and change them in the same transaction as
the notices they send.
"""

from ._common import (
    BATCH_SIZE,
    MAINTENANCE,
    reminder_hours,
    validate_schedule,
)
from .certificates import (
    CERTIFICATE_LOOKAHEAD,
    certificate_delete,
    certificate_save,
    certificates_scan,
    sso_step_set,
)
from .changes import (
    change_cancel,
    change_complete,
    change_create,
    change_declare_emergency,
    change_plan,
    change_schedule,
    change_send_notice,
)
from .duties import (
    changes_close_reschedule_periods,
    changes_complete_due,
    changes_send_due_reminders,
    changes_start_due,
    maintenance_tick,
)
from .emergencies import partner_emergency_report
from .feed import calendar_feed_get_or_create, calendar_feed_rotate
from .freezes import freeze_period_create, freeze_period_delete, freeze_period_update
from .outages import outage_declare, outage_notify, outage_resolve, outage_update_post
from .patches import (
    patch_mark_installed,
    patch_mark_uploaded,
    patch_request_create,
    vulnerability_scan_request,
)
from .requests import change_request_by_partner, change_review
from .reschedules import (
    reschedule_alternatives_for,
    reschedule_choose,
    reschedule_close,
    reschedule_offer_alternatives,
    reschedule_request_create,
)

__all__ = [
    "BATCH_SIZE",
    "CERTIFICATE_LOOKAHEAD",
    "MAINTENANCE",
    "calendar_feed_get_or_create",
    "calendar_feed_rotate",
    "certificate_delete",
    "certificate_save",
    "certificates_scan",
    "change_cancel",
    "change_complete",
    "change_create",
    "change_declare_emergency",
    "change_plan",
    "change_request_by_partner",
    "change_review",
    "change_schedule",
    "change_send_notice",
    "changes_close_reschedule_periods",
    "changes_complete_due",
    "changes_send_due_reminders",
    "changes_start_due",
    "freeze_period_create",
    "freeze_period_delete",
    "freeze_period_update",
    "maintenance_tick",
    "outage_declare",
    "outage_notify",
    "outage_resolve",
    "outage_update_post",
    "partner_emergency_report",
    "patch_mark_installed",
    "patch_mark_uploaded",
    "patch_request_create",
    "reminder_hours",
    "reschedule_alternatives_for",
    "reschedule_choose",
    "reschedule_close",
    "reschedule_offer_alternatives",
    "reschedule_request_create",
    "sso_step_set",
    "validate_schedule",
    "vulnerability_scan_request",
]
