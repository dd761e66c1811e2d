"""Partner portal forms of the maintenance app."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import selectors as case_selectors
from portal.models import Customer

from .choices import PartnerRequestKind, PatchKind
from .windows import region_zone


class RescheduleForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea,
        help_text=_("Explain in detail why this change conflicts with your business."),
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
        help_text=_("The operator's product management reviews the impact with you."),
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


class PartnerEmergencyForm(forms.Form):
    """An emergency change in the partner's own network (R-MNT-8). Times are read in the
    user's active time zone."""

    title = forms.CharField(label=_("What is changing"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    start = forms.DateTimeField(
        label=_("Start"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    end = forms.DateTimeField(
        label=_("End"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    customers = forms.ModelMultipleChoiceField(
        label=_("Affected customers"), queryset=Customer.objects.none()
    )
    visible_impact = forms.CharField(
        label=_("Impact the operator will see"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: calls through your session border controller fail over."),
    )
    case = forms.ModelChoiceField(
        label=_("Linked support case"),
        queryset=case_selectors.linkable_cases().none(),
        required=False,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customers"].queryset = Customer.objects.for_user(user).order_by("name")
        cases = case_selectors.linkable_cases().for_user(user)
        self.fields["case"].queryset = cases.order_by("-pk")
        zone = timezone.get_current_timezone_name()
        for name in ("start", "end"):
            self.fields[name].help_text = _(
                "In your time zone, %(zone)s (see My settings)."
            ) % {"zone": zone}


class FreezePeriodForm(_CustomerChoiceMixin, forms.Form):
    """A customer's freeze period (R-MNT-14). Times are read in the customer's local time (its
    region's zone), as the customer thinks of its sales event or move."""

    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    start = forms.DateTimeField(
        label=_("From"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    end = forms.DateTimeField(
        label=_("Until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: a sales event, an office move."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scope_customers(user)
        for name in ("start", "end"):
            self.fields[name].help_text = _(
                "In the customer's local time. No planned maintenance happens from this start "
                "until this end."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        customer = data.get("customer")
        if customer is not None:
            zone = region_zone(customer.region)
            for name in ("start", "end"):
                if data.get(name) is not None:
                    # The field read the wall-clock time in the viewer's zone: read it again in
                    # the customer's.
                    wall = timezone.make_naive(data[name])
                    data[name] = wall.replace(tzinfo=zone)
        return data


def freeze_period_initial(freeze: Any) -> dict[str, Any]:
    """The form's values for an existing freeze period: its times as the customer's wall clock."""
    zone = region_zone(freeze.customer.region)
    return {
        "customer": freeze.customer,
        "start": freeze.start.astimezone(zone).replace(tzinfo=None),
        "end": freeze.end.astimezone(zone).replace(tzinfo=None),
        "reason": freeze.reason,
    }
