"""Benchmark of the cases app on PostgreSQL (issue 3). Not a test: pytest does not collect it.

Generates N cases (default 1,000,000; 20 % open) with set-based inserts (generate_series), then
prints: the time of an empty sweep, the time of sweeps that each breach ``--due`` newly due
cases (median, min–max over ``--repeat`` runs), the statements of one sweep, whether every due
case was breached exactly once with its outbox rows, the machine's load average, and the case
list API (50 rows) server time and query count. ``--json`` prints one JSON line instead
(`size`, `due`, `sweep_empty_ms`, `sweep_due_ms`, `statements`, `breached_once`, `outbox_rows`,
`load_average`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_cases \\
        .venv/bin/python tests/benchmarks/bench_cases.py [--size 1000000] [--due 1000] \\
        [--repeat 5] [--json] [--reuse]

The database is created when missing and migrated. ``--reuse`` keeps existing generated cases.
"""

from __future__ import annotations

import argparse
import json
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
    channel, contract_number, contact_name, contact_phone, contact_email, opened_by_id, opened_at,
    response_due_at, warning_due_at, duty_manager_due_at, head_of_support_due_at, search_vector,
    action_plan, paused_total, reopen_count, out_of_scope, out_of_scope_reason,
    out_of_scope_note, created_at, updated_at)
SELECT c.partner_id, c.id, 'Newly due ' || g,
    'Users on the east campus cannot place external calls since this morning.',
    'availability', 'widespread', 'critical', 'S1', 'new', 'web', c.contract_number, 'Bench',
    '+1', 'bench@example.com', (SELECT min(id) FROM auth_user),
    now() - interval '20 minutes', now() - interval '5 minutes', now() - interval '8 minutes',
    -- as a case opened through the services has them: the escalation levels' due times and
    -- the words of the search (cases/search.py), so the sweep updates every index it would;
    -- the levels a day ahead, so no later timed sweep also escalates these cases
    now() + interval '1 day', now() + interval '2 days',
    setweight(to_tsvector('simple', 'Newly due ' || g), 'A')
        || setweight(to_tsvector('simple',
            'Users on the east campus cannot place external calls since this morning.'), 'B'),
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


def make_due(count: int) -> None:
    """``count`` open S1 cases whose response is now overdue: the next sweep breaches them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(DUE_SQL, {"count": count})
        cursor.execute("ANALYZE cases_case")


def warm_up() -> None:
    """One small sweep first, as a long-running worker is warm (translations, URL resolver)."""
    make_due(10)
    timed_sweep()


def exactly_once() -> tuple[bool, int]:
    """Nothing due is left, every newly due case made by the benchmark has exactly one breach
    entry on its timeline, and the outbox holds its breach event; answers (all that holds,
    outbox rows of breaches). The generated history's breached cases have no timeline and are
    left out."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT
              (SELECT count(*) FROM cases_case
                 WHERE acknowledged_at IS NULL AND breached_at IS NULL
                   AND response_due_at <= now()),
              (SELECT count(*) FROM (
                 SELECT c.id FROM cases_case c
                 LEFT JOIN cases_caseevent e ON e.case_id = c.id AND e.kind = 'breach'
                 WHERE c.title LIKE 'Newly due %%'
                 GROUP BY c.id HAVING count(e.id) <> 1) AS wrong),
              (SELECT count(*) FROM cases_case WHERE title LIKE 'Newly due %%'),
              (SELECT count(*) FROM portal_notification WHERE dedupe_key LIKE 'case:%%:breach')
            """
        )
        left_due, wrong, breached, outbox = cursor.fetchone()
    return left_due == 0 and wrong == 0 and outbox >= breached, outbox


def _spread(values: list[float]) -> dict:
    return {
        "median": round(statistics.median(values), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
        "runs": len(values),
    }


def measure_sweeps(label: str, *, due: int, repeat: int, quiet: bool = False) -> dict:
    empty = [timed_sweep() for _ in range(max(repeat, 5))]
    due_runs = []
    for _ in range(repeat):
        make_due(due)
        due_runs.append(timed_sweep())
    once, outbox = exactly_once()
    figures = {
        "size": case_count(),
        "due": due,
        "sweep_empty_ms": _spread([e[0] for e in empty]),
        "empty_statements": empty[-1][1],
        "sweep_due_ms": _spread([d[0] for d in due_runs]),
        "statements": due_runs[-1][1],
        "breached": due_runs[-1][2],
        "breached_once": once and all(d[2] == due for d in due_runs),
        "outbox_rows": outbox,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if not quiet:
        e, d = figures["sweep_empty_ms"], figures["sweep_due_ms"]
        print(
            f"[{label}] {figures['size']:,} cases: empty sweep {e['median']:.1f} ms "
            f"({e['min']:.1f}–{e['max']:.1f}, {figures['empty_statements']} statements); "
            f"sweep of {due:,} newly due {d['median']:.0f} ms ({d['min']:.0f}–{d['max']:.0f} over "
            f"{d['runs']} runs, {figures['statements']} statements); every due case breached "
            f"once with its outbox rows: {'yes' if figures['breached_once'] else 'NO'}; "
            f"load average {figures['load_average']}"
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
    parser.add_argument(
        "--due", type=int, default=1000, help="cases made newly due before each timed sweep"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed sweeps of --due cases")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON line of the full-size figures only"
    )
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
    log = sys.stderr if args.json else sys.stdout
    existing = case_count()
    if existing < args.size:
        print(
            f"Generating cases on {connection.settings_dict['NAME']} "
            f"(target {args.size:,}, 20 % open)",
            file=log,
        )
        generate(existing + 1, args.size)
    warm_up()
    figures = measure_sweeps("sweep", due=args.due, repeat=args.repeat, quiet=args.json)
    if args.json:
        print(json.dumps(figures))
        return
    list_figures = measure_list_api()

    print("\nSummary")
    e, d = figures["sweep_empty_ms"], figures["sweep_due_ms"]
    print(f"  table size                  : {figures['size']:,} cases")
    print(f"  empty sweep                 : {e['median']:.1f} ms ({e['min']:.1f}–{e['max']:.1f})")
    print(
        f"  sweep of {args.due:,} newly due : {d['median']:.0f} ms ({d['min']:.0f}–{d['max']:.0f}, "
        f"{d['runs']} runs), {figures['statements']} statements, "
        f"breached once: {figures['breached_once']}, outbox rows {figures['outbox_rows']:,}"
    )
    print(f"  load average (1, 5, 15 min) : {figures['load_average']}")
    for label, (ms, queries, rows, count) in list_figures.items():
        print(
            f"  case list API ({label:7}) : {ms:.1f} ms server time, {queries} queries, "
            f"{rows} rows of {count:,}"
        )


if __name__ == "__main__":
    main()
