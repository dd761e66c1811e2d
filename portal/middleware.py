"""Each logged-in person sees the portal in its own language and zone (DOMAIN.md: "Times shown
to people"; R-NOT-4).

Runs after the authentication middleware. The language is the user's profile language, else
the partner's language; users without either (staff) keep what Django's locale middleware
chose from the session, cookie or browser. The zone is the viewer's zone
(:func:`portal.timefmt.zone_for_user`), so ``{{ moment|when }}`` needs no argument.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from .timefmt import zone_for_user


def language_for_user(user: Any) -> str | None:
    """The user's chosen language, else its partner's, else None (no preference)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_portal_language", "unset")
    if cached != "unset":
        return cached
    from .tenancy import viewer_for

    viewer = viewer_for(user)
    language = viewer.language
    if not language and viewer.partner is not None:
        language = viewer.partner.language
    user._portal_language = language or None
    return user._portal_language


# The API speaks ISO 8601 in UTC to every caller (machines compare them); only the pages use
# the viewer's zone.
API_PREFIX = "/api/"


class UserPreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = language_for_user(user)
            if language and translation.check_for_language(language):
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
            if not request.path_info.startswith(API_PREFIX):
                timezone.activate(zone_for_user(user))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
