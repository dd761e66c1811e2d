"""Patch (COP) files (R-MNT-11) and vulnerability scan requests.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import DomainError
from portal.models import Customer
from portal.notifications import notify

from .. import rules
from ..choices import (
    PatchStatus,
)
from ..models import (
    PatchRequest,
)
from ._common import _require_partner_of, _require_staff, _tell_change_management

# --- patch (COP) files (R-MNT-11) --------------------------------------------------------------


@transaction.atomic
def patch_request_create(
    *, actor: Any, customer: Customer, kind: str, file_name: str, note: str = ""
) -> PatchRequest:
    _require_partner_of(actor, customer.partner_id)
    if not (file_name or "").strip():
        raise DomainError(_("Name the file you need."), field="file_name", rule="R-MNT-11")
    patch = PatchRequest.objects.create(
        partner_id=customer.partner_id,
        customer=customer,
        kind=kind,
        file_name=file_name.strip(),
        note=note,
        requested_by=actor if getattr(actor, "pk", None) else None,
    )
    _tell_change_management(
        kind="operator.patch_requested",
        context={"file": patch.file_name, "customers": [customer.pk], "note": note},
        related=patch,
        dedupe_key=f"patch:{patch.pk}:requested",
    )
    return patch


@transaction.atomic
def patch_mark_uploaded(*, actor: Any, patch: PatchRequest, now=None) -> PatchRequest:
    """The operator only uploads the file to the instance's SFTP server (R-MNT-11)."""
    _require_staff(actor)
    now = now or timezone.now()
    updated = PatchRequest.objects.filter(pk=patch.pk, status=PatchStatus.REQUESTED).update(
        status=PatchStatus.UPLOADED, uploaded_at=now
    )
    if not updated:
        raise DomainError(
            _("Only a requested file can be uploaded."), field="status", rule="R-MNT-11"
        )
    patch.refresh_from_db()
    notify(
        kind="patch.uploaded",
        partner=patch.partner_id,
        customer=patch.customer_id,
        context={"patch": patch.pk},
        related=patch,
        dedupe_key=f"patch:{patch.pk}:uploaded",
    )
    return patch


@transaction.atomic
def patch_mark_installed(*, actor: Any, patch: PatchRequest, now=None) -> PatchRequest:
    """The partner installs the file itself and says so (R-MNT-11)."""
    _require_partner_of(actor, patch.partner_id)
    updated = PatchRequest.objects.filter(pk=patch.pk, status=PatchStatus.UPLOADED).update(
        status=PatchStatus.INSTALLED, installed_at=now or timezone.now()
    )
    if not updated:
        raise DomainError(
            _("Only an uploaded file can be marked installed."), field="status", rule="R-MNT-11"
        )
    patch.refresh_from_db()
    return patch


def vulnerability_scan_request(*, actor: Any, **details: Any) -> None:
    """Always refused, with the explanation (R-MNT-10)."""
    raise DomainError(rules.VULNERABILITY_SCAN_REFUSAL, rule="R-MNT-10")
