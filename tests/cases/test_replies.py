"""E-mail replies to case messages become comments: signed reply addresses, trimming, the
service's refusals, and the receiver (``manage.py receive_mail``) end to end with smtplib."""

from __future__ import annotations

import smtplib
import socket
import threading
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from cases.choices import EventKind
from cases.models import CaseEvent
from cases.replies import parse_reply_address, reply_address, trim_reply
from cases.services.replies import ReplyRefused, case_reply_receive
from tests.cases.factories import CaseFactory
from tests.factories import ContactFactory

# --- reply addresses ---------------------------------------------------------------------------


def test_a_reply_address_names_its_case_and_contact(settings):
    settings.CASE_REPLY_DOMAIN = "reply.portal.example"
    address = reply_address(42, 7)
    assert address.startswith("case+42.7.")
    assert address.endswith("@reply.portal.example")
    assert parse_reply_address(address) == (42, 7)
    # Mail systems may fold case; a display name around it is fine.
    assert parse_reply_address(f"TAC case <{address.upper()}>") == (42, 7)


@pytest.mark.parametrize(
    "forge",
    [
        lambda a: a.replace("case+42.7.", "case+43.7."),  # another case, same signature
        lambda a: a.replace("case+42.7.", "case+42.8."),  # another contact
        lambda a: (
            a[: a.index("@") - 1] + ("0" if a[a.index("@") - 1] != "0" else "1") + a[a.index("@") :]
        ),
        lambda a: a.replace("@reply.localhost", "@elsewhere.example"),
        lambda a: a.replace("case+", "other+"),
        lambda a: "case+42.7@reply.localhost",
        lambda a: "nobody@reply.localhost",
        lambda a: "",
    ],
)
def test_a_forged_or_foreign_address_is_not_a_reply_address(settings, forge):
    settings.CASE_REPLY_DOMAIN = "reply.localhost"
    assert parse_reply_address(forge(reply_address(42, 7))) is None


def test_the_signature_depends_on_the_secret_key(settings):
    address = reply_address(42, 7)
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert parse_reply_address(address) is None


# --- trimming ----------------------------------------------------------------------------------


def test_trimming_cuts_an_english_quote_and_signature():
    text = (
        "Restarted the node, phones register again.\n\n"
        "-- \nMaria Souza\nPartner NOC\n\n"
        "On Tue, 1 Dec 2026 at 10:00, TAC <case+1.2.abc@reply.localhost> wrote:\n"
        "> Case #12: please restart the node\n> Thanks\n"
    )
    assert trim_reply(text) == "Restarted the node, phones register again."


def test_trimming_cuts_a_portuguese_quote_header():
    text = (
        "Reiniciei o nó.\n\nEm ter., 1 de dez. de 2026 às 10:00, TAC <case@x> escreveu:\n"
        "> Caso de suporte #12\n"
    )
    assert trim_reply(text) == "Reiniciei o nó."


def test_trimming_cuts_a_header_wrapped_over_two_lines():
    text = (
        "Done.\n\nOn Tue, 1 Dec 2026 at 10:00, Partner Operations Portal\n<case@x> wrote:\n> old\n"
    )
    assert trim_reply(text) == "Done."


def test_trimming_cuts_at_the_portals_marker_and_outlook_separators():
    marked = "Looks good now.\n\n## ----- Write your reply above this line ----- ##\nCase #12 …\n"
    assert trim_reply(marked) == "Looks good now."
    outlook = "Yes, go ahead.\n\n-----Original Message-----\nFrom: TAC\nSubject: Case #12\n"
    assert trim_reply(outlook) == "Yes, go ahead."
    portuguese = "Pode seguir.\n\n-----Mensagem original-----\nDe: TAC\n"
    assert trim_reply(portuguese) == "Pode seguir."


def test_trimming_keeps_a_reply_without_quote():
    assert trim_reply("Line one\nLine two\n") == "Line one\nLine two"


# --- the service -------------------------------------------------------------------------------


