"""Benchmark of the cases app on PostgreSQL (issue 3). Not a test: pytest does not collect it.

Generates N cases (default 1,000,000; 20 % open) with set-based inserts (generate_series), then
prints: the time of an empty sweep, the time of a sweep that breaches 1,000 newly due cases,
the sweep's query counts at two table sizes, and the case list API (50 rows) server time and
query count.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_cases \\
        .venv/bin/python tests/benchmarks/bench_cases.py [--size 1000000] [--reuse]

The database is created when missing and migrated. ``--reuse`` keeps existing generated cases.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
# Deliveries stay in the outbox: the benchmark measures the sweep, not e-mail sending.
os.environ.setdefault("CELERY_BROKER_URL", "memory://")

PARTNERS = 50
CUSTOMERS_PER_PARTNER = 10
CHUNK = 50_000


def ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    if not cfg["ENGINE"].endswith("postgresql"):
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
    admin = psycopg.connect(
        host=cfg["HOST"] or "localhost",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"],
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone()
    if not exists:
        admin.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
    admin.close()


def progress(done: int, total: int, started: float) -> None:
    width = 40
    filled = int(width * done / total) if total else width
    rate = done / max(time.perf_counter() - started, 1e-9)
    sys.stderr.write(
        f"\r  [{'#' * filled}{'.' * (width - filled)}] {done:>9,}/{total:,} cases  {rate:,.0f}/s"
    )
    sys.stderr.flush()
    if done >= total:
        sys.stderr.write("\n")


INSERT_SQL = """
WITH cust AS (SELECT array_agg(id ORDER BY id) AS ids FROM portal_customer WHERE name LIKE 'Bench %%')
INSERT INTO cases_case (
    partner_id, customer_id, title, description, category, impact, affected_share, urgency,
    severity, status, channel, contract_number, contact_name, contact_phone, contact_email,
    opened_by_id, opened_at, response_due_at, warning_due_at, warned_at, acknowledged_at,
    acknowledged_by_id, breached_at, action_plan, action_plan_at, paused_since, paused_total,
    resolved_at, closed_at, reopen_count, out_of_scope, out_of_scope_reason, out_of_scope_note,
    created_at, updated_at)
SELECT c.partner_id, c.id, 'Bench case ' || g, 'Generated for the benchmark.', 'common',
    'localized', NULL, 'medium', (ARRAY['S1','S2','S3','S4'])[1 + g %% 4],
    CASE WHEN g %% 5 = 0 THEN 'in_progress' ELSE 'closed' END, 'web', c.contract_number,
    'Bench', '+1 555 0100', 'bench@example.com', NULL,
    t.ts, t.ts + interval '1 hour', t.ts + interval '48 minutes', NULL,
    t.ts + interval '20 minutes', NULL,
    CASE WHEN g %% 40 = 0 THEN t.ts + interval '1 hour' END, '', NULL, NULL, interval '0',
    CASE WHEN g %% 5 <> 0 THEN t.ts + interval '2 days' END,
    CASE WHEN g %% 5 <> 0 THEN t.ts + interval '3 days' END, 0, false, '', '', now(), now()
FROM generate_series(%(first)s, %(last)s) AS g
CROSS JOIN cust
JOIN portal_customer c ON c.id = cust.ids[1 + g %% array_length(cust.ids, 1)]
CROSS JOIN LATERAL (SELECT now() - interval '5 minutes' - g * interval '37 seconds' AS ts) t
"""

DUE_SQL = """
WITH cust AS (SELECT array_agg(id ORDER BY id) AS ids FROM portal_customer WHERE name LIKE 'Bench %%')
INSERT INTO cases_case (
    partner_id, customer_id, title, description, category, impact, urgency, severity, status,
    channel, contract_number, contact_name, contact_phone, contact_email, opened_at,
    response_due_at, warning_due_at, action_plan, paused_total, reopen_count, out_of_scope,
    out_of_scope_reason, out_of_scope_note, created_at, updated_at)
SELECT c.partner_id, c.id, 'Newly due ' || g, 'Generated.', 'availability', 'widespread',
    'critical', 'S1', 'new', 'web', c.contract_number, 'Bench', '+1', 'bench@example.com',
    now() - interval '20 minutes', now() - interval '5 minutes', now() - interval '8 minutes',
    '', interval '0', 0, false, '', '', now(), now()
