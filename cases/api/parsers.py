"""JSON numbers read exactly: a case's affected share is compared at any precision (R-CASE-3)."""

from __future__ import annotations

import codecs
from decimal import Decimal

from rest_framework.exceptions import ParseError
from rest_framework.utils import json  # DRF's json, with its strict constants

from portal.security import SafeJSONParser


class ExactJSONParser(SafeJSONParser):
    """Like DRF's JSON parser, but a JSON number with a fraction becomes a ``Decimal`` and not
    a ``float``: ``0.75000000000000001`` stays above three quarters instead of rounding to
    0.75 on the way in."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            decoded = codecs.getreader(encoding)(stream)
            constant = json.strict_constant if self.strict else None
            return json.load(decoded, parse_float=Decimal, parse_constant=constant)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        except RecursionError:
            raise ParseError(self.too_deep) from None