def _reply(
    *, sender: str, to: str, text: str, message_id: str = "<r1@partner.example>"
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Maria <{sender}>"
    message["To"] = to
    message["Subject"] = "Re: Case #1"
    message["Message-ID"] = message_id
    message.set_content(text)
    return message


@pytest.fixture
def maria(partner_a, customer_a):
    return ContactFactory(partner=partner_a, name="Maria Souza", email="maria@acme.example")


@pytest.fixture
def case_a(customer_a):
    return CaseFactory(customer=customer_a)


def test_a_reply_becomes_a_comment_by_its_contact(case_a, maria):
    message = _reply(
        sender="MARIA@acme.example",
        to=reply_address(case_a.pk, maria.pk),
        text="Restarted, all good.\n\nOn Tue, TAC wrote:\n> Case #1\n",
    )
    event = case_reply_receive(recipient=reply_address(case_a.pk, maria.pk), message=message)
    assert event.case == case_a
    assert event.kind == EventKind.COMMENT
    assert event.text == "Restarted, all good."
    assert event.actor is None
    assert event.actor_name == "Maria Souza"
    assert event.data["via"] == "email"
    assert event.data["contact"] == maria.pk


def test_the_same_message_twice_is_one_comment(case_a, maria):
    address = reply_address(case_a.pk, maria.pk)
    message = _reply(sender=maria.email, to=address, text="Once.")
    first = case_reply_receive(recipient=address, message=message)
    again = case_reply_receive(recipient=address, message=message)
    assert first.pk == again.pk
    assert case_a.events.filter(kind=EventKind.COMMENT).count() == 1


def test_a_reply_from_another_sender_is_refused(case_a, maria):
    address = reply_address(case_a.pk, maria.pk)
    with pytest.raises(ReplyRefused) as refused:
        case_reply_receive(
            recipient=address, message=_reply(sender="mallory@evil.example", to=address, text="Hi")
        )
    assert refused.value.field == "sender"
    assert not case_a.events.filter(kind=EventKind.COMMENT).exists()


def test_a_contact_of_another_partner_cannot_reply_to_the_case(case_a, partner_b):
    outsider = ContactFactory(partner=partner_b, email="charlie@borealis.example")
    address = reply_address(case_a.pk, outsider.pk)  # validly signed, but not the case's partner
    with pytest.raises(ReplyRefused) as refused:
        case_reply_receive(
            recipient=address, message=_reply(sender=outsider.email, to=address, text="Hi")
        )
    assert refused.value.field == "recipient"
    assert not case_a.events.filter(kind=EventKind.COMMENT).exists()


def test_a_forged_address_and_an_empty_reply_are_refused(case_a, maria):
    forged = reply_address(case_a.pk, maria.pk).replace(f"+{case_a.pk}.", f"+{case_a.pk + 1}.")
    with pytest.raises(ReplyRefused):
        case_reply_receive(
            recipient=forged, message=_reply(sender=maria.email, to=forged, text="x")
        )
    address = reply_address(case_a.pk, maria.pk)
    with pytest.raises(ReplyRefused) as refused:
        case_reply_receive(
            recipient=address,
            message=_reply(sender=maria.email, to=address, text="> only the quote\n"),
        )
    assert refused.value.field == "text"
    assert not CaseEvent.objects.filter(kind=EventKind.COMMENT).exists()


def test_refusals_are_logged(case_a, maria, caplog):
    address = reply_address(case_a.pk, maria.pk)
    with pytest.raises(ReplyRefused):
        case_reply_receive(
            recipient=address, message=_reply(sender="mallory@evil.example", to=address, text="Hi")
        )
    assert "refused e-mail reply" in caplog.text
    assert "mallory@evil.example" in caplog.text


# --- the receiver, end to end ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def receiver(transactional_db):
    """``manage.py receive_mail`` running on a free loopback port, stopped after the test."""

    def start(*, lmtp: bool = False) -> int:
        port = _free_port()
        stop = threading.Event()
        args = ["receive_mail", "--host", "127.0.0.1", "--port", str(port)]
        if lmtp:
            args.append("--lmtp")
        thread = threading.Thread(target=call_command, args=args, kwargs={"stop_event": stop})
        thread.start()
        started.append((stop, thread))
        for _ in range(200):  # the command binds in its own thread: wait until it answers
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.05):
                    return port
            except OSError:
                threading.Event().wait(0.01)
        raise AssertionError("the receiver did not start")

    started: list[tuple[threading.Event, threading.Thread]] = []
    yield start
    for stop, thread in started:
        stop.set()
        thread.join(timeout=10)


def test_smtp_reply_end_to_end(receiver, case_a, maria):
    port = receiver()
    address = reply_address(case_a.pk, maria.pk)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(_reply(sender=maria.email, to=address, text="Fixed on our side."))
    comment = case_a.events.get(kind=EventKind.COMMENT)
    assert comment.text == "Fixed on our side."
    assert comment.actor_name == "Maria Souza"


def test_the_receiver_refuses_a_forged_recipient_at_rcpt(receiver, case_a, maria):
    port = receiver()
    forged = (
        reply_address(case_a.pk, maria.pk)[:-30]
        + "0" * 6
        + reply_address(case_a.pk, maria.pk)[-24:]
    )
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.send_message(_reply(sender=maria.email, to=forged, text="Hi"))
    assert not case_a.events.filter(kind=EventKind.COMMENT).exists()


def test_the_receiver_refuses_an_unknown_sender_with_the_reason(receiver, case_a, maria):
    port = receiver()
    address = reply_address(case_a.pk, maria.pk)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            smtp.send_message(_reply(sender="mallory@evil.example", to=address, text="Hi"))
    assert refused.value.smtp_code == 550
    assert b"sender" in refused.value.smtp_error
    assert not case_a.events.filter(kind=EventKind.COMMENT).exists()


