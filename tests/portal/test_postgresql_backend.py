"""The PostgreSQL engine reads times with psycopg's compiled parser (portal/postgresql)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from psycopg.pq import Format

from portal.models import Partner
from portal.postgresql.base import HAS_COMPILED_LOADER, TIMESTAMPTZ_OID, CompiledTzLoader

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_times_read_back_exactly_in_utc_through_the_compiled_loader():
    if not HAS_COMPILED_LOADER:
        pytest.skip("psycopg has no compiled loader here")
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert issubclass(loader, CompiledTzLoader)
    moment = dt.datetime(2026, 3, 29, 1, 59, 59, 123456, tzinfo=dt.UTC)
    partner = Partner.objects.create(name="Clock", slug="clock")
    Partner.objects.filter(pk=partner.pk).update(created_at=moment)
    read = Partner.objects.values_list("created_at", flat=True).get(pk=partner.pk)
    assert read == moment and read.tzinfo is dt.UTC and read.utcoffset() == dt.timedelta(0)


def test_the_compiled_loader_reads_what_djangos_own_reads():
    """The same text from PostgreSQL gives the same ``datetime`` through Django's loader and
    through this one (offsets, fractions, dates far apart)."""
    if not HAS_COMPILED_LOADER:
        pytest.skip("psycopg has no compiled loader here")
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.adapt import AdaptersMap

    connection.ensure_connection()
    ours = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    stock_map = AdaptersMap(connection.connection.adapters)
    register_tzloader(ours.timezone, stock_map)
    stock = stock_map.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert stock is not ours
    texts = [
        b"2026-12-02 14:05:09.123456+00",
        b"2026-12-02 14:05:09+00",
        b"1999-12-31 23:59:59.5+00",
        b"2027-03-28 01:00:00+00",
        b"0001-01-01 00:00:00+00",
        b"9999-12-31 23:59:59.999999+00",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT x::timestamptz::text FROM unnest(%s::text[]) AS x",
            [["2026-12-02T14:05:09.123456Z", "2026-06-01T00:00:00-03:00", "2026-10-25T01:30+02"]],
        )
        texts += [row[0].encode() for row in cursor.fetchall()]
    for text in texts:
        assert ours(TIMESTAMPTZ_OID, connection.connection).load(text) == stock(
            TIMESTAMPTZ_OID, connection.connection
        ).load(text), text


def test_a_statement_run_again_on_a_connection_is_planned_once():
    """Server-side binding with a prepare threshold (DB_SERVER_SIDE_BINDING, on by default):
    the parameters travel apart from the SQL, so the same query with other values is the same
    statement, and from its fifth run on a connection PostgreSQL executes it prepared."""
    connection.ensure_connection()
    assert connection.connection.prepare_threshold == 5
    names = [f"Prepared {n}" for n in range(7)]
    for name in names:  # the same statement each time, with another value
        assert not Partner.objects.filter(name=name).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements "
            "WHERE statement LIKE %s AND statement LIKE %s",
            ['%FROM "portal_partner"%', '%"portal_partner"."name" = $%'],
        )
        (prepared,) = cursor.fetchone()
    assert prepared == 1


def test_a_delete_of_more_rows_than_a_statement_takes_parameters_is_batched(
    settings, client, alice
):
    """With server-side binding every value is a parameter and PostgreSQL takes at most
    65,535 in a statement. django-axes clears expired login attempts on every login, and the
    cascade to their expirations listed every id in one statement: with 70,000 expired
    attempts every login answered 500 ("number of parameters must be between 0 and 65535").
    Django now batches by the backend's ``bulk_batch_size``."""
    from axes.models import AccessAttempt
    from django.utils import timezone

    from portal.postgresql.base import MAX_PARAMETERS
    from tests.factories import AccessAttemptFactory

    assert connection.ops.bulk_batch_size(["a", "b"], range(100_000)) == MAX_PARAMETERS // 2
    settings.AXES_ENABLED = True
    AccessAttempt.objects.bulk_create(
        AccessAttemptFactory.build(username=f"guess-{n}") for n in range(70_000)
    )
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(days=1))
    response = client.post("/accounts/login/", {"username": "alice", "password": "password"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
