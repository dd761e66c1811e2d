"""Benchmark of the case search (``?q=``) on PostgreSQL (issue 14). Not a test: pytest does not
collect it.

Generates N cases (default 1,000,000) set-based with generate_series, each with a description
of common words and a long tail of rare ones (host names, error codes: what real descriptions
carry, and what gives the planner's statistics their shape), its stored search words
(``search_vector``), one comment on every tenth case; two selective words spread over every
partner: ``sbcfault`` in the description of one case in 5,003 and ``kamailio`` in the comment of
one case in 10,090. Then prints, for a partner user and for staff, the
median and min–max of the search through the same filterset and pagination the API uses
(``GET /api/v1/cases/?q=…``, server time, 50 rows and the exact count), the query plan, and
the machine's load average (the figures of a shared machine vary with it).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_search \\
        .venv/bin/python tests/benchmarks/bench_search.py [--size 1000000] [--reuse]

The database is created when missing and migrated. ``--reuse`` keeps generated cases.
Goal: a selective word in < 100 ms on 1,000,000 cases.
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
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")

CHUNK = 100_000
RUNS = 15

WORDS = ["call", "calls", "audio", "phone", "phones", "register", "trunk", "sip", "gateway", "dial", "plan", "voicemail", "greeting", "queue", "agent", "transfer", "hold", "music", "conference", "bridge", "codec", "jitter", "latency", "packet", "loss", "echo", "silence", "busy", "tone", "ringing", "carrier", "pstn", "number", "porting", "fax", "meeting", "desk", "headset", "firmware", "upgrade", "license", "certificate", "expired", "login", "password", "reset", "directory", "sync", "outage", "slow", "intermittent", "users", "building", "floor"]

# Every generated value is a function of g: the case's id is g, its words are known, and the
# comment inserted later for it carries the words its search vector already holds.
DESCRIPTION = """
    'Since this morning ' || w[1 + (g * 7) %% {n}] || ' ' || w[1 + (g * 13) %% {n}] || ' '
    || w[1 + (g * 31) %% {n}] || ' fails for ' || w[1 + (g * 17) %% {n}] || ' in building '
    || (g %% 97) || ', host ' || 'pbx' || ((g::bigint * 7919) %% 20011) || ' logs error '
    || 'e' || ((g::bigint * 104729) %% 30011)
    || CASE WHEN g %% 5003 = 3 THEN ' after the sbcfault alarm' ELSE '' END
"""
COMMENT = """
    CASE WHEN g %% 10 = 0 THEN 'Checked the ' || w[1 + (g * 11) %% {n}] || ' logs'
        || CASE WHEN (g / 10) %% 1009 = 1 THEN ', the kamailio proxy drops it' ELSE '' END END
"""

INSERT_SQL = """
WITH cust AS (SELECT array_agg(id ORDER BY id) AS ids FROM portal_customer WHERE name LIKE 'Bench %%'),
words AS (SELECT %(words)s::text[] AS w)
INSERT INTO cases_case (
    id, partner_id, customer_id, title, description, category, impact, urgency,
    severity, status, channel, contract_number, contact_name, contact_phone, contact_email,
    opened_at, response_due_at, warning_due_at, acknowledged_at, breached_at, action_plan,
    paused_total, resolved_at, closed_at, reopen_count, out_of_scope, out_of_scope_reason,
    out_of_scope_note, created_at, updated_at, search_vector)
SELECT g, c.partner_id, c.id, s.title, s.description, 'common', 'localized', 'medium',
    (ARRAY['S1','S2','S3','S4'])[1 + g %% 4],
    CASE WHEN g %% 5 = 0 THEN 'in_progress' ELSE 'closed' END, 'web', c.contract_number,
    'Bench', '+1 555 0100', 'bench@example.com',
    t.ts, t.ts + interval '1 hour', t.ts + interval '48 minutes', t.ts + interval '20 minutes',
    NULL, '', interval '0',
    CASE WHEN g %% 5 <> 0 THEN t.ts + interval '2 days' END,
    CASE WHEN g %% 5 <> 0 THEN t.ts + interval '3 days' END, 0, false, '', '', now(), now(),
    setweight(to_tsvector('simple', s.title), 'A')
        || setweight(to_tsvector('simple', s.description), 'B')
        || setweight(to_tsvector('simple', coalesce(s.comment, '')), 'C')
