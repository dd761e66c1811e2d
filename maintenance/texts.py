"""Titles and descriptions the system writes for changes, rendered in the reader's language.

A change the system plans (a certificate renewal from the daily scan, an upgrade without a
typed title) stores no English text: it stores the kind of text and its values
(``Change.text_kind``, ``Change.text_params``), and every page, admin list, API answer and
calendar feed renders them here in the active language. The values are ids and codes, never
words: a release label, an application code, an instant in ISO 8601 and the region whose
zone shows it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import override

from portal.timefmt import region_zone, show_time

from .choices import ChangeTextKind

Params = Mapping[str, Any]


def certificate_renewal_params(
    *, common_name: str, application: str, expires_at: datetime, region: str
) -> dict[str, str]:
    return {
        "name": common_name,
        "app": str(application),
        "expires_at": expires_at.isoformat(),
        "region": str(region),
    }


def upgrade_params(*, release: str, applications: list[str]) -> dict[str, Any]:
    return {"release": release, "apps": sorted(applications)}


def _certificate_title(p: Params) -> str:
    return _("Certificate renewal: %(name)s (%(app)s)") % {"name": p["name"], "app": p["app"]}


def _certificate_description(p: Params) -> str:
    expires = show_time(datetime.fromisoformat(p["expires_at"]), zone=region_zone(p["region"]))
    return _("The certificate expires on %(date)s.") % {"date": expires}


def _upgrade_title(p: Params) -> str:
    return _("Upgrade to %(release)s") % {"release": p["release"]}


def _upgrade_description(p: Params) -> str:
    apps = ", ".join(p.get("apps") or []) or _("all applications")
    return _("Upgrade of %(apps)s to %(release)s.") % {"apps": apps, "release": p["release"]}


_TITLES: dict[str, Callable[[Params], str]] = {
    ChangeTextKind.CERTIFICATE_RENEWAL: _certificate_title,
    ChangeTextKind.UPGRADE: _upgrade_title,
}
_DESCRIPTIONS: dict[str, Callable[[Params], str]] = {
    ChangeTextKind.CERTIFICATE_RENEWAL: _certificate_description,
    ChangeTextKind.UPGRADE: _upgrade_description,
}


def _render(table: dict[str, Callable[[Params], str]], kind: str, params: Params) -> str:
    render = table.get(kind)
    if render is None:
        return ""
    try:
        return render(params or {})
    except (KeyError, TypeError, ValueError):  # values of an older shape: show no text
        return ""


def change_title(kind: str, params: Params) -> str:
    """The title of ``kind`` with ``params`` in the active language ("" without a kind)."""
    return _render(_TITLES, kind, params)


def change_description(kind: str, params: Params) -> str:
    return _render(_DESCRIPTIONS, kind, params)


def kinds_matching(term: str, languages: tuple[str, ...] = ("en", "pt-br")) -> list[str]:
    """The kinds whose fixed words contain ``term`` in any shipped language: a search for
    "renewal" or "renovação" finds the changes whose title the system renders."""
    term = term.casefold().strip()
    if not term:
        return []
    found = []
    for kind in _TITLES:
        for language in languages:
            with override(language):
                words = str(ChangeTextKind(kind).label) + " " + _TITLES[kind](_PLACEHOLDERS)
            if term in words.casefold():
                found.append(str(kind))
                break
    return found


_PLACEHOLDERS: Params = {"name": "", "app": "", "release": "", "apps": []}
