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
from rest_framework.renderers import BaseRenderer

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CsvRenderer(BaseRenderer):
    """Lets ``?format=csv`` through DRF's content negotiation. The lists answer with their
    own streaming response; what reaches this renderer is an error (a 400 of a filter), which
    it writes as ``field,message`` rows."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        buffer = _Echo()
        writer = csv.writer(buffer)
        lines = [writer.writerow(["field", "message"])]
        if isinstance(data, dict):
            for key, value in data.items():
                for message in value if isinstance(value, list) else [value]:
                    lines.append(writer.writerow([key, str(message)]))
        elif data is not None:
            lines.append(writer.writerow(["", str(data)]))
        return "".join(lines).encode("utf-8")


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