FROM generate_series(1, %(count)s) AS g
CROSS JOIN cust
JOIN portal_customer c ON c.id = cust.ids[1 + g %% array_length(cust.ids, 1)]
"""


def setup_tenants() -> None:
    from portal.choices import Category, Region
    from portal.models import Contact, Customer, Partner, Subscription

    if Partner.objects.filter(slug__startswith="bench-").count() >= PARTNERS:
        return
    regions = list(Region.values)
    for p in range(PARTNERS):
        partner, _ = Partner.objects.get_or_create(
            slug=f"bench-{p}", defaults={"name": f"Bench {p}"}
        )
        Customer.objects.bulk_create(
            [
                Customer(
                    partner=partner,
                    name=f"Bench {p}-{c}",
                    region=regions[c % len(regions)],
                    contract_number=f"BN-{p:03d}-{c:03d}",
                )
                for c in range(CUSTOMERS_PER_PARTNER)
            ],
            ignore_conflicts=True,
        )
        contact, _ = Contact.objects.get_or_create(
            partner=partner, customer=None, email=f"noc@bench-{p}.example", defaults={"name": "NOC"}
        )
        Subscription.objects.get_or_create(contact=contact, category=Category.CASES)


def generate(first: int, last: int) -> None:
    from django.db import connection

    total = last - first + 1
    started = time.perf_counter()
    done = 0
    with connection.cursor() as cursor:
        for chunk_first in range(first, last + 1, CHUNK):
            chunk_last = min(chunk_first + CHUNK - 1, last)
            cursor.execute(INSERT_SQL, {"first": chunk_first, "last": chunk_last})
            done += chunk_last - chunk_first + 1
            progress(done, total, started)
        cursor.execute(
            "VACUUM (ANALYZE) cases_case"
        )  # hint bits and visibility map, as in steady state


def case_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case")
        return cursor.fetchone()[0]


def timed_sweep() -> tuple[float, int, int]:
    """(milliseconds, statements, cases breached) of one sweep; statements include the
    BEGIN/COMMIT of each claimed batch."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases import sweep

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = sweep.escalation_sweep()
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(queries), len(result.breached)


def warm_up() -> None:
    """One small sweep first, as a long-running worker is warm (translations, URL resolver)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(DUE_SQL, {"count": 10})
    timed_sweep()


def measure_sweeps(label: str) -> dict:
    from django.db import connection

    empty = [timed_sweep() for _ in range(7)]
    empty_ms = statistics.median(e[0] for e in empty)
    with connection.cursor() as cursor:
        cursor.execute(DUE_SQL, {"count": 1000})
    due_ms, due_queries, breached = timed_sweep()
    figures = {
        "size": case_count(),
        "empty_ms": empty_ms,
        "empty_queries": empty[-1][1],
        "due_ms": due_ms,
        "due_queries": due_queries,
        "breached": breached,
    }
    print(
        f"[{label}] {figures['size']:,} cases: empty sweep {empty_ms:.1f} ms "
        f"({figures['empty_queries']} queries); sweep escalating {breached:,} newly due cases "
        f"{due_ms:.0f} ms ({due_queries} queries)"
    )
    return figures


def measure_list_api() -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from portal.choices import Role
    from portal.models import Partner, PartnerMembership

    partner = Partner.objects.get(slug="bench-0")
    user, _ = get_user_model().objects.get_or_create(username="bench-user")
    PartnerMembership.objects.get_or_create(
        user=user, defaults={"partner": partner, "role": Role.ADMIN}
    )
    staff, _ = get_user_model().objects.get_or_create(
        username="bench-staff", defaults={"is_staff": True}
    )
    results = {}
    for label, who in (("partner", user), ("staff", staff)):
        client = APIClient()
        client.force_authenticate(user=who)
        client.get("/api/v1/cases/")  # warm up
        times = []
        for _ in range(7):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get("/api/v1/cases/")
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:200]
        rows = len(response.json()["results"])
        results[label] = (statistics.median(times), len(queries), rows, response.json()["count"])
        print(
            f"[list API, {label}] {rows} rows of {response.json()['count']:,}: "
            f"{statistics.median(times):.1f} ms server time, {len(queries)} queries"
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep already generated cases")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
    ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.OPERATOR_ONCALL_EMAIL = "oncall@bench.example"
    call_command("migrate", verbosity=0)
    setup_tenants()
    from django.contrib.contenttypes.models import ContentType

    from cases.models import Case

    ContentType.objects.get_for_model(Case)  # warm the cache, as in a long-running worker
    if not args.reuse:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE cases_caseevent, cases_case, portal_notification RESTART IDENTITY CASCADE"
            )
    existing = case_count()
    half = args.size // 2
    print(
        f"Generating cases on {connection.settings_dict['NAME']} (target {args.size:,}, 20 % open)"
    )
    if existing < half:
        generate(existing + 1, half)
    warm_up()
    first = measure_sweeps("half size")
    existing = case_count()
    if existing < args.size:
        generate(existing + 1, args.size)
    second = measure_sweeps("full size")
    list_figures = measure_list_api()

    print("\nSummary")
    print(f"  table sizes                 : {first['size']:,} / {second['size']:,} cases")
    print(f"  empty sweep                 : {second['empty_ms']:.1f} ms (target < 20 ms)")
    print(
        f"  sweep of 1,000 newly due    : {second['due_ms']:.0f} ms (target < 1,000 ms), "
        f"{second['breached']:,} breached"
    )
    print(
        f"  sweep queries (empty)       : {first['empty_queries']} at {first['size']:,} / "
        f"{second['empty_queries']} at {second['size']:,}"
    )
    print(
        f"  sweep queries (1,000 due)   : {first['due_queries']} at {first['size']:,} / "
        f"{second['due_queries']} at {second['size']:,}"
    )
    for label, (ms, queries, rows, count) in list_figures.items():
        print(
            f"  case list API ({label:7}) : {ms:.1f} ms server time, {queries} queries, "
            f"{rows} rows of {count:,} (target < 50 ms)"
        )


if __name__ == "__main__":
    main()
