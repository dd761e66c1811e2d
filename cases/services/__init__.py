"""Every write of the cases app (R-CASE-1 … R-CASE-13), by topic.

Admin, portal, API, Celery task and management command all call these functions; each runs
in one transaction, raises :class:`portal.errors.DomainError` naming the field and the rule,
and writes the timeline and the notifications (outbox) in the same transaction.
"""

from ._common import (
    case_summary,
    case_url,
    monitoring_days_default,
    reopen_period,
    warning_fraction,
)
from .assignment import (
    case_assign,
    owner_display_name,
)
from .attachments import (
    attachment_max_bytes,
    case_attachment_add,
)
from .lifecycle import (
    case_await_partner,
    case_close,
    case_comment,
    case_mark_out_of_scope,
    case_monitor,
    case_reopen,
    case_report_recurrence,
    case_resolve,
    case_resume,
    case_set_action_plan,
    case_transition,
)
from .links import (
    case_link_check,
    cases_for_ids,
)
from .opening import (
    case_open,
)
from .severity import (
    case_acknowledge,
    case_change_severity,
    case_request_escalation,
)
from .watchers import (
    case_watcher_add,
    case_watcher_remove,
    check_case_contact,
)

__all__ = [
    "attachment_max_bytes",
    "case_attachment_add",
    "case_acknowledge",
    "case_assign",
    "case_await_partner",
    "case_change_severity",
    "case_close",
    "case_comment",
    "case_link_check",
    "case_mark_out_of_scope",
    "case_monitor",
    "case_open",
    "case_reopen",
    "case_report_recurrence",
    "case_request_escalation",
    "case_resolve",
    "case_resume",
    "case_set_action_plan",
    "case_summary",
    "case_transition",
    "case_url",
    "case_watcher_add",
    "case_watcher_remove",
    "check_case_contact",
    "cases_for_ids",
    "monitoring_days_default",
    "owner_display_name",
    "reopen_period",
    "warning_fraction",
]
