"""System checks that catch a production set-up mistake before the first request does."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.staticfiles, deploy=True)
def static_files_collected(app_configs, **kwargs) -> list[Error]:
    """With DEBUG off, pages link to the hashed names of ``collectstatic``'s manifest: without
    it every page would fail, so say so at deploy time."""
    if settings.DEBUG:
        return []
    backend = settings.STORAGES["staticfiles"]["BACKEND"]
    if "Manifest" not in backend:
        return []
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        return []
    return [
        Error(
            f"DEBUG is off and {manifest} does not exist.",
            hint="Run `manage.py collectstatic --noinput` before starting the web process.",
            id="portal.E001",
        )
    ]
