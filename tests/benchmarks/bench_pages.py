"""CPU per request of the busiest pages, in-process (issue 13, "Pages under load"). Not a test:
pytest does not collect it.

Seeds PostgreSQL as ``load_test.py`` does (``--cases`` cases across ``--partners`` partners, one
partner admin with an API token per partner, one staff user; ``--reuse`` keeps what is there),
then requests each scenario through Django's test client with production settings (DEBUG off,
so templates are cached as in production):

- ``portal-list``: ``GET /cases/?page=1…5`` as a partner user (50 rows);
- ``api-escalate``: ``POST /api/v1/cases/{id}/request-escalation/`` with a partner's token,
  each on another open case, one severity up (every request valid);
- ``admin-changelist``: ``GET /admin/cases/case/?p=1…5`` and one partner's page as staff.

The whole machine's CPU per request is this process's CPU (``time.process_time``) plus the
PostgreSQL backend's (its ``/proc/<pid>/stat``, so the database must run on this host),
measured over batches of ``--requests`` requests, ``--repeat`` batches: the script prints the
median and minimum per request, the queries of one request and the load average. On a shared
machine CPU time, unlike wall time, does not count the waits for a core.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_pages \\
        .venv/bin/python tests/benchmarks/bench_pages.py --cases 200000 [--reuse] \\
        [--scenarios portal-list,api-escalate,admin-changelist] [--repeat 7] [--requests 40] \\
        [--profile DIR] [--json]

``--profile DIR`` writes a cProfile of one more batch per scenario to ``DIR/<scenario>.prof``
and prints its 25 most expensive functions (own time).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.update(
    {
        "DEBUG": "false",
        "SECRET_KEY": "bench-pages-only-" + "x" * 50,
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",
        "AXES_ENABLED": "false",
        "STAFF_2FA": "false",
        "API_THROTTLE_USER": "1000000/min",
        "CELERY_BROKER_URL": "memory://localhost/",
        "LOG_LEVEL": "WARNING",
    }
)
import load_test  # noqa: E402  (sets sys.path to the project and DJANGO_SETTINGS_MODULE)
from bench_cases import case_count, ensure_database  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
SCENARIOS = ("portal-list", "api-escalate", "admin-changelist")


def backend_cpu(pid: int) -> float:
    """CPU seconds the PostgreSQL backend ``pid`` has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Scenario:
    """A callable that makes the scenario's next request and checks its status."""

    def __init__(self, name: str, partners: int) -> None:
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client
        from rest_framework.authtoken.models import Token

        self.name = name
        self.count = 0
        User = get_user_model()
        users = list(
            User.objects.filter(username__startswith=f"{load_test.USER_PREFIX}bench-")
            .select_related("auth_token")
            .order_by("pk")[:partners]
        )
        self.clients = []
        if name == "portal-list":
            for user in users[:20]:
                client = Client()
                client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
                self.clients.append(client)
        elif name == "admin-changelist":
            client = Client()
            client.force_login(
                User.objects.get(username=load_test.STAFF_USERNAME),
                backend="django.contrib.auth.backends.ModelBackend",
            )
            self.clients.append(client)
            self.partner_ids = [u.membership.partner_id for u in users[:20]]
        else:
            tokens = {t.user_id: t.key for t in Token.objects.filter(user__in=users)}
            partner_of = {u.membership.partner_id: tokens[u.pk] for u in users}
            with connection.cursor() as cursor:
                # Open cases below S1, newest first, interleaved across the partners.
                cursor.execute(
                    """
                    SELECT c.id, c.severity, c.partner_id FROM unnest(%s::bigint[]) AS p
                    CROSS JOIN LATERAL (
                        SELECT id, severity, partner_id FROM cases_case
                        WHERE partner_id = p AND status NOT IN ('resolved', 'closed')
                          AND severity <> 'S1'
                        ORDER BY opened_at DESC, id DESC LIMIT 100) c
                    """,
                    [list(partner_of)],
                )
                rows = cursor.fetchall()
            self.targets = [
                (case_id, load_test.NEXT_SEVERITY[severity], partner_of[partner_id])
                for case_id, severity, partner_id in sorted(rows, key=lambda r: (r[0] % 97, r[0]))
            ]
            self.client = Client()

    def __call__(self) -> int:
        self.count += 1
        if self.name == "portal-list":
            client = self.clients[self.count % len(self.clients)]
            response = client.get(f"/cases/?page={1 + self.count % 5}")
        elif self.name == "admin-changelist":
            if self.count % 5 == 0:
                pid = self.partner_ids[self.count % len(self.partner_ids)]
                path = f"/admin/cases/case/?partner__id__exact={pid}"
            else:
                path = f"/admin/cases/case/?p={1 + self.count % 5}"
            response = self.clients[0].get(path)
        else:
            case_id, severity, token = self.targets.pop()
            response = self.client.post(
                f"/api/v1/cases/{case_id}/request-escalation/",
                {"severity": severity, "reason": "Bench"},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {token}",
            )
        if response.status_code != 200:
            raise SystemExit(
                f"{self.name}: HTTP {response.status_code}: {response.content[:300]!r}"
            )
        return len(response.content)


