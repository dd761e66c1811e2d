"""Certificates (R-MNT-6): the daily expiry scan, the inventory and SSO checklists.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import jobs
from portal.errors import DomainError
from portal.models import Customer

from .. import rules
from ..choices import (
    ChangeKind,
    ChangeTextKind,
)
from ..models import (
    Certificate,
    Change,
    SsoChecklist,
    SsoChecklistStep,
)
from ..texts import certificate_renewal_params
from ._common import BATCH_SIZE, _open_renewal, _require_partner_of, _require_staff
from .changes import change_schedule

# --- certificates (R-MNT-6) --------------------------------------------------------------------

CERTIFICATE_LOOKAHEAD = timedelta(days=14)


def certificates_scan(*, now: datetime | None = None) -> dict[str, int]:
    """The daily scan: for each certificate nearing expiry without a renewal for its current
    expiry, create the renewal change in the first weekday window 3–7 days before expiry.
    Idempotent: ``renewal_for_expiry`` is claimed with the change in one transaction."""
    now = now or timezone.now()

    def renew(ids: list[int]) -> dict[str, int]:
        created = unplaceable = 0
        certificates = (
            Certificate.objects.filter(pk__in=ids)
            .select_related("customer", "customer__partner")
            .order_by("pk")
        )
        for cert in certificates:
            cert.renewal_for_expiry = cert.expires_at
            # R-MNT-6: an open renewal is never re-pointed nor unlinked by the scan.
            kept = _open_renewal(cert)
            change = kept or _schedule_renewal(cert, now)
            cert.renewal_change = change
            cert.save(update_fields=["renewal_for_expiry", "renewal_change"])
            if change is None:
                unplaceable += 1
            elif kept is None:
                created += 1
        return {"created": created, "unplaceable": unplaceable}

    run = jobs.run_batches(
        name="maintenance certificates scan",
        due=lambda: Certificate.objects.filter(
            expires_at__gt=now, expires_at__lte=now + CERTIFICATE_LOOKAHEAD
        ).exclude(renewal_for_expiry=F("expires_at")),
        handle=renew,
        batch_size=BATCH_SIZE,
    )
    return {key: run.counts.get(key, 0) for key in ("created", "unplaceable")}


@transaction.atomic
def certificate_save(
    *,
    actor: Any,
    customer: Customer,
    application: str,
    common_name: str,
    expires_at: datetime,
    certificate: Certificate | None = None,
) -> Certificate:
    """Staff record or correct a certificate of the inventory (R-MNT-6). A certificate whose
    renewal is open keeps its customer, and its new expiry keeps the renewal in its band."""
    _require_staff(actor)
    if certificate is not None:
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        renewal = _open_renewal(certificate)
        if renewal is not None:
            if customer.pk != certificate.customer_id:
                raise DomainError(
                    _("A certificate with an open renewal keeps its customer."),
                    field="customer",
                    rule="R-MNT-6",
                )
            if renewal.start is not None and rules.certificate_renewal_violation(
                expires_at=expires_at, start=renewal.start
            ):
                raise DomainError(
                    _(
                        "This expiry would put the open renewal outside 3 to 7 days before "
                        "expiry; move or cancel the renewal first."
                    ),
                    field="expires_at",
                    rule="R-MNT-6",
                )
    else:
        certificate = Certificate()
    duplicate = Certificate.objects.filter(
        customer=customer, application=application, common_name=common_name
    ).exclude(pk=certificate.pk)
    if duplicate.exists():
        raise DomainError(
            _("This customer already has this certificate."), field="common_name", rule="R-MNT-6"
        )
    certificate.customer = customer
    certificate.application = application
    certificate.common_name = common_name
    certificate.expires_at = expires_at
    certificate.save()
    return certificate


@transaction.atomic
def certificate_delete(*, actor: Any, certificate: Certificate) -> None:
    """A certificate with an open renewal change is not removed from under it (R-MNT-6)."""
    _require_staff(actor)
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if _open_renewal(certificate) is not None:
        raise DomainError(
            _("Cancel the open renewal change of this certificate first."),
            rule="R-MNT-6",
        )
    certificate.delete()


def _schedule_renewal(cert: Certificate, now: datetime) -> Change | None:
    customer = cert.customer
    window = rules.renewal_window(customer.region, cert.expires_at, now)
    candidates = [window] if window else []
    # A busy window (another change on the customer) moves the renewal to the next one.
    while candidates:
        window = candidates.pop()
        start, end = window.start, window.start + timedelta(hours=2)
        try:
            with transaction.atomic():
                return change_schedule(
                    actor=None,
                    partner=customer.partner,
                    kind=ChangeKind.CERTIFICATE_RENEWAL,
                    title="",
                    text_kind=ChangeTextKind.CERTIFICATE_RENEWAL,
                    text_params=certificate_renewal_params(
                        common_name=cert.common_name,
                        application=cert.application,
                        expires_at=cert.expires_at,
                        region=customer.region,
                    ),
                    customers=[customer],
                    start=start,
                    end=end,
                    urgent=True,
                    certificate=cert,
                    now=now,
                )
        except DomainError:
            later = rules.renewal_window(customer.region, cert.expires_at, window.end)
            if later is not None:
                candidates.append(later)
    return None


@transaction.atomic
def sso_step_set(*, actor: Any, step: SsoChecklistStep, done: bool, now=None) -> SsoChecklist:
    """The partner ticks (or unticks) one step; the checklist completes with the last."""
    checklist = step.checklist
    _require_partner_of(actor, checklist.customer.partner_id)
    now = now or timezone.now()
    SsoChecklistStep.objects.filter(pk=step.pk).update(
        done_at=now if done else None, done_by=actor if done else None
    )
    open_steps = checklist.steps.filter(done_at__isnull=True).exists()
    checklist.completed_at = None if open_steps else now
    checklist.save(update_fields=["completed_at"])
    return checklist
