"""Outbound webhooks (R-NOT-4): published in the change's transaction, signed per Standard
Webhooks, verified by the `standardwebhooks` library against a real receiver on loopback,
retried with backoff, disabled after repeated failures, redelivered on demand, once per
endpoint under concurrent workers."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connections, transaction
from standardwebhooks.webhooks import Webhook

from portal import webhooks
from portal.automation_models import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookMessage,
)
from portal.errors import DomainError
from portal.notifications import deliver_due as deliver_notifications
from tests.portal.webhook_receiver import receiver

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_MAX_FAILURES = 3
    settings.WEBHOOK_MAX_ATTEMPTS = 5
    settings.WEBHOOK_BACKOFF_SECONDS = 30


@pytest.fixture
def hook():
    with receiver() as r:
        yield r


def _endpoint(actor, partner, url, events=("case.opened",)):
    return webhooks.webhook_create(actor=actor, partner=partner, url=url, events=list(events))


def _publish(partner, key="case:1:opened", **data):
    with transaction.atomic():
        return webhooks.publish(
            partner=partner, type="case.opened", data={"case_id": 1, **data}, dedupe_key=key
        )


def test_a_delivery_is_signed_and_verifies_with_standardwebhooks_r_not_4(alice, partner_a, hook):
    endpoint = _endpoint(alice, partner_a, hook.url)
    assert endpoint.secret.startswith("whsec_")
    with time_machine.travel(T0, tick=False):
        assert _publish(partner_a, opened_at=T0) == 1
        assert webhooks.deliver_due() == {"delivered": 1, "failed": 0, "disabled": 0}
        (request,) = hook.requests
        payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    message = WebhookMessage.objects.get()
    assert request.headers["webhook-id"] == message.msg_id and message.msg_id.startswith("msg_")
    assert request.headers["webhook-timestamp"] == str(int(T0.timestamp()))
    assert request.headers["webhook-signature"].startswith("v1,")
    assert payload == {
        "type": "case.opened",
        "timestamp": "2026-12-02T10:00:00Z",
        "data": {"case_id": 1, "opened_at": "2026-12-02T10:00:00Z"},
    }
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDeliveryStatus.DELIVERED
    assert (delivery.response_status_code, delivery.attempts) == (200, 1)
    assert delivery.delivered_at == T0


def test_a_tampered_body_or_another_secret_fails_verification_r_not_4(alice, partner_a, hook):
    endpoint = _endpoint(alice, partner_a, hook.url)
    _publish(partner_a)
    webhooks.deliver_due()
    (request,) = hook.requests
    with pytest.raises(Exception, match="[Ss]ignature"):
        Webhook(endpoint.secret).verify(request.body.replace("1", "2"), request.headers)
    with pytest.raises(Exception, match="[Ss]ignature"):
        Webhook(webhooks.new_secret()).verify(request.body, request.headers)


def test_publishing_twice_or_rolled_back_writes_nothing_more_r_not_4(alice, partner_a):
    _endpoint(alice, partner_a, "http://127.0.0.1:9/hooks")
    assert _publish(partner_a) == 1
    assert _publish(partner_a) == 0
    with pytest.raises(RuntimeError), transaction.atomic():
        webhooks.publish(partner=partner_a, type="case.opened", data={}, dedupe_key="other")
        raise RuntimeError
    assert WebhookMessage.objects.count() == 1 and WebhookDelivery.objects.count() == 1


def test_only_active_endpoints_subscribed_to_the_type_of_the_partner_receive_it(
    alice, charlie, partner_a, partner_b
):
    wanted = _endpoint(alice, partner_a, "http://127.0.0.1:9/a")
    _endpoint(alice, partner_a, "http://127.0.0.1:9/other", events=["case.commented"])
    off = _endpoint(alice, partner_a, "http://127.0.0.1:9/off")
    webhooks.webhook_update(actor=alice, endpoint=off, active=False)
    _endpoint(charlie, partner_b, "http://127.0.0.1:9/b")
    assert _publish(partner_a) == 1
    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [wanted.pk]


def test_no_endpoint_no_message(partner_a):
    assert _publish(partner_a) == 0
    assert not WebhookMessage.objects.exists()


def test_failures_are_retried_with_exponential_backoff_r_not_4(alice, partner_a, hook):
    endpoint = _endpoint(alice, partner_a, hook.url)
    hook.answer_next(500, 503)
    with time_machine.travel(T0, tick=False) as clock:
        _publish(partner_a)
        assert webhooks.deliver_due()["failed"] == 1
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == WebhookDeliveryStatus.PENDING
        assert (delivery.response_status_code, delivery.last_error) == (500, "HTTP 500")
        assert delivery.next_attempt_at == T0 + timedelta(seconds=30)
        clock.move_to(T0 + timedelta(seconds=29))
        assert webhooks.deliver_due() == {"delivered": 0, "failed": 0, "disabled": 0}
        clock.move_to(T0 + timedelta(seconds=30))
        assert webhooks.deliver_due()["failed"] == 1
        delivery.refresh_from_db()
        assert delivery.next_attempt_at == T0 + timedelta(seconds=30 + 60)
        clock.move_to(delivery.next_attempt_at)
        assert webhooks.deliver_due()["delivered"] == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status_code) == (
        WebhookDeliveryStatus.DELIVERED,
        3,
        200,
    )
    assert len(hook.requests) == 3
    # every attempt carries the same message id, so the receiver can drop duplicates
    assert {r.headers["webhook-id"] for r in hook.requests} == {delivery.message.msg_id}
    endpoint.refresh_from_db()
    assert endpoint.failure_count == 0


def test_backoff_doubles_up_to_its_cap(settings):
    settings.WEBHOOK_BACKOFF_MAX_SECONDS = 200
    assert [webhooks.backoff(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [
        30,
        60,
        120,
        200,
        200,
    ]


def test_a_delivery_gives_up_after_its_attempts(settings, alice, partner_a, hook):
    settings.WEBHOOK_MAX_FAILURES = 100
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    _endpoint(alice, partner_a, hook.url)
    hook.answer_next(500, 500)
    with time_machine.travel(T0, tick=False) as clock:
        _publish(partner_a)
        webhooks.deliver_due()
        clock.move_to(T0 + timedelta(hours=1))
        webhooks.deliver_due()
        clock.move_to(T0 + timedelta(days=1))
        webhooks.deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (WebhookDeliveryStatus.FAILED, 2)
    assert len(hook.requests) == 2


def test_repeated_failures_disable_the_endpoint_and_tell_the_admins_r_not_4(
    alice, bob, partner_a, hook
):
    endpoint = _endpoint(alice, partner_a, hook.url)
    hook.answer_next(500, 500, 500)
    with time_machine.travel(T0, tick=False):
        for n in range(3):
            _publish(partner_a, key=f"case:{n}:opened")
        assert webhooks.deliver_due() == {"delivered": 0, "failed": 3, "disabled": 1}
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.disabled_at, endpoint.failure_count) == (False, T0, 3)
    deliver_notifications(now=T0 + timedelta(minutes=1))
    (message,) = mail.outbox
    assert message.to == [alice.email]  # the admin, not the engineer
    assert hook.url in message.subject
    # disabled: nothing more is sent, nor published to it
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        assert webhooks.deliver_due()["delivered"] == 0
        assert _publish(partner_a, key="case:9:opened") == 0
    # turned on again: the failures are forgotten and the pending deliveries go out
    webhooks.webhook_update(actor=alice, endpoint=endpoint, active=True)
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.disabled_at, endpoint.failure_count) == (True, None, 0)
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        assert webhooks.deliver_due()["delivered"] == 3


def test_redelivery_sends_a_delivered_message_again_r_not_4(alice, partner_a, hook):
    endpoint = _endpoint(alice, partner_a, hook.url)
    _publish(partner_a)
    webhooks.deliver_due()
    delivery = WebhookDelivery.objects.get()
    webhooks.webhook_redeliver(actor=alice, delivery=delivery)
    assert webhooks.deliver_due()["delivered"] == 1
    assert len(hook.requests) == 2
    assert hook.requests[0].headers["webhook-id"] == hook.requests[1].headers["webhook-id"]
    Webhook(endpoint.secret).verify(hook.requests[1].body, hook.requests[1].headers)


def test_a_rotated_secret_signs_the_next_delivery(alice, partner_a, hook):
    endpoint = _endpoint(alice, partner_a, hook.url)
    old = endpoint.secret
    endpoint = webhooks.webhook_rotate_secret(actor=alice, endpoint=endpoint)
    assert endpoint.secret != old
    _publish(partner_a)
    webhooks.deliver_due()
    (request,) = hook.requests
    Webhook(endpoint.secret).verify(request.body, request.headers)


def test_the_periodic_task_delivers_and_records_its_heartbeat(alice, partner_a, hook, settings):
    from portal import tasks
    from portal.models import JobHeartbeat

    _endpoint(alice, partner_a, hook.url)
    _publish(partner_a)
    assert tasks.deliver_webhooks.apply().get()["delivered"] == 1
    assert JobHeartbeat.objects.get(name="deliver-webhooks").runs == 1
    assert settings.CELERY_BEAT_SCHEDULE["deliver-webhooks"]["task"] == (
        "portal.tasks.deliver_webhooks"
    )


# --- the address guard --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hooks",
        "http://localhost:8080/hooks",
        "http://10.1.2.3/hooks",
        "http://192.168.0.10/hooks",
        "http://172.16.5.4/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hooks",
        "http://[fd00::1]/hooks",
        "http://[::ffff:10.0.0.1]/hooks",
        "http://224.0.0.1/hooks",
        "http://240.0.0.1/hooks",
        "http://0.0.0.0/hooks",
        "ftp://example.com/hooks",
        "not a url",
    ],
)
def test_private_and_reserved_addresses_are_refused_r_not_4(settings, alice, partner_a, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(DomainError) as refused:
        _endpoint(alice, partner_a, url)
    assert refused.value.field == "url"
    assert not WebhookEndpoint.objects.exists()


def test_a_public_address_is_accepted(settings, alice, partner_a):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    assert webhooks.url_problem("http://93.184.215.14/hooks") is None
    assert webhooks.url_problem("https://[2606:4700::1111]/hooks") is None


def test_the_guard_is_checked_again_at_send_time_r_not_4(settings, alice, partner_a, hook):
    _endpoint(alice, partner_a, hook.url)
    _publish(partner_a)
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    assert webhooks.deliver_due()["failed"] == 1
    assert hook.requests == []
    assert "private" in WebhookDelivery.objects.get().last_error


def test_a_send_connects_to_the_checked_address_with_the_url_s_host_r_not_4(hook):
    # "hooks.invalid" never resolves (RFC 6761): the request can only arrive through the address
    port = hook.url.split(":")[2].split("/")[0]
    url = f"http://hooks.invalid:{port}/hooks"
    assert webhooks.send(url, body="{}", headers={}, address="127.0.0.1") == 200
    assert hook.requests[0].headers["host"] == f"hooks.invalid:{port}"


def _self_signed(directory, name: str):
    """A certificate for ``name`` and its key, as PEM files (the certificate is its own CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2040, 1, 1, tzinfo=UTC))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_an_https_send_to_the_checked_address_verifies_the_url_s_host_name_r_not_4(
    tmp_path, monkeypatch
):
    import ssl
    import urllib.error
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    cert_file, key_file = _self_signed(tmp_path, "hooks.test")
    hosts = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            hosts.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        # not trusted yet: the certificate is checked (for the URL's name), so refused
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            webhooks.send(f"https://hooks.test:{port}/h", body="{}", headers={}, address="127.0.0.1")
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
        url = f"https://hooks.test:{port}/h"
        assert webhooks.send(url, body="{}", headers={}, address="127.0.0.1") == 204
        # the same certificate under another name does not pass
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            webhooks.send(f"https://other.test:{port}/h", body="{}", headers={}, address="127.0.0.1")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert hosts == [f"hooks.test:{port}"]


