"""API authentication that also speaks the caller's language.

The language middleware runs before DRF knows who calls with a token, so the API activates
the caller's language (profile, else partner; else the request's ``Accept-Language``, which
Django's locale middleware already activated) once the caller is known. Every text the API
renders then reads in the caller's language: generated titles, refusals, labels.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from rest_framework import authentication

from portal.middleware import language_for_user


def _speak_to(result: tuple[Any, Any] | None) -> tuple[Any, Any] | None:
    if result is not None:
        language = language_for_user(result[0])
        if language and translation.check_for_language(language):
            translation.activate(language)
    return result


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        return _speak_to(super().authenticate(request))


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        return _speak_to(super().authenticate(request))
