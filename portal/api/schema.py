"""The OpenAPI schema, built once per process and language.

Building it walks every endpoint and takes most of a second; it is public, so rebuilding it
for each request would let anyone keep a worker busy. The schema cannot change while the
process runs, so the first answer per (language, version) is kept.
"""

from __future__ import annotations

from threading import Lock
from typing import Any

from django.utils.translation import get_language
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

_built: dict[tuple[str, str | None], Any] = {}
_lock = Lock()


class CachedSpectacularAPIView(SpectacularAPIView):
    def _get_schema_response(self, request: Any) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (get_language() or "en", version)
        data = _built.get(key)
        if data is None:
            with _lock:
                data = _built.get(key)
                if data is None:
                    generator = self.generator_class(
                        urlconf=self.urlconf, api_version=version, patterns=self.patterns
                    )
                    data = generator.get_schema(request=request, public=self.serve_public)
                    _built[key] = data
        return Response(
            data=data,
            headers={
                "Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'
            },
        )
