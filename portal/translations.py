"""Texts that installed apps show to our readers but translate into no Brazilian Portuguese
(django-axes ships no ``pt_BR`` catalogue): marked here so that ``makemessages`` keeps them in
the portal's catalogue, which Django consults first (``LOCALE_PATHS``). Their translations
live in ``locale/pt_BR/LC_MESSAGES/django.po`` with the portal's own."""

from django.utils.translation import gettext_noop

THIRD_PARTY_TEXTS = (
    # django-axes: its admin (models, columns, filters); its status column, action message and
    # lock-out page are the portal's own (portal/signin_admin.py, registration/locked_out.html)
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Access Attempt"),
    gettext_noop("Access lock out"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Logout Time"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Locked Out"),
    gettext_noop("Not set"),
    gettext_noop("Clean up expired attempts"),
)
