"""Files attached to a case: logs, packet captures, screenshots, traces."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime
from pathlib import PureWindowsPath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import DomainError

from ..choices import EventKind
from ..models import Case, CaseAttachment, CaseEvent
from ._common import _actor_name, _require_access

CHUNK = 1024 * 1024


def attachment_max_bytes() -> int:
    """``CASE_ATTACHMENT_MAX_MB`` (default 50) in bytes."""
    return int(getattr(settings, "CASE_ATTACHMENT_MAX_MB", 50)) * 1024 * 1024


def clean_file_name(name: str) -> str:
    """The base name only (no folders, Windows or POSIX), without control characters, at most
    255 characters with the extension kept; "attachment" when nothing is left."""
    base = PureWindowsPath(str(name or "")).name  # splits on both "/" and "\\"
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 254 - len(ext)] + dot + ext) if dot and len(ext) < 20 else base[:255]
    return base or "attachment"


def _as_file(file: Any) -> File:
    if isinstance(file, bytes | bytearray):
        return ContentFile(bytes(file), name="attachment")
    if isinstance(file, File):
        return file
    return File(file, name=getattr(file, "name", None) or "attachment")


def _measure(file: File, limit: int) -> tuple[int, str]:
    """Size and SHA-256, read in chunks; stops reading as soon as the limit is passed."""
    digest = hashlib.sha256()
    size = 0
    if hasattr(file, "seek"):
        file.seek(0)
    for chunk in file.chunks(CHUNK):
        size += len(chunk)
        if size > limit:
            break
        digest.update(chunk)
    if hasattr(file, "seek"):
        file.seek(0)
    return size, digest.hexdigest()


@transaction.atomic
def case_attachment_add(
    *,
    actor: Any,
    case: Case,
    file: Any,
    name: str | None = None,
    contact: Any = None,
    now: datetime | None = None,
) -> CaseAttachment:
    """Attach a file to a case, by a user (staff or the case's partner) or, for an e-mail
    reply, by one of the partner's contacts (``contact=``, ``actor`` then may be None).

    Refused on the field ``file`` when empty or above ``CASE_ATTACHMENT_MAX_MB``. The file is
    stored through the "attachments" storage under a random path; the size and the SHA-256
    are computed from what is stored, the declared content type only recorded.
    """
    now = now or timezone.now()
    if contact is not None:
        if contact.partner_id != case.partner_id:
            raise DomainError(_("This case does not exist."), field="case")
        if actor is not None:
            _require_access(actor, case)
    else:
        _require_access(actor, case)
    if file is None:
        raise DomainError(_("Choose a file to attach."), field="file")
    upload = _as_file(file)
    limit = attachment_max_bytes()
    declared_size = getattr(upload, "size", None)
    if declared_size is not None and declared_size > limit:
        raise _too_large(limit)
    size, sha256 = _measure(upload, limit)
    if size > limit:
        raise _too_large(limit)
    if size == 0:
        raise DomainError(_("The file is empty."), field="file")
    original = clean_file_name(name or getattr(upload, "name", "") or "")
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    uploader = (
        (contact.name or contact.email)
        if contact is not None and user is None
        else _actor_name(user)
    )
    attachment = CaseAttachment(
        case=case,
        original_name=original,
        size=size,
        sha256=sha256,
        declared_content_type=str(getattr(upload, "content_type", "") or "")[:150],
        uploaded_by=user,
        uploaded_by_contact=contact,
        uploader_name=uploader[:200],
        created_at=now,
    )
    attachment.file.save(original, upload, save=False)
    try:
        attachment.save()
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.ATTACHMENT,
            at=now,
            actor=user,
            actor_name=uploader[:150],
            text=original,
            data={"attachment": attachment.pk, "size": size, "sha256": sha256},
        )
    except Exception:
        attachment.file.delete(save=False)  # no row, no file
        raise
    return attachment


def _too_large(limit: int) -> DomainError:
    return DomainError(
        _("The file is larger than the limit of %(limit)s.") % {"limit": filesizeformat(limit)},
        field="file",
    )
