"""Partner portal forms of the maintenance app."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import Customer

from .choices import PartnerRequestKind, PatchKind


class RescheduleForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea,
        help_text=_("Explain in detail why this change conflicts with your business (R-MNT-5)."),
    )


class ChooseAlternativeForm(forms.Form):
    alternative = forms.IntegerField(widget=forms.HiddenInput)


class _CustomerChoiceMixin:
    def _scope_customers(self, user: Any) -> None:
        self.fields["customer"].queryset = Customer.objects.for_user(user).order_by("name")  # type: ignore[attr-defined]


class PatchRequestForm(_CustomerChoiceMixin, forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=PatchKind.choices)
    file_name = forms.CharField(label=_("File name"), max_length=200)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scope_customers(user)


class ChangeRequestForm(forms.Form):
    """A partner-requested change (R-MNT-9)."""

    customers = forms.ModelMultipleChoiceField(
        label=_("Customers"), queryset=Customer.objects.none()
    )
    partner_request_kind = forms.ChoiceField(label=_("Request"), choices=PartnerRequestKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description and impact"),
        widget=forms.Textarea,
        help_text=_("The operator's product management reviews the impact with you (R-MNT-9)."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customers"].queryset = Customer.objects.for_user(user).order_by("name")


class VulnerabilityScanForm(_CustomerChoiceMixin, forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    details = forms.CharField(label=_("What you want to scan"), widget=forms.Textarea)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scope_customers(user)
