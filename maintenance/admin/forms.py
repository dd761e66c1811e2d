"""Forms of the maintenance admin: each hands its cleaned data to one service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.choices import Application, Region

from ..choices import ChangeKind, OutageUpdateStatus
from ..models import (
    Certificate,
    Change,
    Outage,
    PatchRequest,
)

# --- forms ----------------------------------------------------------------------------------


class ChangeAddForm(forms.ModelForm):
    """A new change of any kind: ``change_create`` checks every rule (R-MNT-1 … R-MNT-8)."""

    certificate = forms.ModelChoiceField(
        queryset=Certificate.objects.select_related("customer"),
        required=False,
        label=_("certificate"),
        help_text=_("R-MNT-6: the certificate a renewal renews (one of its customers')."),
    )

    class Meta:
        model = Change
        fields = [
            "partner",
            "kind",
            "title",
            "description",
            "customers",
            "start",
            "end",
            "reason",
            "urgent",
            "interrupts_calling",
            "sme_publisher_region",
            "case",
        ]
        help_texts = {"start": _("Leave empty for an emergency change starting now (R-MNT-8).")}


class ChangeScheduleForm(forms.ModelForm):
    """Moving a change: ``change_plan`` (a notified change gets a "rescheduled" notice)."""

    class Meta:
        model = Change
        fields = ["kind", "start", "end"]


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ApproveForm(NoteForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", "—"), *ChangeKind.choices],
        help_text=_("Optionally set the kind of maintenance the change becomes."),
    )


class ResolutionForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class OutageDeclareForm(forms.ModelForm):
    applications = forms.MultipleChoiceField(
        label=_("affected applications"),
        choices=Application.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    regions = forms.MultipleChoiceField(
        label=_("affected regions"),
        choices=Region.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Outage
        fields = ["title", "description", "customers", "applications", "regions", "declared_at"]


class OutageUpdateForm(forms.Form):
    """One update of the timeline, for ``outage_update_post`` (R-MNT-12)."""

    status = forms.ChoiceField(label=_("Status"), choices=OutageUpdateStatus.choices)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}))


class PatchRequestAddForm(forms.ModelForm):
    class Meta:
        model = PatchRequest
        fields = ["customer", "kind", "file_name", "note"]


def _copy_into(target: Any, source: Any) -> None:
    """The admin keeps its own instance: make it the row the service created."""
    for f in type(source)._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
    target._state.adding = False
    target._state.db = source._state.db
