"""The one DRF exception handler: DomainError becomes a 400 naming the field and the rule."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.errors import NON_FIELD, DomainError
from portal.limits import RateLimited
from portal.security import too_large


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RateLimited):
        return Response(
            {"detail": exc.message},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(json.loads(too_large().content), status=413)
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        data = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError | RestrictedError):
        # Deleting a row that history still refers to (a customer with cases): a conflict the
        # caller can act on, never a 500. Nothing was deleted.
        related = sorted({str(obj._meta.verbose_name_plural) for obj in exc.args[1]})
        return Response(
            {
                "detail": _("This cannot be deleted: %(related)s still refer to it.")
                % {"related": ", ".join(related)}
            },
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)
