"""Reasons and notes the system wrote as text become a kind and its values.

"Activation" / "Ativação" (and the demo's older "Activation (R-CAP-1)"), "Capacity request
#N" / "Pedido de capacidade #N" on approved-capacity rows, and "Updated: X knowledge workers,
Y workspace devices." / "Atualizado: …" on request steps were stored in whatever language was
active. They now render in the reader's language (capacity.texts); anything else was typed
by a person and stays. The patterns are frozen here, as the texts were when written.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations

_RULE = r"(?: \(R-[A-Z]+-\d+\))?"
ACTIVATION = re.compile(rf"^(?:Activation|Ativação){_RULE}$")
REQUEST = re.compile(rf"^(?:Capacity request|Pedido de capacidade) #(?P<id>\d+){_RULE}$")
UPDATED = [
    re.compile(r"^Updated: (?P<kw>\d+) knowledge workers, (?P<wd>\d+) workspace devices\.$"),
    re.compile(
        r"^Atualizado: (?P<kw>\d+) trabalhadores do conhecimento, (?P<wd>\d+) dispositivos "
        r"do espaço de trabalho\.$"
    ),
]


def baseline_reason(text: str) -> tuple[str, dict[str, Any]] | None:
    """(kind, params) of a generated reason, None for a typed one. Pure, for the tests."""
    text = (text or "").strip()
    if ACTIVATION.match(text):
        return "activation", {}
    if found := REQUEST.match(text):
        return "request", {"request": int(found["id"])}
    return None


def event_note(text: str) -> tuple[str, dict[str, Any]] | None:
    text = (text or "").strip()
    for pattern in UPDATED:
        if found := pattern.match(text):
            return "updated", {"kw": int(found["kw"]), "wd": int(found["wd"])}
    return None


def forwards(apps, schema_editor) -> None:
    Baseline = apps.get_model("capacity", "CapacityBaseline")
    Event = apps.get_model("capacity", "CapacityRequestEvent")
    for row in Baseline.objects.filter(reason_kind="").exclude(reason="").iterator(chunk_size=500):
        if (found := baseline_reason(row.reason)) is not None:
            row.reason_kind, row.reason_params = found
            row.reason = ""
            row.save(update_fields=["reason", "reason_kind", "reason_params"])
    for row in Event.objects.filter(note_kind="").exclude(note="").iterator(chunk_size=500):
        if (found := event_note(row.note)) is not None:
            row.note_kind, row.note_params = found
            row.note = ""
            row.save(update_fields=["note", "note_kind", "note_params"])


def backwards(apps, schema_editor) -> None:
    Baseline = apps.get_model("capacity", "CapacityBaseline")
    Event = apps.get_model("capacity", "CapacityRequestEvent")
    for row in Baseline.objects.exclude(reason_kind="").iterator(chunk_size=500):
        if row.reason_kind == "activation":
            row.reason = row.reason or "Activation"
        else:
            row.reason = row.reason or f"Capacity request #{row.reason_params.get('request')}"
        row.reason_kind, row.reason_params = "", {}
        row.save(update_fields=["reason", "reason_kind", "reason_params"])
    for row in Event.objects.exclude(note_kind="").iterator(chunk_size=500):
        p = row.note_params
        row.note = row.note or (
            f"Updated: {p.get('kw')} knowledge workers, {p.get('wd')} workspace devices."
        )
        row.note_kind, row.note_params = "", {}
        row.save(update_fields=["note", "note_kind", "note_params"])


class Migration(migrations.Migration):
    dependencies = [
        ("capacity", "0005_generated_reasons_and_notes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
