"""Demo data of the capacity app (``python manage.py demo``); get-or-create, so idempotent.

Every customer gets approved capacity and two months of weekly provisioned counts growing
at its own pace, so the list shows green, amber and red bars and real forecasts.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from portal.models import Customer

from . import services
from .choices import BaselineReasonKind
from .models import CapacityBaseline, CapacityRequest

# customer: (approved knowledge workers, approved devices, start share, weekly growth share)
PLAN = {
    "Alpha Bank": (1000, 1500, 0.70, 0.02),
    "Atlas Logistics": (400, 600, 0.40, 0.01),
    "Aurora Health": (250, 300, 0.80, 0.02),
    "Beta Retail": (2000, 2500, 0.30, 0.0),
    "Bravo Energy": (600, 900, 0.60, 0.03),
}


@transaction.atomic
def load() -> None:
    staff = get_user_model().objects.filter(is_staff=True).order_by("pk").first()
    now = timezone.now()
    for customer in Customer.objects.filter(name__in=PLAN).select_related("partner"):
        kw, wd, share, growth = PLAN[customer.name]
        if not CapacityBaseline.objects.filter(customer=customer).exists():
            services.capacity_set_baseline(
                customer=customer,
                knowledge_workers=kw,
                workspace_devices=wd,
                actor=staff,
                reason_kind=BaselineReasonKind.ACTIVATION,
                at=now - timedelta(days=90),
            )
        if not customer.provisioned_reports.exists():
            for week in range(9, -1, -1):
                level = min(share + growth * (9 - week), 1.0)
                services.provisioned_report(
                    customer=customer,
                    knowledge_workers=int(kw * level),
                    workspace_devices=int(wd * level * 0.8),
                    actor=staff,
                    at=now - timedelta(weeks=week),
                )
    alpha = Customer.objects.filter(name="Alpha Bank").first()
    if alpha and staff and not CapacityRequest.objects.filter(customer=alpha).exists():
        from cases.services import case_open

        case = case_open(
            user=staff,
            customer=alpha,
            title="Capacity expansion for the new branch",
            description="Alpha Bank opens a branch with 300 more knowledge workers.",
            category="configuration",
            urgency="low",
            impact="individualized",
            contract_number=alpha.contract_number,
            contact_name="Acme NOC",
            contact_phone="+1 555 0100",
            contact_email="noc@acme.example",
        )
        services.capacity_request_submit(
            customer=alpha,
            knowledge_workers=1300,
            workspace_devices=1800,
            reason="New branch opening next quarter.",
            case=case,
            actor=staff,
        )
    services.capacity_notify_thresholds()
