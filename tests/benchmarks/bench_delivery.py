"""Benchmark of notification delivery (issue 13, "Delivery"). Not a test: pytest does not
collect it.

On PostgreSQL, seeds N pending e-mail deliveries of a real kind: one ``case.breach_warning``
event per generated case (written with ``notify_many``), fanned out by ``fan_out()`` to ten
contacts of the case's customer, half English and half Brazilian Portuguese, so each message
is rendered per recipient (subject, text and HTML, the customer's local times). An SMTP server
(aiosmtpd, in a thread of this process) discards what it receives but counts the messages,
the SMTP sessions opened, and each (recipient, subject) pair, so a message sent twice is a
duplicate. W worker processes (spawned, Django set up before the clock starts) call
``deliver_due()`` until nothing is pending; the clock stops when every delivery is sent.

``--kill`` SIGKILLs one worker in the middle of a batch (once a third of the messages arrived),
with NOTIFICATION_LEASE_SECONDS small (``--lease``, 5 by default then): what it had claimed is
delivered by the other worker once the lease expires. The benchmark checks that every
delivery is sent and that the duplicates are at most the batch the killed worker had in flight.

Prints total seconds, messages/s, worker CPU seconds per message, SMTP connections, duplicates
and the load average (``--json``: one line of figures). ``--repeat R`` runs R times (median,
min-max). ``--profile FILE`` writes a cProfile of the first worker and prints its top entries.
``--memo-render`` was the experiment of rendering each (event, language) once per batch for all
its recipients; ``portal.notifications.render_deliveries`` now does that, so it changes nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_delivery \\
        .venv/bin/python tests/benchmarks/bench_delivery.py --messages 20000 --workers 2
    ... tests/benchmarks/bench_delivery.py --kill
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import socket
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")

CONTACTS_PER_CUSTOMER = 10  # half "en", half "pt-br"


def _setup(port: int, lease: int, batch_size: int) -> None:
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.smtp.EmailBackend"
    os.environ["EMAIL_HOST"] = "127.0.0.1"
    os.environ["EMAIL_PORT"] = str(port)
    os.environ["EMAIL_USE_TLS"] = "0"
    os.environ["NOTIFICATION_LEASE_SECONDS"] = str(lease)
    if batch_size:
        os.environ["NOTIFICATION_BATCH_SIZE"] = str(batch_size)
    import django

    django.setup()


def _cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the workers ------------------------------------------------------------------------------


def worker(index, port, lease, batch_size, ready, go, cpu, in_flight, profile_path, memo):
    """Call deliver_due() until no delivery is pending. Publishes, in shared arrays, its CPU
    seconds since it was ready (after each batch, so a killed worker's figure survives) and
    the size of the batch it is sending (0 between batches).

    ``memo`` (an experiment, ``--memo-render``): within a batch, render each (event,
    language) once and reuse it for the other recipients of that event and language."""
    _setup(port, lease, batch_size)
    from django.conf import settings
    from django.db import connection

    from portal import notifications
    from portal.choices import NotificationStatus
    from portal.models import Delivery

    assert settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"), settings.EMAIL_BACKEND
    real_send_batch = notifications.send_batch
    real_render_one = notifications.render_one
    rendered: dict = {}

    def render_one(event, language, extra=None):
        key = (event.pk, language)
        if key not in rendered:
            rendered[key] = real_render_one(event, language, extra)
        return rendered[key]

    if memo:
        notifications.render_one = render_one  # render_deliveries looks it up at each call

    def send_batch(ids, *, now):
        in_flight[index] = len(ids)
        try:
            return real_send_batch(ids, now=now)
        finally:
            in_flight[index] = 0
            rendered.clear()
            cpu[index] = _cpu() - baseline

    notifications.send_batch = send_batch  # deliver_due looks it up at each call
    Delivery.objects.exists()  # connect and warm up before the clock starts
    connection.close()
    baseline = _cpu()
    ready.put(index)
    go.wait()
    profiler = None
    if profile_path:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    while True:
        counts = notifications.deliver_due(limit_batches=1000)
        if not counts["sent"] and not counts["failed"]:
            # nothing due: done when nothing is pending (a killed worker's rows wait for
            # their lease to expire)
            if not Delivery.objects.filter(status=NotificationStatus.PENDING).exists():
                break
            time.sleep(0.2)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile_path)
    cpu[index] = _cpu() - baseline
    connection.close()


# --- seeding ----------------------------------------------------------------------------------


def seed(n: int, run: int) -> int:
    """N pending e-mail deliveries of real case events; returns how many were fanned out."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from cases.models import Case
    from portal.choices import Category, Region
    from portal.models import Contact, Customer, Partner, Subscription
    from portal.notifications import Event, fan_out, notify_many

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE portal_delivery, portal_notification, portal_subscription, "
            "portal_contact, cases_case, portal_customer, portal_partner RESTART IDENTITY CASCADE"
        )
    partner = Partner.objects.create(name="Bench delivery", slug="bench-delivery")
    regions = list(Region.values)
    customers = Customer.objects.bulk_create(
        Customer(
            partner=partner,
            name=f"Bench customer {c}",
            region=regions[c % len(regions)],
            contract_number=f"BD-{c:05d}",
        )
        for c in range(-(-n // CONTACTS_PER_CUSTOMER))
    )
    contacts = Contact.objects.bulk_create(
        (
            Contact(
                partner=partner,
                customer=customer,
                name=f"Contact {c}-{k}",
                email=f"c{c}-{k}@bench.example",
                language="pt-br" if k % 2 else "en",
            )
            for c, customer in enumerate(customers)
            for k in range(CONTACTS_PER_CUSTOMER)
        ),
        batch_size=2000,
    )[:n]
    Subscription.objects.bulk_create(
        (Subscription(contact=c, category=Category.CASES) for c in contacts), batch_size=2000
    )
    now = timezone.now()
    cases = Case.objects.bulk_create(
        (
            Case(
                partner=partner,
                customer=customer,
                title=f"Site {c} loses its uplink",
                description="Generated.",
                category="availability",
                impact="widespread",
                urgency="critical",
                severity="S1",
                status="new",
                channel="web",
                contract_number=customer.contract_number,
                contact_name="Bench",
                contact_phone="+1 555 0100",
                contact_email="bench@example.com",
                opened_at=now,
                response_due_at=now + timezone.timedelta(hours=1),
                warning_due_at=now + timezone.timedelta(minutes=48),
            )
            for c, customer in enumerate(customers)
        ),
        batch_size=2000,
    )
    notify_many(
        [
            Event(
                kind="case.breach_warning",
                dedupe_key=f"bench:{run}:{case.pk}",
                partner_id=partner.pk,
                customer_id=case.customer_id,
                context={"case": case.pk, "severity": case.severity},  # as the sweep writes it
                related=case,
            )
            for case in cases
        ]
    )
    made = 0
    while True:
        more = fan_out()
        made += more
        if not more:
            break
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) portal_delivery, portal_notification")
    return made


# --- the SMTP server --------------------------------------------------------------------------


class Sink:
    """aiosmtpd handler: discards each message, counting it by (recipient, subject) and the
    SMTP sessions that carried messages."""

    def __init__(self) -> None:
        self.received: Counter[tuple[str, bytes]] = Counter()
        self.sessions: set[int] = set()
        self._keep: list = []  # sessions stay alive, so their ids stay unique
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode()
        subject = b""
        start = content.find(b"\nSubject:")
        if start >= 0:
            subject = content[start : content.find(b"\n", start + 1)]
        with self.lock:
            if id(session) not in self.sessions:
                self.sessions.add(id(session))
                self._keep.append(session)
            for rcpt in envelope.rcpt_tos:
                self.received[(rcpt, subject)] += 1
        return "250 OK"

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.sessions.clear()
            self._keep.clear()

    def total(self) -> int:
        return sum(self.received.values())


# --- one run ----------------------------------------------------------------------------------


def one_run(args, sink: Sink, port: int, run: int) -> dict:
    from django.db import connection

    from portal.choices import NotificationStatus
    from portal.models import Delivery

    seeded = seed(args.messages, run)
    assert seeded == args.messages, f"fanned out {seeded} deliveries, expected {args.messages}"
    connection.close()
    sink.reset()
    context = multiprocessing.get_context("spawn")
    ready, go = context.Queue(), context.Event()
    cpu = context.Array("d", args.workers, lock=False)
    in_flight = context.Array("i", args.workers, lock=False)
    procs = [
        context.Process(
            target=worker,
            args=(
                i,
                port,
                args.lease,
                args.batch_size,
                ready,
                go,
                cpu,
                in_flight,
                args.profile if i == 0 else "",
                args.memo_render,
            ),
        )
        for i in range(args.workers)
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=120)
    load_before = os.getloadavg()
    server_cpu = _cpu()  # this process: the SMTP server's thread (the main one waits)
    started = time.perf_counter()
    go.set()
    killed = None
    if args.kill:
        # SIGKILL worker 0 in the middle of a batch, once a third of the messages arrived
        while sink.total() < args.messages // 3 or not in_flight[0]:
            time.sleep(0.005)
        os.kill(procs[0].pid, signal.SIGKILL)
        killed = {
            "at_received": sink.total(),
            "in_flight": int(in_flight[0]),
            "after_s": round(time.perf_counter() - started, 2),
        }
    for proc in procs:
        proc.join()
    wall = time.perf_counter() - started
    server_cpu = _cpu() - server_cpu
    load_after = os.getloadavg()
    received = sink.total()
    sent = Delivery.objects.filter(status=NotificationStatus.SENT).count()
    pending = Delivery.objects.filter(status=NotificationStatus.PENDING).count()
    duplicates = sum(c - 1 for c in sink.received.values() if c > 1)
    worker_cpu = sum(cpu)
    figures = {
        "messages": args.messages,
        "workers": args.workers,
        "batch_size": args.batch_size or None,
        "lease_s": args.lease,
        "wall_s": round(wall, 2),
        "messages_per_s": round(sent / wall, 1),
        "worker_cpu_s": round(worker_cpu, 2),
        "cpu_ms_per_message": round(1000 * worker_cpu / max(1, sent), 3),
        "server_cpu_s": round(server_cpu, 2),
        "memo_render": args.memo_render,
        "sent_rows": sent,
        "pending_rows": pending,
        "received": received,
        "distinct_received": len(sink.received),
        "smtp_connections": len(sink.sessions),
        "duplicates": duplicates,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
    }
    if killed is not None:
        figures["killed"] = killed
    connection.close()
    return figures


def check(figures: dict, args) -> list[str]:
    problems = []
    if figures["sent_rows"] != args.messages or figures["pending_rows"]:
        problems.append(f"{figures['sent_rows']} of {args.messages} deliveries sent")
    if figures["distinct_received"] != args.messages:
        problems.append(f"{figures['distinct_received']} distinct messages received")
    allowed = figures["killed"]["in_flight"] if "killed" in figures else 0
    if figures["duplicates"] > allowed:
        problems.append(f"{figures['duplicates']} duplicates, more than {allowed} in flight")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=0, help="NOTIFICATION_BATCH_SIZE")
    parser.add_argument("--lease", type=int, default=0, help="seconds (default 300, --kill 5)")
    parser.add_argument("--kill", action="store_true", help="SIGKILL one worker mid-batch")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--profile", default="", help="write a cProfile of worker 0 here")
    parser.add_argument(
        "--memo-render",
        action="store_true",
        help="experiment: render each (event, language) of a batch once",
    )
    parser.add_argument("--json", action="store_true", help="one line of figures")
    args = parser.parse_args()
    args.lease = args.lease or (5 if args.kill else 300)

    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # one line per SMTP command

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    _setup(port, args.lease, args.batch_size)
    from django.db import connection

    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    runs = []
    try:
        for run in range(args.repeat):
            figures = one_run(args, sink, port, run)
            figures["problems"] = check(figures, args)
            runs.append(figures)
            if not args.json:
                print(json.dumps(figures), file=sys.stderr)
    finally:
        controller.stop()
    walls = [r["wall_s"] for r in runs]
    cpus = [r["cpu_ms_per_message"] for r in runs]
    summary = {
        **runs[-1],
        "runs": len(runs),
        "wall_s_median": statistics.median(walls),
        "wall_s_range": [min(walls), max(walls)],
        "cpu_ms_per_message_median": statistics.median(cpus),
        "problems": [p for r in runs for p in r["problems"]],
    }
    if args.json:
        print(json.dumps(summary))
    else:
        last = runs[-1]
        print(
            f"{args.messages} e-mails, {args.workers} workers, {len(runs)} run(s): "
            f"{summary['wall_s_median']} s median ({min(walls)}-{max(walls)}), "
            f"{round(args.messages / summary['wall_s_median'])} messages/s, "
            f"{summary['cpu_ms_per_message_median']} ms worker CPU per message, "
            f"{last['smtp_connections']} SMTP connections, {last['duplicates']} duplicates, "
            f"load average {last['load_before']} -> {last['load_after']}"
        )
        if "killed" in last:
            print(f"killed worker 0: {last['killed']}")
        print("OK" if not summary["problems"] else f"PROBLEMS: {summary['problems']}")
    if args.profile:
        import pstats

        stats = pstats.Stats(args.profile, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(25)
    sys.exit(1 if summary["problems"] else 0)


if __name__ == "__main__":
    main()
