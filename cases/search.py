"""Full-text search of cases: words of the title, the description and the comments.

PostgreSQL: each case stores its words in ``Case.search_vector`` (a ``tsvector`` of the
``simple`` configuration: lower-cased words, no stemming, no stop words, so "SIP", "503" and a
Portuguese word all match as typed), under a GIN index (``case_search_gin``). A stored column
rather than an expression index because the comments live in another table: an expression
index can only cover the case's own columns. The services that change the words (opening a
case, a comment; any later service that edits the title or the description) call
:func:`refresh_search_vector` in their transaction, one set-based ``UPDATE``.

A search matches every word typed as a prefix (``"audi"`` finds "audio"), with ``&`` between
words: the query the GIN index answers. The customer's name is matched with ``icontains`` on
the (small) customer table first and then by the indexed ``customer_id``, and ``#42`` by the
primary key, so the whole condition is a BitmapOr of three index scans.

SQLite (development, most tests) has no ``tsvector``: the column stays empty there and the
search is ``icontains`` on the title, the customer's name, the description and the comments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Exists, Index, OuterRef, Q, QuerySet

SEARCH_CONFIG = "simple"
_WORD = re.compile(r"\w+", re.UNICODE)


class SearchGinIndex(GinIndex):
    """The GIN index of the search vector on PostgreSQL; a plain (unused) index elsewhere, so
    the same migration runs on SQLite."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return Index.create_sql(self, model, schema_editor, using=using, **kwargs)
        return super().create_sql(model, schema_editor, using=using, **kwargs)


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def words(value: str) -> list[str]:
    """The words of a search, as the ``simple`` configuration would split them."""
    return [w.lower() for w in _WORD.findall(value)][:16]


def prefix_query(value: str) -> SearchQuery | None:
    """Every word as a prefix, all required: ``sip & trunk:*``-style raw tsquery of words that
    carry nothing but letters and digits (nothing of the user's text reaches the syntax)."""
    found = words(value)
    if not found:
        return None
    raw = " & ".join(f"{w}:*" for w in found)
    return SearchQuery(raw, search_type="raw", config=SEARCH_CONFIG)


def refresh_search_vector(case_ids: Iterable[int]) -> None:
    """Recompute the stored words of these cases (title A, description B, comments C) in one
    statement; nothing to do off PostgreSQL."""
    ids = [int(pk) for pk in case_ids]
    if not ids or not uses_full_text():
        return
    from .choices import EventKind
    from .models import Case, CaseEvent

    case_table = connection.ops.quote_name(Case._meta.db_table)
    event_table = connection.ops.quote_name(CaseEvent._meta.db_table)
    sql = f"""
        UPDATE {case_table} AS c SET search_vector =
            setweight(to_tsvector(%s, coalesce(c.title, '')), 'A')
            || setweight(to_tsvector(%s, coalesce(c.description, '')), 'B')
            || setweight(to_tsvector(%s, coalesce((
                SELECT string_agg(e.text, ' ' ORDER BY e.id) FROM {event_table} AS e
                WHERE e.case_id = c.id AND e.kind = %s), '')), 'C')
        WHERE c.id = ANY(%s)
    """  # noqa: S608 (table names from the models, values as parameters)
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [SEARCH_CONFIG, SEARCH_CONFIG, SEARCH_CONFIG, EventKind.COMMENT.value, ids]
        )


def search_cases(queryset: QuerySet, value: str) -> QuerySet:
    """The cases of ``queryset`` matching a search: words of the title, description and
    comments, the customer's name, or ``#id``."""
    from .choices import EventKind
    from .models import CaseEvent

    value = value.strip()
    if not value:
        return queryset
    number = value.lstrip("#")
    by_id = Q(pk=int(number)) if number.isdigit() and len(number) < 19 else Q(pk__in=[])
    customers = _customer_ids(queryset, value)
    by_customer = Q(customer_id__in=customers) if customers else Q(pk__in=[])
    if uses_full_text():
        query = prefix_query(value)
        by_words = Q(search_vector=query) if query is not None else Q(pk__in=[])
        return queryset.filter(by_words | by_customer | by_id)
    comments = CaseEvent.objects.filter(
        case=OuterRef("pk"), kind=EventKind.COMMENT, text__icontains=value
    )
    by_words = (
        Q(title__icontains=value) | Q(description__icontains=value) | Q(Exists(comments))
    )
    return queryset.filter(by_words | by_customer | by_id)


def _customer_ids(queryset: QuerySet, value: str) -> list[int]:
    """The customers whose name contains the search (one query on the customer table); the
    case query then uses the indexed ``customer_id``. Scoped by the case query itself."""
    from portal.models import Customer

    return list(
        Customer.objects.filter(name__icontains=value).values_list("pk", flat=True)[:1000]
    )