def test_a_name_resolving_elsewhere_after_the_check_is_not_followed_r_not_4(
    settings, monkeypatch, alice, partner_a, hook
):
    """DNS rebinding: the name answers a public address to the guard and loopback a moment
    later; the send connects to the address the guard accepted, never to loopback."""
    import socket

    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    port = int(hook.url.split(":")[2].split("/")[0])
    answers = ["93.184.215.14", "93.184.215.14"]  # when the endpoint is saved, when it is sent
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection

    def getaddrinfo(host, *args, **kwargs):
        if host != "rebind.test":
            return real_getaddrinfo(host, *args, **kwargs)
        address = answers.pop(0) if answers else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    connected = []

    def create_connection(address, *args, **kwargs):
        connected.append(address[0])
        if address[0] != "127.0.0.1":
            raise OSError("no route to the public address in this test")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    _endpoint(alice, partner_a, f"http://rebind.test:{port}/hooks")
    _publish(partner_a)
    assert webhooks.deliver_due()["failed"] == 1
    assert connected == ["93.184.215.14"] and hook.requests == []


def test_only_partner_admins_and_staff_manage_endpoints(alice, bob, charlie, staff, partner_a):
    from django.core.exceptions import PermissionDenied

    for outsider in (bob, charlie):
        with pytest.raises(PermissionDenied):
            _endpoint(outsider, partner_a, "http://127.0.0.1:9/hooks")
    assert _endpoint(staff, partner_a, "http://127.0.0.1:9/hooks").partner == partner_a


