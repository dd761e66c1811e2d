"""Portal forms of the cases app. Rules stay in services; forms only shape the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from portal.models import Contact
from portal.selectors import customers_for

from . import rules
from .choices import Category, Impact, Severity, Urgency
from .models import Case
from .selectors import watchable_contacts


class CaseOpenForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=None, label=_("Customer"))
    contract_number = forms.CharField(
        label=_("Subscription or service contract number"), max_length=40
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Problem description"), widget=forms.Textarea)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    # No default urgency or impact: the partner chooses both (an unnoticed default would open
    # an S1 or S2).
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=[("", _("— choose —")), *Urgency.choices],
        help_text=_(
            "Critical: calling interrupted with no backup. High: calling severely degraded. "
            "Medium: another function interrupted. Low: another function degraded."
        ),
    )
    impact = forms.ChoiceField(
        label=_("Impact"),
        choices=[("", _("— choose, or give the affected share —")), *Impact.choices],
        required=False,
        help_text=_(
            "Widespread: more than 3/4 of the environment. Large: 1/2 to 3/4. Localized: 1/4 "
            "to 1/2. Individualized: up to 1/4."
        ),
    )
    affected_share = forms.DecimalField(
        label=_("Affected share (0-1)"),
        required=False,
        # Any precision (R-CASE-3): the range and the level are checked by the service.
        widget=forms.NumberInput(attrs={"min": "0", "max": "1", "step": "any"}),
        help_text=_("Instead of the impact: the share of the environment affected."),
    )
    contact_name = forms.CharField(label=_("Reporting contact name"), max_length=200)
    contact_phone = forms.CharField(label=_("Reporting contact phone"), max_length=40)
    contact_email = forms.EmailField(label=_("Reporting contact e-mail"))
    reporting_contact = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("Reporting contact in your contact list"),
        help_text=_(
            "Receives this case's messages. If you leave it empty, the contact with the "
            "e-mail above is taken, when there is one."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers_for(user)
        self.fields["reporting_contact"].queryset = Contact.objects.for_user(user).order_by(
            "name", "pk"
        )


class WatcherForm(forms.Form):
    """A contact of the partner that starts to follow the case."""

    contact = forms.ModelChoiceField(queryset=None, label=_("Contact"))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = watchable_contacts(case)



class EscalationForm(forms.Form):
    severity = forms.ChoiceField(label=_("New severity"), choices=())
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How has the business impact changed?"),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # R-CASE-6: only raises are offered.
        self.fields["severity"].choices = [
            (s.value, s.label) for s in Severity if rules.is_raise(case.severity, s.value)
        ]


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"), allow_empty_file=True)

    def __init__(self, *args, max_bytes: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Logs, packet captures, screenshots or traces, up to %(limit)s per file."
        ) % {"limit": filesizeformat(max_bytes)}
