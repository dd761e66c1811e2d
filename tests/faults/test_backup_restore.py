"""README's backup and restore, done for real on PostgreSQL: ``pg_dump`` of a portal database
with data, ``pg_restore`` into a new database, and the restored portal answers with the same
rows and a clean migration state."""

from __future__ import annotations

import shutil
import subprocess
import uuid

import psycopg
import pytest
from django.db import connection

from tests.cases.factories import CaseFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _dsn(name: str) -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgresql://{user}@{host}:{port}/{name}"


@pytest.mark.skipif(not shutil.which("pg_dump"), reason="pg_dump is not installed")
def test_a_dump_restores_into_a_new_database_with_every_row(customer_a, tmp_path) -> None:
    cases = [CaseFactory(customer=customer_a) for _ in range(5)]
    source = connection.settings_dict["NAME"]
    dump = tmp_path / "portal.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", _dsn(source)], check=True
    )
    target = f"restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{target}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_dsn(target)}", str(dump)],
            check=True,
        )
        with psycopg.connect(_dsn(target)) as restored:
            ids = sorted(r[0] for r in restored.execute("SELECT id FROM cases_case").fetchall())
            migrations = restored.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
        assert ids == sorted(c.pk for c in cases)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM django_migrations")
            assert migrations == cursor.fetchone()[0]
    finally:
        with psycopg.connect(_dsn("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