def test_lmtp_reply_end_to_end(receiver, case_a, maria):
    port = receiver(lmtp=True)
    address = reply_address(case_a.pk, maria.pk)
    lmtp = smtplib.LMTP("127.0.0.1", port, timeout=10)
    try:
        lmtp.send_message(_reply(sender=maria.email, to=address, text="Over LMTP."))
    finally:
        lmtp.quit()
    assert case_a.events.get(kind=EventKind.COMMENT).text == "Over LMTP."


def test_an_html_only_reply_is_read_as_text(case_a, maria):
    address = reply_address(case_a.pk, maria.pk)
    message = EmailMessage()
    message["From"] = maria.email
    message["To"] = address
    message["Message-ID"] = "<html1@partner.example>"
    message.set_content("<p>Works <b>now</b>.</p><div>Thanks</div>", subtype="html")
    event = case_reply_receive(recipient=address, message=message)
    assert event.text == "Works now.\nThanks"


def test_a_replys_files_become_attachments_of_the_case(case_a, maria):
    address = reply_address(case_a.pk, maria.pk)
    message = _reply(sender=maria.email, to=address, text="Trace attached.")
    message.add_attachment(
        b"INVITE sip:...", maintype="application", subtype="octet-stream", filename="trace.pcap"
    )
    event = case_reply_receive(recipient=address, message=message)
    assert event.text == "Trace attached."
    attachment = case_a.attachments.get()
    assert (attachment.original_name, attachment.size) == ("trace.pcap", 14)
    assert attachment.uploaded_by_contact == maria
    assert case_a.events.filter(kind=EventKind.ATTACHMENT).count() == 1
    # The MTA delivering the same message again adds neither a comment nor a file.
    case_reply_receive(recipient=address, message=message)
    assert case_a.attachments.count() == 1


def test_a_reply_of_files_only_adds_the_files_and_no_comment(case_a, maria):
    address = reply_address(case_a.pk, maria.pk)
    message = _reply(sender=maria.email, to=address, text="> quoted only\n")
    message.add_attachment(b"log line", maintype="text", subtype="plain", filename="sbc.log")
    event = case_reply_receive(recipient=address, message=message)
    assert event.kind == EventKind.ATTACHMENT
    assert not case_a.events.filter(kind=EventKind.COMMENT).exists()
    assert case_a.attachments.get().original_name == "sbc.log"


# --- the reply address in case messages --------------------------------------------------------


def test_a_case_message_carries_its_readers_reply_address_and_a_reply_to_it_is_a_comment(
    alice, customer_a, settings
):
    """End to end through the outbox: an S1 case tells the partner's "cases" contact; the
    e-mail's Reply-To is that contact's signed address for the case and the text starts with
    the marker line; the contact's reply, quoting the message, becomes their comment."""
    from django.core import mail

    from cases import services
    from portal.choices import Category
    from portal.notifications import deliver_due

    noc = ContactFactory(
        partner=customer_a.partner,
        email="noc@acme.example",
        name="Acme NOC",
        categories=[Category.CASES],
    )
    case = services.case_open(
        user=alice,
        customer=customer_a,
        title="Calls drop",
        description="All calls drop.",
        category="availability",
        urgency="critical",
        impact="widespread",
        contract_number=customer_a.contract_number,
        contact_name="Nina",
        contact_phone="+1",
        contact_email="nina@acme.example",
    )
    deliver_due()
    sent = [m for m in mail.outbox if m.to == ["noc@acme.example"]]
    assert len(sent) == 1
    message = sent[0]
    assert message.reply_to == [reply_address(case.pk, noc.pk)]
    assert message.body.startswith("## ----- Write your reply above this line ----- ##")
    assert "Write your reply above this line" in message.alternatives[0][0]
    # Operator addresses get no reply address: they work the case in the admin.
    oncall = [m for m in mail.outbox if m.to == [settings.OPERATOR_ONCALL_EMAIL]]
    assert oncall and all(m.reply_to == [] for m in oncall)

    quoted = "\n".join("> " + line for line in message.body.splitlines())
    reply = _reply(
        sender="noc@acme.example",
        to=message.reply_to[0],
        text=f"We see it in Paris too.\n\nOn Tue, 1 Dec 2026, Portal wrote:\n{quoted}\n",
    )
    event = case_reply_receive(recipient=message.reply_to[0], message=reply)
    assert (event.case_id, event.text, event.actor_name) == (
        case.pk,
        "We see it in Paris too.",
        "Acme NOC",
    )


def test_the_marker_is_in_the_readers_language(case_a, maria):
    assert (
        trim_reply(
            "Pode seguir.\n\n> ## ----- Escreva sua resposta acima desta linha ----- ##\n> Caso #1\n"
        )
        == "Pode seguir."
    )
