"""Test helpers of the capacity app: cases through the cases service, baselines, reports."""

from __future__ import annotations

from datetime import datetime

from capacity import services
from portal.models import Customer


def open_case(customer: Customer, user, title: str = "Grow to 1200 users"):
    """A TAC case for ``customer``, opened through the cases service (its public API)."""
    from cases.services import case_open

    return case_open(
        user=user,
        customer=customer,
        title=title,
        description="Expansion plan for more knowledge workers.",
        category="configuration",
        urgency="low",
        impact="individualized",
        contract_number=customer.contract_number,
        contact_name="Alice",
        contact_phone="+1 555 0100",
        contact_email="alice@acme.example",
    )


def set_baseline(customer: Customer, staff, kw: int = 1000, wd: int = 1500, **kwargs):
    return services.capacity_set_baseline(
        customer=customer, knowledge_workers=kw, workspace_devices=wd, actor=staff, **kwargs
    )


def report(customer: Customer, user, kw: int, wd: int, at: datetime | None = None):
    return services.provisioned_report(
        customer=customer, knowledge_workers=kw, workspace_devices=wd, actor=user, at=at
    )
