"""Titles and descriptions the system wrote as text become a kind of text and its values.

Certificate renewals ("Certificate renewal: NAME (APP)" / "Renovação de certificado: …",
"The certificate expires on …" / "O certificado expira em …") and upgrades ("Upgrade to
RELEASE" / "Atualização de versão para …", "Upgrade of APPS to RELEASE." / …) were stored in
whatever language was active when the system planned them. A row whose title or description
matches one of these renderings, in English or Brazilian Portuguese, keeps no text: its
``text_kind`` and ``text_params`` render it in the reader's language. Any other text was typed
by a person and stays as it is. The patterns are frozen here, as the texts were when written.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import migrations

CERTIFICATE = "certificate_renewal"
UPGRADE = "upgrade"

REGION_ZONES = {
    "AMER": "America/New_York",
    "APJC": "Asia/Tokyo",
    "AUS": "Australia/Sydney",
    "EMEA": "Europe/Paris",
}
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

CERTIFICATE_TITLES = [
    re.compile(r"^Certificate renewal: (?P<name>.+) \((?P<app>[A-Za-z]+)\)$"),
    re.compile(r"^Renovação de certificado: (?P<name>.+) \((?P<app>[A-Za-z]+)\)$"),
]
CERTIFICATE_DESCRIPTIONS = [
    re.compile(r"^The certificate expires on (?P<date>.+)\.$"),
    re.compile(r"^O certificado expira em (?P<date>.+)\.$"),
]
UPGRADE_TITLES = [
    re.compile(r"^Upgrade to (?P<release>.+)$"),
    re.compile(r"^Atualização de versão para (?P<release>.+)$"),
]
UPGRADE_DESCRIPTIONS = [
    re.compile(r"^Upgrade of (?P<apps>.+) to (?P<release>.+)\.$"),
    re.compile(r"^Atualização de versão de (?P<apps>.+) para (?P<release>.+)\.$"),
]
ALL_APPLICATIONS = {"all applications", "todas as aplicações"}

_EN_TIME = re.compile(r"^(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}), (\d{2}):(\d{2})\b")
_PT_TIME = re.compile(r"^(\d{2})/(\d{2})/(\d{4}) (\d{2}):(\d{2})\b")


def _match(patterns: list[re.Pattern], text: str) -> dict[str, str] | None:
    for pattern in patterns:
        found = pattern.match((text or "").strip())
        if found:
            return found.groupdict()
    return None


def parse_shown_time(text: str, region: str) -> datetime | None:
    """An instant as ``portal.timefmt.show_time`` wrote it (either language), read back in
    the zone of the customer's region; None when it is in no known shape."""
    zone = ZoneInfo(REGION_ZONES.get(region, "UTC"))
    if found := _EN_TIME.match(text):
        day, month, year, hour, minute = found.groups()
        if month not in MONTHS_EN:
            return None
        month_number = MONTHS_EN.index(month) + 1
    elif found := _PT_TIME.match(text):
        day, month, year, hour, minute = found.groups()
        month_number = int(month)
    else:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    return datetime(int(year), month_number, int(day), int(hour), int(minute), tzinfo=zone)


def convert(
    *,
    kind: str,
    title: str,
    description: str,
    region: str,
    certificate_expiry: datetime | None = None,
) -> dict[str, Any] | None:
    """The new values of a change's text fields, or None when nothing was generated.

    Pure, so the tests can call it with every rendering."""
    if kind == CERTIFICATE:
        head = _match(CERTIFICATE_TITLES, title)
        if head is None:
            return None
        expiry = certificate_expiry
        body = _match(CERTIFICATE_DESCRIPTIONS, description)
        if body is not None:
            expiry = parse_shown_time(body["date"], region) or expiry
        if expiry is None:  # nothing to render the expiry from: keep the description typed
            body = None
        params = {"name": head["name"], "app": head["app"], "region": region}
        if expiry is not None:
            params["expires_at"] = expiry.isoformat()
        return {
            "title": "",
            "description": "" if body is not None else description,
            "text_kind": CERTIFICATE,
            "text_params": params,
        }
    if kind == UPGRADE:
        head = _match(UPGRADE_TITLES, title)
        body = _match(UPGRADE_DESCRIPTIONS, description)
        if head is None and body is None:
            return None
        release = (head or body)["release"]
        if head is not None and body is not None and body["release"] != release:
            body = None  # a description about another release was typed
        apps: list[str] = []
        if body is not None and body["apps"] not in ALL_APPLICATIONS:
            apps = sorted(a.strip() for a in body["apps"].split(","))
        return {
            "title": "" if head is not None else title,
            "description": "" if body is not None else description,
            "text_kind": UPGRADE,
            "text_params": {"release": release, "apps": apps},
        }
    return None


def forwards(apps, schema_editor) -> None:
    Change = apps.get_model("maintenance", "Change")
    Certificate = apps.get_model("maintenance", "Certificate")
    rows = Change.objects.filter(kind__in=[CERTIFICATE, UPGRADE], text_kind="").prefetch_related(
        "customers"
    )
    for change in rows.iterator(chunk_size=500):
        customers = sorted(change.customers.all(), key=lambda c: c.pk)
        certificate = Certificate.objects.filter(renewal_change_id=change.pk).first()
        if certificate is not None:
            region = certificate.customer.region
        else:
            region = customers[0].region if customers else ""
        new = convert(
            kind=change.kind,
            title=change.title,
            description=change.description,
            region=region,
            certificate_expiry=certificate.expires_at if certificate else None,
        )
        if new is None:
            continue
        for field, value in new.items():
            setattr(change, field, value)
        change.save(update_fields=list(new))


def backwards(apps, schema_editor) -> None:
    """Write the English rendering back as text, so the previous code shows a title."""
    Change = apps.get_model("maintenance", "Change")
    for change in Change.objects.exclude(text_kind="").iterator(chunk_size=500):
        p = change.text_params or {}
        if change.text_kind == CERTIFICATE:
            change.title = change.title or f"Certificate renewal: {p.get('name')} ({p.get('app')})"
            if not change.description and p.get("expires_at"):
                change.description = f"The certificate expires on {p['expires_at']}."
        elif change.text_kind == UPGRADE:
            change.title = change.title or f"Upgrade to {p.get('release')}"
            if not change.description:
                apps_text = ", ".join(p.get("apps") or []) or "all applications"
                change.description = f"Upgrade of {apps_text} to {p.get('release')}."
        change.text_kind = ""
        change.text_params = {}
        change.save(update_fields=["title", "description", "text_kind", "text_params"])


class Migration(migrations.Migration):
    dependencies = [
        ("maintenance", "0009_change_generated_text"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
