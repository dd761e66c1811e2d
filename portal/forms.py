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

    class Meta:
        model = Contact
        fields = ["name", "email", "phone", "customer"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the caller's own customers can be chosen (tenancy on writes).
        self.fields["customer"].queryset = Customer.objects.for_user(user)
        if self.instance.pk:
            self.fields["categories"].initial = self.instance.categories

    def validate_unique(self) -> None:
        """Uniqueness is checked by the service, which knows the partner."""
