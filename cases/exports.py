"""The CSV columns of the case list and the SLO report (``?format=csv``, portal/exports.py).

The header names are the API's field names; times are ISO 8601 in UTC with the offset.
"""

from __future__ import annotations

from typing import Any

CASE_COLUMNS = [
    "id",
    "partner",
    "customer",
    "customer_name",
    "region",
    "title",
    "category",
    "impact",
    "urgency",
    "severity",
    "status",
    "channel",
    "opened_at",
    "response_due_at",
    "acknowledged_at",
    "breached",
    "breached_at",
    "action_plan_due_at",
    "resolved_at",
    "closed_at",
    "reopen_count",
    "out_of_scope",
    "waiting_on_partner_seconds",
]


def case_row(case: Any) -> list[Any]:
    """One case (read with its customer and partner: no query per row)."""
    return [
        case.pk,
        case.partner.name,
        case.customer_id,
        case.customer.name,
        case.customer.region,
        case.title,
        case.category,
        case.impact,
        case.urgency,
        case.severity,
        case.status,
        case.channel,
        case.opened_at,
        case.response_due_at,
        case.acknowledged_at,
        case.breached,
        case.breached_at,
        case.action_plan_due_at,
        case.resolved_at,
        case.closed_at,
        case.reopen_count,
        case.out_of_scope,
        case.waiting_on_partner(),
    ]


SLO_COLUMNS = ["month", "severity", "met", "breached", "pending", "percent", "target", "meets_target"]


def slo_row(row: Any) -> list[Any]:
    return [
        row.month.strftime("%Y-%m"),
        row.severity,
        row.met,
        row.breached,
        row.pending,
        row.percent,
        row.target,
        row.meets_target,
    ]
