"""Form widgets shared by the apps' filter forms."""

from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BooleanWidget


class AnyYesNoWidget(BooleanWidget):
    """A yes/no filter whose empty choice reads "Any" (not django-filter's "Unknown").

    It accepts the API's ``true``/``false`` as well as the form's own values.
    """

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs)
        self.choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]
