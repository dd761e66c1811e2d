"""Replies to case e-mails become comments: the pure parts.

Each case message carries a reply address of its own recipient and case,
``<CASE_REPLY_PREFIX>+<case>.<contact>.<signature>@<CASE_REPLY_DOMAIN>``. The signature is an
HMAC of the case and the contact under the project's secret key, so an address cannot be
guessed for another case or forged for another contact; it is lower-case hexadecimal because
mail systems may fold the case of the local part.

A reply's text is trimmed to what the person wrote: the quoted message below it, the
"On … wrote:" / "Em … escreveu:" header above the quote, and the signature are cut
(``email_reply_parser`` does the quotes and signatures; the headers of both languages and the
portal's own "reply above this line" marker are handled here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac
from email_reply_parser import EmailReplyParser

SIGNATURE_LENGTH = 24  # hexadecimal characters: 96 bits
_SALT = "cases.replies.address"

# The line the portal's case messages print above their text (portal.notifications.REPLY_MARKER),
# in the reader's language: a reply is cut there, keeping only what the person wrote.
_MARKER_LINE = re.compile(r"^\s*>?\s*##\s*-+.*-+\s*##\s*$")
# The header a mail program writes above the quoted message, in English and Portuguese, and
# Outlook's separators.
_QUOTE_HEADERS = [
    re.compile(r"^\s*On\b.{0,200}\bwrote:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*Em\b.{0,200}\bescreveu:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*-{2,}\s*(Original Message|Mensagem original)\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),
]
_FORWARD_HEADER = re.compile(r"^\s*(From|De):\s.+$", re.IGNORECASE)


def _signature(case_id: int, contact_id: int) -> str:
    value = f"{case_id}.{contact_id}"
    return salted_hmac(_SALT, value, algorithm="sha256").hexdigest()[:SIGNATURE_LENGTH]


def reply_address(case_id: int, contact_id: int) -> str:
    """The address a contact replies to for one case."""
    token = f"{case_id}.{contact_id}.{_signature(case_id, contact_id)}"
    return f"{settings.CASE_REPLY_PREFIX}+{token}@{settings.CASE_REPLY_DOMAIN}"


_ADDRESS = re.compile(
    r"^(?P<prefix>[^+@]+)\+(?P<case>\d{1,18})\.(?P<contact>\d{1,18})\.(?P<sig>[0-9a-f]+)@(?P<domain>.+)$"
)


def parse_reply_address(address: str) -> tuple[int, int] | None:
    """``(case id, contact id)`` of a valid reply address; ``None`` for any other address, a
    wrong domain or prefix, or a signature that does not match (compared in constant time)."""
    _name, address = parseaddr(address or "")
    match = _ADDRESS.match(address.strip().lower())
    if match is None:
        return None
    if match["prefix"] != settings.CASE_REPLY_PREFIX.lower():
        return None
    if match["domain"] != settings.CASE_REPLY_DOMAIN.lower():
        return None
    case_id, contact_id = int(match["case"]), int(match["contact"])
    if not constant_time_compare(match["sig"], _signature(case_id, contact_id)):
        return None
    return case_id, contact_id


def trim_reply(text: str) -> str:
    """What the person wrote, without the quoted message, its header and the signature."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # The portal's marker: everything from it down is the quoted case message.
    for index, line in enumerate(lines):
        if _MARKER_LINE.match(line):
            lines = lines[:index]
            break
    kept: list[str] = []
    for index, line in enumerate(lines):
        if any(header.match(line) for header in _QUOTE_HEADERS):
            break
        # "From: …" starts a quoted block only where the mail program puts one: after a blank.
        if _FORWARD_HEADER.match(line) and (index == 0 or not lines[index - 1].strip()) and kept:
            break
        kept.append(line)
    # A header the mail program wrapped over two lines ("On Tue, 1 Dec 2026, TAC <…>\nwrote:").
    text = "\n".join(kept)
    for header in _QUOTE_HEADERS[:2]:
        paragraphs = text.rstrip().split("\n\n")
        if len(paragraphs) > 1 and header.match(paragraphs[-1].replace("\n", " ")):
            text = "\n\n".join(paragraphs[:-1])
    return EmailReplyParser.parse_reply(text).strip()


@dataclass
class InboundAttachment:
    name: str
    content: bytes
    content_type: str


@dataclass
class InboundReply:
    """What the portal reads from a received message."""

    sender: str
    message_id: str
    text: str
    attachments: list[InboundAttachment] = field(default_factory=list)


def _plain_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    content = body.get_content()
    if body.get_content_type() == "text/html":
        from django.utils.html import strip_tags

        content = strip_tags(re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", content))
    return content


def read_reply(message: EmailMessage) -> InboundReply:
    """The sender's address, the Message-ID, the trimmed text and the attached files."""
    senders = getaddresses(message.get_all("from", []))
    sender = senders[0][1].strip().lower() if senders else ""
    attachments = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        if payload is None:
            continue
        attachments.append(
            InboundAttachment(
                name=part.get_filename() or "attachment",
                content=payload,
                content_type=part.get_content_type(),
            )
        )
    return InboundReply(
        sender=sender,
        message_id=str(message.get("message-id", "")).strip()[:250],
        text=trim_reply(_plain_text(message)),
        attachments=attachments,
    )
