"""The portal's inbound mail receiver: an SMTP (or LMTP) server that turns replies to case
messages into comments. ``manage.py receive_mail`` runs it; the MTA of CASE_REPLY_DOMAIN
forwards to it.

Recipients are checked at ``RCPT TO``: an address that is not a validly signed reply address is
refused there (550) and logged, so the sending MTA bounces it. At ``DATA`` each accepted
recipient's reply goes through :func:`cases.services.replies.case_reply_receive` in a worker
thread (the ORM is synchronous); a refusal (unknown sender, empty reply) answers 550 with the
reason and nothing is written.
"""

from __future__ import annotations

import logging
import threading
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from .replies import parse_reply_address

logger = logging.getLogger("cases.replies")


def _receive(recipients: list[str], content: bytes) -> list[str]:
    """Handle one message for its recipients; the SMTP status line of each."""
    from .services.replies import ReplyRefused, case_reply_receive

    close_old_connections()
    try:
        message = BytesParser(policy=policy.default).parsebytes(content)
        statuses = []
        for recipient in recipients:
            try:
                event = case_reply_receive(recipient=recipient, message=message)
            except ReplyRefused as exc:
                statuses.append(f"550 5.7.1 {exc.message}")
            except Exception:  # noqa: BLE001 - a fault is a temporary failure: the MTA retries
                logger.exception("e-mail reply to %s could not be stored", recipient)
                statuses.append("451 4.3.0 The reply could not be stored; try again later")
            else:
                statuses.append(f"250 2.0.0 Added to case #{event.case_id}")
        return statuses
    finally:
        close_old_connections()


class ReplyHandler:
    """aiosmtpd handler: refuses unknown recipients early, stores replies at DATA."""

    def __init__(self, *, lmtp: bool = False) -> None:
        self.lmtp = lmtp

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if parse_reply_address(address) is None:
            logger.warning(
                "refused e-mail reply: unknown or forged recipient %s (sender %s, peer %s)",
                address,
                envelope.mail_from,
                session.peer,
            )
            return "550 5.1.1 No such reply address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        statuses = await sync_to_async(_receive, thread_sensitive=False)(
            list(envelope.rcpt_tos), content
        )
        if self.lmtp:
            # LMTP answers once per recipient, in order.
            return "\r\n".join(statuses)
        # SMTP has one answer: accepted only if every recipient's reply was stored.
        failed = [s for s in statuses if not s.startswith("250")]
        return failed[0] if failed else statuses[0]


class _Controller(Controller):
    def __init__(self, *args, lmtp: bool = False, **kwargs) -> None:
        self._lmtp = lmtp
        super().__init__(*args, **kwargs)

    def factory(self):
        server_class = LMTP if self._lmtp else SMTP
        return server_class(self.handler, **self.SMTP_kwargs)


def build_receiver(
    *, host: str | None = None, port: int | None = None, lmtp: bool = False
) -> Controller:
    """The receiver, not yet started (``.start()`` listens in a background thread)."""
    return _Controller(
        ReplyHandler(lmtp=lmtp),
        hostname=host or settings.MAIL_RECEIVER_HOST,
        port=port or settings.MAIL_RECEIVER_PORT,
        lmtp=lmtp,
        data_size_limit=settings.MAIL_RECEIVER_MAX_MB * 1024 * 1024,
        decode_data=False,
        ident="partner operations portal",
    )


def serve(
    *, host: str | None = None, port: int | None = None, lmtp: bool = False, stop: threading.Event
) -> None:
    """Run the receiver until ``stop`` is set."""
    receiver = build_receiver(host=host, port=port, lmtp=lmtp)
    receiver.start()
    logger.info(
        "receiving case replies by %s on %s:%s",
        "LMTP" if lmtp else "SMTP",
        receiver.hostname,
        receiver.port,
    )
    try:
        stop.wait()
    finally:
        receiver.stop()
