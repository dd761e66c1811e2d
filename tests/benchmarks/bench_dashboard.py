"""Benchmark of the partner dashboard (issue 6). Not a test: pytest does not collect it.

Loads the demo data, gives partner Acme 10,000 cases (a mix of severities and states over
the last 90 days), then renders the dashboard as Alice through Django's test client and prints
the server time (median and p95 of 30 renders) and the number of queries, with 10,000 and
with 20,000 cases.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_dashboard \\
        .venv/bin/python tests/benchmarks/bench_dashboard.py [--cases 10000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")


def add_cases(partner, count: int) -> None:
    from cases import rules
    from cases.models import Case
    from portal.business_time import default_spec_for_region
    from portal.models import Customer

    now = __import__("django.utils.timezone", fromlist=["now"]).now()
    customers = list(Customer.objects.filter(partner=partner))
    rng = random.Random(7)
    rows = []
    for i in range(count):
        customer = customers[i % len(customers)]
        urgency = rng.choice(["critical", "high", "medium", "low"])
        impact = rng.choice(["widespread", "large", "localized", "individualized"])
        severity = rules.severity_for(urgency=urgency, impact=impact)
        opened = now - timedelta(minutes=rng.randint(1, 90 * 24 * 60))
        spec = default_spec_for_region(customer.region)
        due = rules.response_due_at(severity, opened, spec)
        state = rng.random()
        acked = opened + (due - opened) / 2 if state < 0.8 else None
        breached = due if acked is None and due < now else None
        status = "closed" if state < 0.6 else ("in_progress" if acked else "new")
        rows.append(
            Case(
                partner=partner,
                customer=customer,
                title=f"Bench case {i}",
                description="Bench.",
                category="common",
                urgency=urgency,
                impact=impact,
                severity=severity,
                status=status,
                channel="web",
                contract_number=customer.contract_number,
                contact_name="Bench",
                contact_phone="+1",
                contact_email="bench@example.com",
                opened_at=opened,
                response_due_at=due,
                warning_due_at=rules.warning_at(severity, opened, spec, 0.8),
                acknowledged_at=acked,
                breached_at=breached,
            )
        )
        if len(rows) == 2000:
            Case.objects.bulk_create(rows)
            rows = []
            sys.stderr.write(f"\r  cases added: {i + 1:,}/{count:,}")
    Case.objects.bulk_create(rows)
    sys.stderr.write("\n")


def measure(client, label: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/")  # warm
    times, cpu = [], []
    for _ in range(30):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get("/")
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    times.sort()
    cpu.sort()
    p95 = int(0.95 * len(times)) - 1
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    # On a shared machine the wall time includes waiting for a core; the process CPU time
    # (this process only: the database's share is not in it) does not.
    print(
        f"{label}: median {statistics.median(times):.1f} ms, p95 {times[p95]:.1f} ms, "
        f"{len(queries)} queries; CPU median {statistics.median(cpu):.1f} ms, "
        f"p95 {cpu[p95]:.1f} ms; load average {load}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    args = parser.parse_args()
    from bench_cases import ensure_database

    ensure_database(os.environ.get("DATABASE_URL", ""))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    settings.AXES_ENABLED = False
    call_command("migrate", verbosity=0)
    call_command("demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from cases.models import Case
    from portal.models import Partner

    acme = Partner.objects.get(slug="acme")
    have = Case.objects.filter(partner=acme).count()
    if have < args.cases:
        add_cases(acme, args.cases - have)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(
        get_user_model().objects.get(username="alice"),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    print(f"machine: {os.cpu_count()} cores; database: {connection.vendor}")
    measure(
        client,
        f"dashboard with {Case.objects.filter(partner=acme).count():,} cases for the partner",
    )
    add_cases(acme, args.cases)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    measure(
        client,
        f"dashboard with {Case.objects.filter(partner=acme).count():,} cases for the partner",
    )


if __name__ == "__main__":
    main()
