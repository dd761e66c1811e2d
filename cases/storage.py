"""Where case attachments are stored: the ``attachments`` alias of ``settings.STORAGES``.

A local folder by default, an S3-compatible bucket when ``ATTACHMENTS_S3_BUCKET`` is set
(``portal/settings.py``). The field's storage is a thin proxy that looks the alias up on every
use, so a changed ``STORAGES`` (tests, a settings override) takes effect without reloading the
models.
"""

from __future__ import annotations

import secrets
from pathlib import PurePosixPath
from typing import Any

from django.core.files.storage import Storage, storages
from django.utils.deconstruct import deconstructible

ALIAS = "attachments"


def current_storage() -> Storage:
    return storages[ALIAS]


@deconstructible(path="cases.storage.AttachmentStorage")
class AttachmentStorage(Storage):
    """Delegates every call to the configured ``attachments`` storage."""

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("__") or name in {"deconstruct", "_constructor_args"}:
            return object.__getattribute__(self, name)
        return getattr(current_storage(), name)


_proxy = AttachmentStorage()


def attachment_storage() -> Storage:
    return _proxy


def attachment_upload_to(instance: Any, filename: str) -> str:
    """``cases/<case id>/<random>/<safe name>``: nothing guessable, no two uploads collide;
    the original name is kept in the row, the stored one only keeps a safe suffix."""
    suffix = PurePosixPath(filename).suffix.lower()
    if not suffix[1:].isalnum() or len(suffix) > 10:
        suffix = ""
    return f"cases/{instance.case_id}/{secrets.token_urlsafe(18)}/file{suffix}"
