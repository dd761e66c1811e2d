"""Demo data of the maintenance app (``python manage.py demo``); idempotent by title.

A service-impacting change three weeks out with its notice sent (the reschedule period is
open), a routine change next week, certificates close to expiry, a patch file request, a
resolved outage and an ongoing one with its updates, a freeze period for each partner's first
customer six weeks out, so the calendar, change pages, checklist, bulletins and the
current-status page have content.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from portal.choices import Application
from portal.models import Customer

from . import services
from .choices import ChangeKind, PatchKind
from .models import Certificate, Change, FreezePeriod, Outage, PatchRequest
from .windows import next_windows


def _schedule(
    staff, customer, *, kind: str, title: str, weeks_ahead: int, notice: bool, now
) -> None:
    if Change.objects.filter(partner=customer.partner, title=title).exists():
        return
    window = next_windows(customer.region, now + timedelta(weeks=weeks_ahead), 1)[0]
    change = services.change_schedule(
        actor=staff,
        partner=customer.partner,
        kind=kind,
        title=title,
        customers=[customer],
        start=window.start + timedelta(hours=1),
        end=window.start + timedelta(hours=4),
        description=f"{title}. Calling may be interrupted for up to three hours.",
        now=now,
    )
    if notice:
        services.change_send_notice(actor=staff, change=change, now=now)


@transaction.atomic
def load() -> None:
    staff = get_user_model().objects.filter(is_staff=True).order_by("pk").first()
    if staff is None:
        return
    now = timezone.now()
    customers = {c.name: c for c in Customer.objects.select_related("partner")}
    alpha, beta = customers.get("Alpha Bank"), customers.get("Beta Retail")
    if alpha:
        _schedule(
            staff,
            alpha,
            kind=ChangeKind.SERVICE_IMPACTING,
            title="Alpha Bank: call manager database maintenance",
            weeks_ahead=3,
            notice=True,
            now=now,
        )
        _schedule(
            staff,
            alpha,
            kind=ChangeKind.ROUTINE,
            title="Alpha Bank: voicemail storage clean-up",
            weeks_ahead=1,
            notice=False,
            now=now,
        )
        if not Certificate.objects.filter(customer=alpha).exists():
            Certificate.objects.create(
                customer=alpha,
                application=Application.CUCM,
                common_name="cucm.alpha-bank.example",
                expires_at=now + timedelta(days=5),
            )
            Certificate.objects.create(
                customer=alpha,
                application=Application.EXPRESSWAY,
                common_name="exp.alpha-bank.example",
                expires_at=now + timedelta(days=60),
            )
        if not PatchRequest.objects.filter(customer=alpha).exists():
            partner_admin = (
                get_user_model()
                .objects.filter(membership__partner=alpha.partner)
                .order_by("pk")
                .first()
            )
            if partner_admin is not None:
                services.patch_request_create(
                    actor=partner_admin,
                    customer=alpha,
                    kind=PatchKind.PHONE_FIRMWARE,
                    file_name="cmterm-8845-sip.14-2-1.cop.sha512",
                )
    if beta:
        _schedule(
            staff,
            beta,
            kind=ChangeKind.SERVICE_IMPACTING,
            title="Beta Retail: session border upgrade",
            weeks_ahead=4,
            notice=True,
            now=now,
        )
    if alpha and not Outage.objects.filter(title="Voicemail unavailable").exists():
        outage = services.outage_declare(
            actor=staff,
            title="Voicemail unavailable",
            customers=[alpha],
            description="Voicemail deposit fails for some users.",
            applications=[Application.CUCXN],
            regions=[alpha.region],
            now=now - timedelta(days=2),
        )
        services.outage_resolve(
            actor=staff,
            outage=outage,
            resolution="Storage node replaced.",
            now=now - timedelta(days=2) + timedelta(hours=3),
        )
    for customer, reason in ((alpha, "Quarter-end trading"), (beta, "Store opening week")):
        if customer and not FreezePeriod.objects.filter(customer=customer).exists():
            start = (now + timedelta(weeks=6)).replace(hour=0, minute=0, second=0, microsecond=0)
            services.freeze_period_create(
                actor=staff, customer=customer, start=start, end=start + timedelta(days=3),
                reason=reason, now=now,
            )
    if alpha and not Outage.objects.filter(title="Instant messaging degraded").exists():
        # An ongoing outage with its timeline, for the current-status page and the Atom feed.
        outage = services.outage_declare(
            actor=staff,
            title="Instant messaging degraded",
            customers=[alpha],
            description="Some users cannot sign in to instant messaging.",
            applications=[Application.IMP],
            regions=[alpha.region],
            now=now - timedelta(hours=2),
        )
        services.outage_update_post(
            actor=staff,
            outage=outage,
            status="identified",
            text="A certificate on the presence cluster expired early; a new one is issued.",
            now=now - timedelta(hours=1, minutes=20),
        )
        services.outage_update_post(
            actor=staff,
            outage=outage,
            status="monitoring",
            text="The new certificate is installed; sign-ins are recovering.",
            now=now - timedelta(minutes=25),
        )
    # The daily certificate scan plans the renewal in the 3-7 day band (R-MNT-6).
    services.certificates_scan(now=now)
