"""``manage.py receive_mail``: the inbound mail receiver (replies to case messages become
comments). Run it next to the web process (the Procfile's ``mail`` entry); the MTA of
CASE_REPLY_DOMAIN forwards to it. Stops cleanly on SIGTERM / Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from cases.mail_receiver import serve


class Command(BaseCommand):
    help = "Receive replies to case e-mails over SMTP (or LMTP) and add them to their cases."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--host", default=settings.MAIL_RECEIVER_HOST, help="address to listen on"
        )
        parser.add_argument(
            "--port", type=int, default=settings.MAIL_RECEIVER_PORT, help="port to listen on"
        )
        parser.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")
        # Tests stop the receiver through this event; not for the command line.
        parser.add_argument("--stop-event", default=None, help=argparse.SUPPRESS)

    def handle(self, *args, host: str, port: int, lmtp: bool, stop_event=None, **options) -> None:
        stop = stop_event or threading.Event()
        if stop_event is None:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(
            f"Receiving case replies by {'LMTP' if lmtp else 'SMTP'} on {host}:{port} "
            f"for *@{settings.CASE_REPLY_DOMAIN}; stop with Ctrl-C."
        )
        serve(host=host, port=port, lmtp=lmtp, stop=stop)
        self.stdout.write("Mail receiver stopped.")
