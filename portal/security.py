"""Request hardening that every face shares.

- A NUL character in the path or the query string is refused with a 400 before any view runs
  (PostgreSQL cannot store it, so filters and lookups with it would end in a 500).
- An API body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is refused with a JSON 413.
- Answers to signed-in users and every API answer carry ``Cache-Control: private, no-store``:
  pages show secrets (the calendar feed's URL) and tenant data that no shared cache may keep.
- :class:`SafeJSONParser` turns a JSON body nested too deep for the parser into a 400.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class HardeningMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self._refuse(request)
        response = refused or self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if (signed_in or _is_api(request)) and "no-store" not in response.get(
            "Cache-Control", ""
        ):
            patch_cache_control(response, private=True, no_store=True)
        return response

    def _refuse(self, request: HttpRequest) -> HttpResponse | None:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            message = _("The address contains a character that is not allowed (NUL).")
            if _is_api(request):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if _is_api(request) and limit and length.isdigit() and int(length) > limit:
            return too_large()
        return None


def too_large() -> JsonResponse:
    return JsonResponse(
        {
            "detail": _("The request body is too large (at most %(limit)s bytes).")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        },
        status=413,
    )


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, with a body nested beyond the parser's depth a 400, not a 500."""

    too_deep = _lazy("JSON parse error - the document is nested too deeply.")

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(self.too_deep) from None
