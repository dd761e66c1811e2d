"""Portal forms of the releases app. The rules are checked by the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class UpgradeRescheduleForm(forms.Form):
    """The partner's one reschedule of an upgrade (R-REL-4). Times in the customer's zone
    are entered as UTC-aware datetimes by the browser's local input."""

    start = forms.DateTimeField(
        label=_("New start"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Inside a maintenance window of the customer's region."),
    )
    end = forms.DateTimeField(
        label=_("New end"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
