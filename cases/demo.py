"""Demo data of the cases app (``python manage.py demo``); idempotent by title.

Each demo customer gets cases across severities and states: a fresh S1 whose 15-minute
countdown runs, an S2 that breached its objective, S3/S4 cases in progress and waiting on the
partner, and a resolved one, so every page and the SLO report have something to show.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portal.models import Contact, Customer

from . import services, sweep
from .choices import Channel
from .models import Case

# customer name: [(title, category, impact, urgency, hours ago, then)]
PLAN = {
    "Alpha Bank": [
        (
            "Alpha Bank: no calls in or out at head office",
            "availability",
            "widespread",
            "critical",
            0.05,
            None,
        ),
        (
            "Alpha Bank: voicemail greetings cut off",
            "bug",
            "localized",
            "medium",
            30,
            "acknowledge",
        ),
        ("Alpha Bank: how to set up hunt groups", "how_to", "individualized", "low", 60, "await"),
        ("Alpha Bank: phones in branch 12 fail to register", "common", "large", "high", 3, None),
    ],
    "Atlas Logistics": [
        (
            "Atlas Logistics: soft client login fails with SSO",
            "configuration",
            "localized",
            "high",
            2,
            "acknowledge",
        ),
        (
            "Atlas Logistics: dial plan for new site",
            "configuration",
            "individualized",
            "medium",
            200,
            "resolve",
        ),
    ],
    "Beta Retail": [
        ("Beta Retail: one-way audio on store phones", "common", "large", "high", 1, None),
        (
            "Beta Retail: LDAP sync misses new users",
            "configuration",
            "individualized",
            "medium",
            20,
            "acknowledge",
        ),
    ],
}


DEMO_TRACE = (
    b"INVITE sip:+15550100@gw1.example SIP/2.0\r\nVia: SIP/2.0/TLS 10.0.0.5:5061\r\n"
    b"SIP/2.0 488 Not Acceptable Here\r\n"
)


@transaction.atomic
def load() -> None:
    User = get_user_model()
    staff = User.objects.filter(is_staff=True).order_by("pk").first()
    if staff is None:
        return
    now = timezone.now()
    customers = {
        c.name: c for c in Customer.objects.filter(name__in=PLAN).select_related("partner")
    }
    for name, cases in PLAN.items():
        customer = customers.get(name)
        if customer is None:
            continue
        for title, category, impact, urgency, hours_ago, then in cases:
            if Case.objects.filter(customer=customer, title=title).exists():
                continue
            opened_at = now - timedelta(hours=hours_ago)
            case = services.case_open(
                user=staff,
                customer=customer,
                title=title,
                description=f"{title}.\n\nReported by the partner's support desk.",
                category=category,
                impact=impact,
                urgency=urgency,
                contract_number=customer.contract_number,
                contact_name="Partner support desk",
                contact_phone="+1 555 0100",
                contact_email=f"support@{customer.partner.slug}.example",
                channel=Channel.PHONE if urgency == "critical" else Channel.WEB,
                opened_at=opened_at,
                now=now,
            )
            if then in ("acknowledge", "await", "resolve"):
                services.case_acknowledge(user=staff, case=case, now=min(now, case.response_due_at))
                services.case_transition(
                    user=staff, case=case, status="in_progress", note="Investigating."
                )
                services.case_assign(actor=staff, case=case, owner=staff)  # tess's queue
            if then == "await":
                services.case_await_partner(
                    user=staff, case=case, note="Please send a packet capture."
                )
                services.case_attachment_add(
                    actor=staff,
                    case=case,
                    file=ContentFile(DEMO_TRACE, name="sip-trace.txt"),
                    now=now,
                )
            if then == "resolve":
                services.case_resolve(user=staff, case=case, note="Dial plan configured.")
    # The partner's NOC follows each customer's newest case (it receives its messages).
    for customer in customers.values():
        case = Case.objects.filter(customer=customer).order_by("-opened_at").first()
        noc = Contact.objects.filter(
            partner_id=customer.partner_id, customer=None, email__startswith="noc@"
        ).first()
        if case is not None and noc is not None:
            services.case_watcher_add(actor=staff, case=case, contact=noc, now=now)
    # Anything already overdue is breached now, as the beat task would.
    sweep.escalation_sweep(now=now)
