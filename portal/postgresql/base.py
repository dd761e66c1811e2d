"""Django's PostgreSQL backend, reading ``timestamptz`` columns with psycopg's compiled parser.

Django registers its own ``timestamptz`` loader (it sets the zone of every time read), derived
from psycopg's pure-Python loader, because the compiled one cannot be subclassed (Django ticket
#36960, psycopg issue #1273). Every time read was then parsed in Python: about 3 µs each,
a fifth of the CPU of a changelist of a hundred cases. This backend keeps Django's loader class
(its ``timezone`` attribute, which the cursors compare) and gives its parsing to psycopg's
compiled loader; the result is the same ``datetime``, with Django's zone. Where psycopg has no
compiled loader (no ``psycopg[binary]`` or ``psycopg[c]``) nothing changes.

``DATABASE_URL=postgres://…`` selects this engine (portal/settings.py).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db.backends.postgresql import base
from django.db.backends.postgresql.operations import DatabaseOperations as BaseOperations
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg import adapt, adapters
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

TIMESTAMPTZ_OID = adapters.types["timestamptz"].oid
# psycopg's default map holds the compiled loader when there is one (Django changes only its
# own copies of the map).
COMPILED_LOADER = adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
HAS_COMPILED_LOADER = COMPILED_LOADER is not None and COMPILED_LOADER is not TimestamptzLoader


class CompiledTzLoader(BaseTzLoader):
    """Django's loader (a subclass per zone sets ``timezone``), parsing in compiled code."""

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        self._parse = COMPILED_LOADER(oid, context).load

    def load(self, data: Any) -> Any:
        return self._parse(data).replace(tzinfo=self.timezone)


@lru_cache
def _adapters_with_compiled_loader(template: adapt.AdaptersMap) -> adapt.AdaptersMap:
    """Django's adapters template (one per zone, cached by Django) with the compiled-parsing
    loader in the place of Django's, for the same zone."""
    timezone = template.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone
    context = adapt.AdaptersMap(template)
    context.register_loader(
        "timestamptz", type("SpecificCompiledTzLoader", (CompiledTzLoader,), {"timezone": timezone})
    )
    return context


# The most parameters PostgreSQL's protocol takes in one statement (a 16-bit count).
MAX_PARAMETERS = 65_535


class DatabaseOperations(BaseOperations):
    def bulk_batch_size(self, fields: Any, objs: Any) -> int:
        """With server-side binding (portal/settings.py) every value of a batch is a parameter
        of its own, and PostgreSQL refuses a statement with more than 65,535: a cascade that
        deletes 70,000 rows (django-axes clearing expired login attempts on every login) or a
        large ``bulk_update`` failed. Django batches by this size; it never needed to on
        PostgreSQL while the values were written into the SQL text."""
        if self.connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
            return max(min(len(objs), MAX_PARAMETERS // max(len(fields), 1)), 1)
        return super().bulk_batch_size(fields, objs)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def get_connection_params(self) -> dict:
        params = super().get_connection_params()
        template = params.get("context")
        if HAS_COMPILED_LOADER and template is not None:
            params["context"] = _adapters_with_compiled_loader(template)
        return params
