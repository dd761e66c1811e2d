"""Benchmark of campaigns on PostgreSQL (issue 15, R-MNT-13). Not a test: pytest does not
collect it.

Creates 10,000 customers across the four regions and 200 partners (a partner-wide contact
subscribed to maintenance notices per partner, a contact of its own for every tenth customer,
an open change on every twentieth customer), then plans a service-impacting campaign over all
of them and commits it: one change per customer, its customer link, its notice and the outbox
rows. Prints the plan and commit times (median and min–max over ``--repeat`` runs; each commit
runs in a transaction rolled back afterwards, so every run commits the same plan), their query
counts and the machine's load average. Goals: plan <= 5 s, commit <= 30 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_campaigns \\
        .venv/bin/python tests/benchmarks/bench_campaigns.py [--customers 10000] [--repeat 3]

The database is created when missing and migrated; the generated rows are rolled back at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
# Deliveries stay in the outbox: the benchmark measures the commit, not e-mail sending.
os.environ.setdefault("CELERY_BROKER_URL", "memory://")

# The database helper of the cases benchmark (this folder is the script's first path entry).
from bench_cases import ensure_database  # noqa: E402

PARTNERS = 200
REGIONS = ["AMER", "APJC", "AUS", "EMEA"]


class Rollback(Exception):
    """Leaves a transaction block without keeping what it wrote."""


def measured(run):
    """(seconds, queries, result) of ``run()``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = run()
        elapsed = time.perf_counter() - started
    return elapsed, len(queries), result


def spread(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.2f} s "
        f"(min {min(values):.2f} – max {max(values):.2f} s, {len(values)} runs)"
    )


def populate(customers: int, now) -> tuple:
    from django.contrib.auth import get_user_model

    from maintenance.choices import ChangeKind, ChangeStatus
    from maintenance.models import Change
    from maintenance.windows import next_windows
    from portal.calendars import calendars_ensure_defaults
    from portal.models import Contact, Customer, Partner, Subscription

    calendars_ensure_defaults(years=[now.year, now.year + 1])
    from django.urls import reverse

    reverse("maintenance:change", args=[1])  # a running server has its URL conf loaded
    staff, _ = get_user_model().objects.get_or_create(
        username="bench-staff", defaults={"is_staff": True, "is_superuser": True}
    )
    partners = Partner.objects.bulk_create(
        [Partner(name=f"Bench partner {i:03d}", slug=f"bench-{i:03d}") for i in range(PARTNERS)]
    )
    rows = Customer.objects.bulk_create(
        [
            Customer(
                partner=partners[i % PARTNERS],
                name=f"Bench customer {i:05d}",
                region=REGIONS[i % len(REGIONS)],
                contract_number=f"BN-{i:06d}",
            )
            for i in range(customers)
        ],
        batch_size=2000,
    )
    contacts = Contact.objects.bulk_create(
        [
            Contact(partner=p, name="NOC", email=f"noc@{p.slug}.example", phone="+1 555 0100")
            for p in partners
        ]
        + [
            Contact(
                partner_id=c.partner_id,
                customer=c,
                name="IT",
                email=f"it{c.pk}@customer.example",
                phone="+1 555 0101",
            )
            for c in rows[::10]
        ],
        batch_size=2000,
    )
    Subscription.objects.bulk_create(
        [Subscription(contact=c, category="maintenance_and_outages") for c in contacts],
        batch_size=2000,
    )
    # An open change on every twentieth customer, in the first windows the campaign could use.
    busy = rows[::20]
    changes = Change.objects.bulk_create(
        [
            Change(
                partner_id=c.partner_id,
                kind=ChangeKind.ROUTINE,
                title="Existing change",
                start=(w := next_windows(c.region, now + timedelta(days=16), 1)[0]).start,
                end=w.start + timedelta(hours=4),
                status=ChangeStatus.SCHEDULED,
            )
            for c in busy
        ],
        batch_size=2000,
    )
    Change.customers.through.objects.bulk_create(
        [
            Change.customers.through(change_id=ch.pk, customer_id=c.pk)
            for ch, c in zip(changes, busy, strict=True)
        ],
        batch_size=2000,
    )
    return staff, partners


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=int, default=120, help="changes per window and region")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_campaigns")
    os.environ["DATABASE_URL"] = url
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)

    from maintenance import services
    from maintenance.choices import ChangeKind
    from maintenance.models import ChangeNotice
    from portal.models import Notification

    now = timezone.now()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    try:
        with transaction.atomic():
            started = time.perf_counter()
            staff, partners = populate(args.customers, now)
            # A database in use has statistics on its tables: give the generated rows theirs.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(
                f"data: {args.customers:,} customers, {len(partners)} partners, four regions "
                f"({time.perf_counter() - started:.1f} s to create)"
            )
            campaign = services.campaign_create(
                actor=staff,
                kind=ChangeKind.SERVICE_IMPACTING,
                title="Bench campaign",
                duration_minutes=120,
                per_window_limit=args.limit,
                deadline=now + timedelta(days=120),
                selection={"partners": [p.pk for p in partners]},
                now=now,
            )
            plan_times, plan_queries, result = [], 0, None
            for _ in range(args.repeat):
                elapsed, plan_queries, result = measured(
                    lambda: services.campaign_plan(actor=staff, campaign=campaign, now=now)
                )
                plan_times.append(elapsed)
            print(
                f"plan:   {spread(plan_times)}, {plan_queries} queries; "
                f"{result['planned']:,} planned, {len(result['unplaceable']):,} unplaceable"
            )
            commit_times, commit_queries, counts = [], 0, {}
            for _ in range(args.repeat):
                try:
                    with transaction.atomic():
                        elapsed, commit_queries, done = measured(
                            lambda: services.campaign_commit(
                                actor=staff, campaign=campaign, now=now
                            )
                        )
                        commit_times.append(elapsed)
                        counts = {
                            "changes": done.changes.count(),
                            "customer links": done.changes.model.customers.through.objects.filter(
                                change__campaign=done
                            ).count(),
                            "notices": ChangeNotice.objects.filter(
                                change__campaign=done
                            ).count(),
                            "outbox rows": Notification.objects.filter(
                                dedupe_key__startswith="change:"
                            ).count(),
                        }
                        raise Rollback
                except Rollback:
                    pass
            print(f"commit: {spread(commit_times)}, {commit_queries} queries")
            print("commit wrote: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
            raise Rollback
    except Rollback:
        pass
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    goals = max(plan_times) <= 5 and max(commit_times) <= 30
    print("goals (plan <= 5 s, commit <= 30 s): " + ("met" if goals else "NOT met"))


if __name__ == "__main__":
    main()
