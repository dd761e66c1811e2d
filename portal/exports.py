"""CSV exports of the API's lists (``?format=csv``), streamed.

A list answers ``?format=csv`` (or ``Accept: text/csv``) with the rows of the same filtered,
scoped queryset as its JSON, written by ``csv.writer`` one row at a time into a
``StreamingHttpResponse``: the queryset is read with ``.iterator()`` in chunks, so an export of
a million cases never holds them all in memory.

The CSV is for machines and spreadsheets: the header is the API's field names (English, a
contract, not translated); times are ISO 8601 in UTC with the explicit offset
(``2027-03-26T09:00:00+00:00``), like the API's JSON, so an import never guesses a zone;
durations in seconds; booleans ``true``/``false``; empty for none; UTF-8 without a byte-order
mark (a spreadsheet imports it as UTF-8 through its import dialog). A text cell that a
spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) gets a leading ``'``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CsvRenderer(BaseRenderer):
    """Lets ``?format=csv`` through DRF's content negotiation. The lists answer with their
    own streaming response; an error (a 400 of a filter, a 401) is switched back to JSON by
    :class:`CsvExportMixin`, so what reaches this renderer is only ever written as JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    errors_as_json = True

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return JSONRenderer().render(data)


class CsvExportMixin:
    """A viewset whose ``csv_actions`` answer ``?format=csv``: they check :func:`wants_csv`
    and return :func:`csv_response`; every other answer of theirs (errors) stays JSON, as it
    does for any renderer marked ``errors_as_json`` (e.g. a file download's)."""

    csv_actions: frozenset[str] = frozenset()

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) in self.csv_actions:
            renderers.append(CsvRenderer())
        return renderers

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(request, "accepted_renderer", None)
        if isinstance(response, Response) and getattr(renderer, "errors_as_json", False):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response


def wants_csv(request: Any) -> bool:
    renderer = getattr(request, "accepted_renderer", None)
    return getattr(renderer, "format", None) == "csv"


class _Echo:
    """A file-like object whose ``write`` returns what it is given (the csv docs' trick)."""

    def write(self, value: str) -> str:
        return value


def cell(value: Any) -> str:
    """One value as a CSV cell (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, timedelta):
        return str(int(value.total_seconds()))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def csv_stream(
    header: list[str], rows: Iterable[Any], row: Callable[[Any], list[Any]]
) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for item in rows:
        yield writer.writerow([cell(value) for value in row(item)])


def csv_response(
    filename: str, header: list[str], rows: Iterable[Any], row: Callable[[Any], list[Any]]
) -> StreamingHttpResponse:
    """A streamed CSV download of ``rows`` (``row(item)`` gives one line's values)."""
    response = StreamingHttpResponse(
        csv_stream(header, rows, row), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