def measure(scenario: Scenario, *, requests: int, repeat: int, pg_pid: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):  # warm: templates, translations, connection
        scenario()
    django_ms, pg_ms, wall_ms = [], [], []
    for _ in range(repeat):
        pg0, cpu0, wall0 = backend_cpu(pg_pid), time.process_time(), time.perf_counter()
        for _ in range(requests):
            scenario()
        django_ms.append(1000 * (time.process_time() - cpu0) / requests)
        pg_ms.append(1000 * (backend_cpu(pg_pid) - pg0) / requests)
        wall_ms.append(1000 * (time.perf_counter() - wall0) / requests)
    with CaptureQueriesContext(connection) as queries:
        size = scenario()
    total = [d + p for d, p in zip(django_ms, pg_ms, strict=True)]
    return {
        "scenario": scenario.name,
        "cpu_ms_median": round(statistics.median(total), 2),
        "cpu_ms_min": round(min(total), 2),
        "django_ms_median": round(statistics.median(django_ms), 2),
        "postgres_ms_median": round(statistics.median(pg_ms), 2),
        "wall_ms_median": round(statistics.median(wall_ms), 2),
        "queries": len(queries),
        "sql": [q["sql"] for q in queries.captured_queries],
        "bytes": size,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def profile(scenario: Scenario, *, requests: int, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(requests):
        scenario()
    profiler.disable()
    path = directory / f"{scenario.name}.prof"
    profiler.dump_stats(path)
    print(f"\n{scenario.name}: cProfile of {requests} requests (CPU time) in {path}")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="keep the generated cases")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--requests", type=int, default=40, help="requests per timed batch")
    parser.add_argument("--repeat", type=int, default=7, help="timed batches per scenario")
    parser.add_argument("--profile", default="", help="write and print a cProfile per scenario")
    parser.add_argument("--sql", action="store_true", help="print the statements of a request")
    parser.add_argument("--json", action="store_true", help="one JSON line per scenario")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: the manifest
    if not args.reuse or case_count() < args.cases:
        load_test.seed(partners=args.partners, cases=args.cases, reuse=args.reuse)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pg_pid = cursor.fetchone()[0]
    if not args.json:
        print(
            f"{case_count():,} cases, {args.partners} partners; {os.cpu_count()} CPUs; "
            f"{args.repeat} batches of {args.requests} requests per scenario"
        )
        print(
            f"{'scenario':17} {'CPU ms/req median':>17} {'min':>6} {'django':>7} {'pg':>6} "
            f"{'wall':>6} {'queries':>7}  load average"
        )
    for name in [s.strip() for s in args.scenarios.split(",") if s.strip()]:
        scenario = Scenario(name, args.partners)
        result = measure(scenario, requests=args.requests, repeat=args.repeat, pg_pid=pg_pid)
        if args.json:
            print(json.dumps({k: v for k, v in result.items() if k != "sql"}))
        else:
            print(
                f"{name:17} {result['cpu_ms_median']:>17.2f} {result['cpu_ms_min']:>6.2f} "
                f"{result['django_ms_median']:>7.2f} {result['postgres_ms_median']:>6.2f} "
                f"{result['wall_ms_median']:>6.2f} {result['queries']:>7}  "
                f"{' / '.join(map(str, result['load_average']))}"
            )
        if args.sql:
            for sql in result["sql"]:
                print(f"    {sql[:220]}")
        if args.profile:
            profile(scenario, requests=args.requests, directory=Path(args.profile))


if __name__ == "__main__":
    main()
