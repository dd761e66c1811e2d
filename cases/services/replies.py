"""E-mail replies to case messages become comments (the receiver is ``manage.py receive_mail``).

A reply is accepted only when its recipient is a valid signed reply address
(:mod:`cases.replies`), the case and the contact exist and belong together, and the message
comes from that contact's own address. Anything else is refused with the reason, logged, and
never touches a case. The same message received twice (an MTA retrying) is one comment.
"""

from __future__ import annotations

import logging
from datetime import datetime
from email.message import EmailMessage

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import DomainError
from portal.models import Contact

from ..choices import EventKind
from ..models import Case, CaseEvent
from ..replies import InboundReply, parse_reply_address, read_reply
from .attachments import case_attachment_add
from .lifecycle import case_comment

logger = logging.getLogger("cases.replies")


class ReplyRefused(DomainError):
    """A received message that is not a valid reply; ``field`` says which part failed."""


def _refuse(message: str, *, field: str, recipient: str, reply: InboundReply | None) -> None:
    logger.warning(
        "refused e-mail reply: %s (recipient %s, sender %s, message-id %s)",
        message,
        recipient,
        reply.sender if reply else "?",
        reply.message_id if reply else "?",
    )
    raise ReplyRefused(message, field=field)


@transaction.atomic
def case_reply_receive(
    *, recipient: str, message: EmailMessage, now: datetime | None = None
) -> CaseEvent:
    """Add a received reply to its case as a comment by its contact, attachments kept.

    Raises :class:`ReplyRefused` (a :class:`DomainError`) for a bad or forged address, an
    unknown case or contact, a sender that is not the contact, or a reply without text or
    files.
    """
    now = now or timezone.now()
    reply = read_reply(message)
    target = parse_reply_address(recipient)
    if target is None:
        _refuse(
            _("This reply address is not valid."),
            field="recipient",
            recipient=recipient,
            reply=reply,
        )
    case_id, contact_id = target
    case = Case.objects.filter(pk=case_id).first()
    contact = Contact.objects.filter(pk=contact_id).first()
    if case is None or contact is None or contact.partner_id != case.partner_id:
        _refuse(
            _("This reply address is not valid."),
            field="recipient",
            recipient=recipient,
            reply=reply,
        )
    if not reply.sender or reply.sender != contact.email.strip().lower():
        _refuse(
            _("The sender is not the contact this reply address belongs to."),
            field="sender",
            recipient=recipient,
            reply=reply,
        )
    if reply.message_id:
        earlier = CaseEvent.objects.filter(
            case=case, kind=EventKind.COMMENT, data__message_id=reply.message_id
        ).first()
        if earlier is not None:
            return earlier
    if not reply.text and not reply.attachments:
        _refuse(_("The reply is empty."), field="text", recipient=recipient, reply=reply)
    event = None
    if reply.text:
        event = case_comment(
            case=case,
            contact=contact,
            text=reply.text,
            data={"via": "email", "contact": contact.pk, "message_id": reply.message_id},
            now=now,
        )
    # The reply's files become the case's attachments, each on the timeline. A reply of files
    # only adds no comment: nothing the person typed would be in it.
    for item in reply.attachments:
        attachment = case_attachment_add(
            actor=None,
            case=case,
            file=ContentFile(item.content, name=item.name),
            name=item.name,
            contact=contact,
            now=now,
        )
        if event is None:
            event = case.events.filter(
                kind=EventKind.ATTACHMENT, data__attachment=attachment.pk
            ).first()
    logger.info("e-mail reply of contact %s added to case %s", contact.pk, case.pk)
    return event
