"""Pagination of the case list: exact counts, except for the unfiltered list of the whole table.

Counting a million rows costs PostgreSQL ~100 ms on every page of the staff's unfiltered list.
There, and only there (no WHERE clause, table above ``ESTIMATE_ABOVE`` rows), the count is the
planner's estimate and the answer says so with ``count_is_estimate``. Partner lists and every
filtered list keep the exact count.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property
from rest_framework.response import Response

from portal.api.pagination import PortalPagination

ESTIMATE_ABOVE = 200_000


class EstimatedCountPaginator(Paginator):
    estimated = False

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if connection.vendor == "postgresql" and not qs.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [qs.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > ESTIMATE_ABOVE:
                self.estimated = True
                return int(row[0])
        return super().count


class CasePagination(PortalPagination):
    django_paginator_class = EstimatedCountPaginator

    def get_paginated_response(self, data) -> Response:
        response = super().get_paginated_response(data)
        response.data["count_is_estimate"] = self.page.paginator.estimated
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_is_estimate"] = {"type": "boolean"}
        return schema