def test_unknown_event_types_are_refused(alice, partner_a):
    with pytest.raises(DomainError) as refused:
        _endpoint(alice, partner_a, "http://127.0.0.1:9/hooks", events=["case.exploded"])
    assert refused.value.field == "events"


# --- concurrency on PostgreSQL ------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_and_a_duplicated_beat_deliver_each_event_once_per_endpoint_r_not_4(
    alice, partner_a
):
    with receiver() as first, receiver() as second:
        endpoints = [
            _endpoint(alice, partner_a, first.url),
            _endpoint(alice, partner_a, second.url),
        ]
        webhooks.publish_many(
            [
                webhooks.Event(
                    partner_id=partner_a.pk,
                    type="case.opened",
                    data={"case_id": n},
                    dedupe_key=f"case:{n}:opened",
                )
                for n in range(150)
            ]
        )
        assert WebhookDelivery.objects.count() == 300
        results: list = []
        errors: list = []
        barrier = threading.Barrier(4)

        def run() -> None:
            try:
                barrier.wait()
                results.append(webhooks.deliver_due())
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        for hook, endpoint in zip((first, second), endpoints, strict=True):
            ids = [r.headers["webhook-id"] for r in hook.requests]
            assert len(ids) == 150 and len(set(ids)) == 150
            for r in hook.requests[:5]:
                Webhook(endpoint.secret).verify(r.body, r.headers)
        assert sum(r["delivered"] for r in results) == 300
        assert sum(1 for r in results if r["delivered"]) >= 2  # the work really was shared
        assert (
            WebhookDelivery.objects.filter(
                status=WebhookDeliveryStatus.DELIVERED, attempts=1
            ).count()
            == 300
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_publishers_of_one_event_write_it_once(alice, partner_a):
    _endpoint(alice, partner_a, "http://127.0.0.1:9/hooks")
    errors: list = []
    barrier = threading.Barrier(4)

    def run() -> None:
        try:
            barrier.wait()
            _publish(partner_a, key="case:7:opened")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert WebhookMessage.objects.count() == 1 and WebhookDelivery.objects.count() == 1
    assert json.loads(webhooks.body_of(WebhookMessage.objects.get()))["type"] == "case.opened"


def test_a_committed_publication_asks_a_worker_to_deliver_now(alice, partner_a, monkeypatch):
    from portal import tasks

    calls: list = []
    monkeypatch.setattr(tasks.deliver_webhooks, "apply_async", lambda **kw: calls.append(kw))
    from django.test import TestCase

    _endpoint(alice, partner_a, "http://127.0.0.1:9/hooks")
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            _publish(partner_a, key="rolled-back")
            raise RuntimeError
    assert callbacks == [] and calls == []
    with TestCase.captureOnCommitCallbacks(execute=True):
        _publish(partner_a)
    assert calls == [{"retry": False}]


def test_a_broker_outage_leaves_the_delivery_for_the_periodic_job(alice, partner_a):
    from django.test import TestCase

    _endpoint(alice, partner_a, "http://127.0.0.1:9/hooks")
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert _publish(partner_a) == 1  # the enqueue fails quietly
    assert WebhookDelivery.objects.get().status == WebhookDeliveryStatus.PENDING


def test_a_send_through_the_environment_s_proxy_is_not_pinned(monkeypatch, hook):
    # The proxy connects and resolves: the request goes to it, not to the checked address.
    monkeypatch.setenv("HTTP_PROXY", hook.url.rsplit("/", 1)[0])
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert webhooks.send("http://hooks.example:8080/x", body="{}", headers={}, address="192.0.2.1") == 200
    assert hook.requests[0].headers["host"] == "hooks.example:8080"
