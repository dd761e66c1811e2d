from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Category
from .models import Contact, Customer


class ContactForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("Notifications"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    chat_categories = forms.MultipleChoiceField(
        label=_("Also to chat"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Categories whose messages are also posted to the chat webhook."),
    )

    class Meta:
        model = Contact
        fields = ["name", "email", "phone", "customer", "language", "chat_webhook_url"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the caller's own customers can be chosen (tenancy on writes).
        self.fields["customer"].queryset = Customer.objects.for_user(user)
        if self.instance.pk:
            self.fields["categories"].initial = self.instance.categories
            self.fields["chat_categories"].initial = [
                s.category for s in self.instance.subscriptions.all() if s.chat
            ]

    def validate_unique(self) -> None:
        """Uniqueness is checked by the service, which knows the partner."""


def _zone_choices() -> list[tuple[str, str]]:
    from .timefmt import zone_names

    return [("", _("Default"))] + [(name, name) for name in sorted(zone_names())]


class SettingsForm(forms.Form):
    """A user's own language and time zone (blank: the defaults)."""

    language = forms.ChoiceField(label=_("Language"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False, choices=_zone_choices)

    def __init__(self, *args: Any, default_language: str, default_zone: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        from .choices import Language

        self.fields["language"].choices = [
            ("", _("Default (%(language)s)") % {"language": default_language})
        ] + list(Language.choices)
        self.fields["time_zone"].help_text = _(
            "Times of a customer's instance (windows, changes, upgrades, response due) are "
            "always shown in its region's zone. Other times are shown in this zone; the "
            "default is %(zone)s."
        ) % {"zone": default_zone}
