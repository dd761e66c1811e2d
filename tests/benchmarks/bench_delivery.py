"""Benchmark of notification delivery (issue 13, "Delivery"). Not a test: pytest does not
collect it.

Writes N pending deliveries (capacity threshold events of one customer to N contacts of a
Portuguese and English mix, text + HTML rendered per recipient), starts an SMTP server on
loopback (aiosmtpd, discarding what it receives), then runs W worker processes that call
``deliver_due`` until nothing is pending. Optionally SIGKILLs one worker mid-run
(``--kill-after`` seconds): its claimed rows are delivered after the lease
(``--lease`` seconds) by the others. Prints one JSON line: messages, workers, wall seconds,
CPU seconds of the workers, CPU ms per message, messages received, duplicates.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_delivery \\
        .venv/bin/python tests/benchmarks/bench_delivery.py --messages 20000 --workers 2
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import signal
import socket
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")


def _setup(port: int, lease: int) -> None:
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.smtp.EmailBackend"
    os.environ["EMAIL_HOST"] = "127.0.0.1"
    os.environ["EMAIL_PORT"] = str(port)
    os.environ["NOTIFICATION_LEASE_SECONDS"] = str(lease)
    import django

    django.setup()


def worker(port: int, lease: int) -> None:
    _setup(port, lease)
    from django.db import connection

    from portal.choices import NotificationStatus
    from portal.models import Delivery
    from portal.notifications import deliver_due

    while True:
        counts = deliver_due(limit_batches=1000)
        if not counts["sent"] and not counts["failed"]:
            # nothing due: done when nothing is pending (another worker's leased rows wait)
            if not Delivery.objects.filter(status=NotificationStatus.PENDING).exists():
                break
            time.sleep(0.5)
    connection.close()


def prepare(n: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from portal.choices import Category, Region
    from portal.models import Contact, Customer, Partner, Subscription
    from portal.notifications import fan_out, notify

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE portal_delivery, portal_notification, portal_subscription, "
            "portal_contact RESTART IDENTITY CASCADE"
        )
    partner, _ = Partner.objects.get_or_create(name="Bench", slug="bench")
    customer, _ = Customer.objects.get_or_create(
        partner=partner, name="Bench customer", region=Region.EMEA, contract_number="BENCH-1"
    )
    contacts = Contact.objects.bulk_create(
        Contact(
            partner=partner,
            name=f"Contact {i}",
            email=f"c{i}@bench.example",
            language="pt-br" if i % 2 else "en",
        )
        for i in range(n)
    )
    Subscription.objects.bulk_create(
        Subscription(contact=c, category=Category.CAPACITY) for c in contacts
    )
    notify(
        kind="capacity.threshold",
        partner=partner,
        customer=customer,
        context={"threshold": 80, "kw": 800, "kw_max": 1000, "wd": 12, "wd_max": 20},
        dedupe_key=f"bench:{time.time()}",
    )
    fan_out()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lease", type=int, default=20)
    parser.add_argument("--kill-after", type=float, default=0.0)
    args = parser.parse_args()

    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # one line per SMTP command

    received: Counter[str] = Counter()

    class Sink:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            for rcpt in envelope.rcpt_tos:
                received[rcpt] += 1
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    _setup(port, args.lease)
    prepare(args.messages)
    from django.db import connection

    connection.close()
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    procs = [
        context.Process(target=worker, args=(port, args.lease)) for _ in range(args.workers)
    ]
    for proc in procs:
        proc.start()
    killed = False
    if args.kill_after:
        time.sleep(args.kill_after)
        os.kill(procs[0].pid, signal.SIGKILL)
        killed = True
    for proc in procs:
        proc.join()
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    controller.stop()
    from portal.choices import NotificationStatus
    from portal.models import Delivery

    sent = Delivery.objects.filter(status=NotificationStatus.SENT).count()
    print(
        json.dumps(
            {
                "messages": args.messages,
                "workers": args.workers,
                "killed_one": killed,
                "wall_s": round(wall, 2),
                "worker_cpu_s": round(cpu, 2),
                "cpu_ms_per_message": round(1000 * cpu / max(1, sent), 3),
                "sent_rows": sent,
                "received": sum(received.values()),
                "duplicates": sum(c - 1 for c in received.values() if c > 1),
                "missing": args.messages - len(received),
            }
        )
    )


if __name__ == "__main__":
    main()