FROM generate_series(%(first)s, %(last)s) AS g
CROSS JOIN cust CROSS JOIN words
JOIN portal_customer c ON c.id = cust.ids[1 + g %% array_length(cust.ids, 1)]
CROSS JOIN LATERAL (SELECT now() - interval '5 minutes' - g * interval '37 seconds' AS ts) t
CROSS JOIN LATERAL (
    SELECT (w[1 + (g * 3) %% {n}] || ' ' || w[1 + (g * 5) %% {n}] || ' case ' || g) AS title,
           ({description}) AS description,
           ({comment}) AS comment
) s
"""

COMMENTS_SQL = """
WITH words AS (SELECT %(words)s::text[] AS w)
INSERT INTO cases_caseevent (case_id, kind, at, actor_name, from_value, to_value, text, data)
SELECT g, 'comment', now() - g * interval '37 seconds', 'bench', '', '', ({comment}), '{{}}'
FROM generate_series(%(first)s, %(last)s) AS g CROSS JOIN words
WHERE g %% 10 = 0
"""


def sql(template: str) -> str:
    n = len(WORDS)
    return template.format(
        n=n,
        description=DESCRIPTION.format(n=n),
        comment=COMMENT.format(n=n),
    )


def generate(first: int, last: int) -> None:
    from bench_cases import progress
    from django.db import connection

    total = last - first + 1
    started = time.perf_counter()
    done = 0
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS case_search_gin")  # built once, after the rows
        for chunk_first in range(first, last + 1, CHUNK):
            chunk_last = min(chunk_first + CHUNK - 1, last)
            params = {"first": chunk_first, "last": chunk_last, "words": WORDS}
            cursor.execute(sql(INSERT_SQL), params)
            cursor.execute(sql(COMMENTS_SQL), params)
            done += chunk_last - chunk_first + 1
            progress(done, total, started)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('cases_case', 'id'), "
            "(SELECT max(id) FROM cases_case))"
        )
        began = time.perf_counter()
        cursor.execute("CREATE INDEX case_search_gin ON cases_case USING gin (search_vector)")
        print(f"  GIN index built in {time.perf_counter() - began:.1f} s")
        cursor.execute("VACUUM (ANALYZE) cases_case")
        cursor.execute("VACUUM (ANALYZE) cases_caseevent")


def users():
    from django.contrib.auth import get_user_model

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
    return {"partner": user, "staff": staff}


def measure(word: str, label: str, who) -> dict:
    """The API's own path: viewset, CaseFilter, pagination (page of 50 and exact count)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user=who)
    client.get("/api/v1/cases/", {"q": word})  # warm up
    times = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get("/api/v1/cases/", {"q": word})
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:300]
    body = response.json()
    figures = {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "queries": len(queries),
        "rows": len(body["results"]),
        "count": body["count"],
    }
    print(
        f"[{label:7} q={word}] {figures['rows']} rows of {figures['count']:,}: median "
        f"{figures['median']:.1f} ms (min {figures['min']:.1f}, max {figures['max']:.1f}), "
        f"{figures['queries']} queries"
    )
    return figures


def measure_filterset(word: str, label: str, who) -> dict:
    """The same filterset alone (the database's share): the first page of 50 and the count."""
    from django.test import RequestFactory

    from cases import selectors
    from cases.filtersets import CaseFilter

    times = []
    for _ in range(RUNS + 1):
        request = RequestFactory().get("/api/v1/cases/", {"q": word})
        request.user = who
        started = time.perf_counter()
        qs = CaseFilter({"q": word}, queryset=selectors.cases_for(who), request=request).qs
        count = qs.count()
        page = list(qs[:50])
        times.append((time.perf_counter() - started) * 1000)
    times = times[1:]  # the first one warms up
    figures = {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "rows": len(page),
        "count": count,
    }
    print(
        f"[{label:7} q={word}, filterset] count {count:,} + page of {len(page)}: median "
        f"{figures['median']:.1f} ms (min {figures['min']:.1f}, max {figures['max']:.1f})"
    )
    return figures


def plan(word: str, who) -> str:
    from django.test import RequestFactory

    from cases import selectors
    from cases.filtersets import CaseFilter

    request = RequestFactory().get("/api/v1/cases/", {"q": word})
    request.user = who
    qs = CaseFilter({"q": word}, queryset=selectors.cases_for(who), request=request).qs
    return qs[:50].explain(analyze=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep already generated cases")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
    from bench_cases import ensure_database, setup_tenants

    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    setup_tenants()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case")
        existing = cursor.fetchone()[0]
    if not args.reuse or existing != args.size:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE cases_caseattachment, cases_caseevent, cases_case, portal_notification "
                "RESTART IDENTITY CASCADE"
            )
        print(f"Generating {args.size:,} cases on {connection.settings_dict['NAME']}")
        began = time.perf_counter()
        generate(1, args.size)
        print(f"  generated in {time.perf_counter() - began:.0f} s")
    people = users()
    results = {}
    filtersets = {}
    for word in ("sbcfault", "kamailio"):
        for label, who in people.items():
            filtersets[(word, label)] = measure_filterset(word, label, who)
            results[(word, label)] = measure(word, label, who)
    print("\nPlan (partner user, q=sbcfault):")
    print(plan("sbcfault", people["partner"]))
    print("\nPlan (staff, q=kamailio):")
    print(plan("kamailio", people["staff"]))
    load = os.getloadavg()
    print("\nSummary")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case")
        size = cursor.fetchone()[0]
    print(f"  cases                      : {size:,}")
    for (word, label), f in filtersets.items():
        verdict = "ok" if f["median"] < 100 else "ABOVE GOAL"
        print(
            f"  filterset q={word:9} {label:7}: median {f['median']:.1f} ms, "
            f"min–max {f['min']:.1f}–{f['max']:.1f} ms, {f['count']:,} found "
            f"(goal < 100 ms: {verdict})"
        )
    for (word, label), f in results.items():
        verdict = "ok" if f["median"] < 100 else "ABOVE GOAL"
        print(
            f"  API GET   q={word:9} {label:7}: median {f['median']:.1f} ms, "
            f"min–max {f['min']:.1f}–{f['max']:.1f} ms, {f['count']:,} found, "
            f"{f['queries']} queries (goal < 100 ms: {verdict})"
        )
    print(f"  load average (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
