"""Fan-out audiences and the two channels, against real receivers on loopback: an SMTP server
(aiosmtpd) and an HTTP server standing in for a chat app's incoming webhook."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.core import mail

from portal import notifications
from portal.choices import Category, Channel, NotificationStatus
from portal.models import Delivery, Subscription
from portal.notifications import deliver_due, notify
from tests.factories import ContactFactory
from tests.outbox import deliveries

pytestmark = pytest.mark.django_db


def _event(partner, customer=None, key="ev:1"):
    return notify(
        partner=partner,
        customer=customer,
        category=Category.CASES,
        kind="legacy",
        context={"subject": "Something happened", "body": "Details"},
        dedupe_key=key,
        related=customer,
    )


def test_a_registered_audience_receives_the_event_of_its_object(partner_a, partner_b, customer_a):
    """The hook apps use (the cases app adds a case's reporting contact and watchers)."""
    outside = ContactFactory(partner=partner_a, email="watcher@acme.example", categories=[])
    foreign = ContactFactory(partner=partner_b, email="spy@globex.example", categories=[])

    def audience(object_ids):
        return {object_id: {outside.pk, foreign.pk} for object_id in object_ids}

    notifications.register_audience("portal.customer", audience)
    try:
        _event(partner_a, customer_a)
        recipients = set(deliveries().values_list("recipient", flat=True))
    finally:
        notifications.unregister_audience("portal.customer", audience)
    assert "watcher@acme.example" in recipients
    assert "spy@globex.example" not in recipients  # never another partner's contact


class _Receiver(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers["Content-Length"])
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def chat_receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True  # the receiver is on this host
    _Receiver.received = []
    _Receiver.status = 200
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, _Receiver
    server.shutdown()
    server.server_close()


def test_a_contact_who_chose_chat_gets_the_text_and_a_link_posted(partner_a, chat_receiver):
    server, receiver = chat_receiver
    url = f"http://127.0.0.1:{server.server_port}/hook"
    contact = ContactFactory(
        partner=partner_a, email="ops@acme.example", categories=[Category.CASES]
    )
    contact.chat_webhook_url = url
    contact.save()
    Subscription.objects.filter(contact=contact).update(chat=True, email=False)
    _event(partner_a)
    assert list(deliveries().values_list("channel", "recipient")) == [(Channel.CHAT, url)]
    assert deliver_due() == {"sent": 1, "failed": 0}
    assert receiver.received == [{"text": "Details\n", "link": ""}]
    assert not mail.outbox


def test_a_chat_webhook_that_refuses_is_retried(partner_a, chat_receiver):
    server, receiver = chat_receiver
    receiver.status = 500
    contact = ContactFactory(partner=partner_a, email="ops@acme.example", categories=[Category.CASES])
    contact.chat_webhook_url = f"http://127.0.0.1:{server.server_port}/hook"
    contact.save()
    Subscription.objects.filter(contact=contact).update(chat=True)
    _event(partner_a)
    assert deliver_due() == {"sent": 1, "failed": 1}  # the e-mail went, the chat did not
    failed = Delivery.objects.get(channel=Channel.CHAT)
    assert failed.status == NotificationStatus.PENDING and "500" in failed.last_error


def test_a_chat_webhook_in_a_private_network_is_refused_when_sent(
    settings, partner_a, chat_receiver
):
    server, receiver = chat_receiver
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    contact = ContactFactory(partner=partner_a, email="ops@acme.example", categories=[Category.CASES])
    contact.chat_webhook_url = f"http://127.0.0.1:{server.server_port}/hook"
    contact.save()
    Subscription.objects.filter(contact=contact).update(chat=True, email=False)
    _event(partner_a)
    assert deliver_due() == {"sent": 0, "failed": 1}
    assert receiver.received == []
    assert "private" in Delivery.objects.get(channel=Channel.CHAT).last_error


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:6379/", "http://169.254.169.254/latest/meta-data/", "ftp://x.example/"]
)
def test_a_contact_s_chat_webhook_gets_the_webhooks_guard(settings, alice, partner_a, url):
    from portal.errors import DomainError
    from portal.services import contact_create, contact_update

    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(DomainError) as refused:
        contact_create(
            user=alice, partner=partner_a, name="Ops", email="ops@acme.example",
            chat_webhook_url=url,
        )
    assert refused.value.field == "chat_webhook_url"
    contact = contact_create(user=alice, partner=partner_a, name="Ops", email="ops@acme.example")
    with pytest.raises(DomainError) as refused:
        contact_update(user=alice, contact=contact, chat_webhook_url=url)
    assert refused.value.field == "chat_webhook_url"
    contact.refresh_from_db()
    assert contact.chat_webhook_url == ""


class _Sink:
    def __init__(self):
        self.messages = []
        self.sessions = set()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.sessions.add(id(session))
        self.messages.append(envelope)
        return "250 OK"


def test_e_mail_goes_through_a_real_smtp_server_text_and_html_one_session(settings, partner_a):
    for n in range(3):
        ContactFactory(partner=partner_a, email=f"c{n}@acme.example", categories=[Category.CASES])
    sink = _Sink()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        _event(partner_a)
        assert deliver_due() == {"sent": 3, "failed": 0}
    finally:
        controller.stop()
    assert len(sink.messages) == 3
    assert len(sink.sessions) == 1  # one SMTP connection for the batch
    raw = sink.messages[0].content.decode()
    assert "text/plain" in raw and "text/html" in raw
