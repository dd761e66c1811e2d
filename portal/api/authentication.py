"""API authentication: ``Authorization: Token <key>``.

New tokens are knox tokens (``portal.ApiToken``, stored hashed, 64 characters). Keys of the
DRF tokens made before them (40 characters, ``rest_framework.authtoken``) are still accepted,
so scripts keep working; they are no longer made, and deactivating a user deletes both kinds.

Both classes also speak the caller's language: the language middleware runs before DRF knows
who calls with a token, so the caller's language (profile, else partner; else the request's
``Accept-Language``, which the locale middleware already activated) is activated once the
caller is known. Generated titles, refusals and labels of the answer then read in it.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone, translation
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import authentication
from rest_framework.authentication import TokenAuthentication as LegacyTokenAuthentication
from rest_framework.authentication import get_authorization_header

from portal.automation_models import ApiToken
from portal.middleware import language_for_user

#: ``last_used_at`` is written at most this often per token (a busy script is one write a
#: minute, not one per request).
LAST_USED_RESOLUTION = timedelta(minutes=1)
LEGACY_KEY_LENGTH = 40


def _speak_to(result):
    """Activate the language of the authenticated caller of ``result`` (user, auth)."""
    if result is not None:
        language = language_for_user(result[0])
        if language and translation.check_for_language(language):
            translation.activate(language)
    return result


class ApiTokenAuthentication(KnoxTokenAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if len(parts) == 2 and parts[0].lower() == b"token" and len(parts[1]) == LEGACY_KEY_LENGTH:
            return _speak_to(LegacyTokenAuthentication().authenticate(request))
        return _speak_to(super().authenticate(request))

    def validate_user(self, auth_token: ApiToken):
        result = super().validate_user(auth_token)
        now = timezone.now()
        if auth_token.last_used_at is None or now - auth_token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=auth_token.pk).update(last_used_at=now)
            auth_token.last_used_at = now
        return result


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, speaking the caller's language."""

    def authenticate(self, request):
        return _speak_to(super().authenticate(request))


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme: ``Authorization: Token <key>`` (the name DRF's token used)."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )


class ReaderSessionScheme(SessionScheme):
    """The session cookie scheme, for the session authentication that speaks the caller's
    language."""

    target_class = SessionAuthentication
