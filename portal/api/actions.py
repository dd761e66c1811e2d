"""The one shape of an API action: validate the input with one serializer, do the write
through a service, answer with another serializer.

    data = validated(NoteSerializer, request)
    change = services.change_cancel(actor=request.user, change=self.get_object(), **data)
    return answer(ChangeSerializer, change)

Invalid input raises DRF's ``ValidationError`` (a 400 naming the fields); a ``DomainError``
from the service becomes a 400 naming the field and the rule (``portal.api.exceptions``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response


def validated(
    serializer_class: Any,
    request: Request,
    *,
    partial: bool = False,
    context: dict[str, Any] | None = None,
    data: Any = None,
) -> dict[str, Any]:
    """The request body (or ``data``, e.g. the query parameters) checked by
    ``serializer_class``: its validated data, or a 400."""
    serializer = serializer_class(
        data=request.data if data is None else data,
        partial=partial,
        context={"request": request} if context is None else context,
    )
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def answer(
    serializer_class: Any,
    obj: Any,
    *,
    status: int = http.HTTP_200_OK,
    context: dict[str, Any] | None = None,
    many: bool = False,
    fresh_from: QuerySet | None = None,
) -> Response:
    """``obj`` written by ``serializer_class`` with the given status. With ``fresh_from``
    (the view's scoped queryset), the object is read again from it first, so the answer shows
    what the caller may see, with the queryset's related rows."""
    if fresh_from is not None:
        obj = fresh_from.get(pk=obj.pk)
    kwargs: dict[str, Any] = {"many": many}
    if context is not None:
        kwargs["context"] = context
    return Response(serializer_class(obj, **kwargs).data, status=status)


def created(view: Any, input_class: Any, write: Any, output_class: Any) -> Response:
    """The usual create action: the body checked by ``input_class``, the service ``write``
    called with ``actor=`` the caller and the data, and a 201 with the object read again from
    the view's scoped queryset."""
    data = validated(input_class, view.request)
    obj = write(actor=view.request.user, **data)
    return answer(output_class, obj, status=http.HTTP_201_CREATED, fresh_from=view.get_queryset())
