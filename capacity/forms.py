"""Portal forms of the capacity app. Rules are checked by the services, not here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases import selectors as case_selectors
from portal.models import Customer


class ProvisionedForm(forms.Form):
    """The partner reports what is provisioned now (R-CAP-2)."""

    knowledge_workers = forms.IntegerField(label=_("Knowledge workers"), min_value=0)
    workspace_devices = forms.IntegerField(label=_("Workspace devices"), min_value=0)


class CapacityRequestForm(forms.Form):
    """New totals, the reason and the TAC case that works out the plan (R-CAP-3)."""

    knowledge_workers = forms.IntegerField(label=_("New knowledge workers total"), min_value=0)
    workspace_devices = forms.IntegerField(label=_("New workspace devices total"), min_value=0)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea)
    case = forms.ModelChoiceField(
        label=_("TAC case"),
        queryset=case_selectors.linkable_cases().none(),
        help_text=_("Raise a TAC case first; the expansion plan is worked out there."),
    )

    def __init__(self, *args: Any, user: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only this customer's cases, and only those the caller may see.
        self.fields["case"].queryset = case_selectors.cases_of_customer(user, customer)


class ActivationForm(forms.Form):
    """A new customer's end-state totals, which the applications are sized on (R-CAP-1)."""

    knowledge_workers = forms.IntegerField(
        label=_("Knowledge workers at end state"), min_value=0
    )
    workspace_devices = forms.IntegerField(
        label=_("Workspace devices at end state"), min_value=0
    )


class CapacityRequestUpdateForm(forms.Form):
    """The partner's change to its open request, until staff agree a plan (R-CAP-3)."""

    knowledge_workers = forms.IntegerField(label=_("New knowledge workers total"), min_value=0)
    workspace_devices = forms.IntegerField(label=_("New workspace devices total"), min_value=0)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea)
