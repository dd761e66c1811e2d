"""The same code runs on the embedded broker and on Redis: a real round trip through it."""

import uuid

import pytest
from kombu import Connection, Exchange, Queue

from portal.celery import app


def _round_trip() -> dict:
    name = f"portal-test-{uuid.uuid4().hex[:8]}"
    queue = Queue(name, Exchange(name), routing_key=name, auto_delete=True)
    with Connection(
        app.conf.broker_url, transport_options=app.conf.broker_transport_options
    ) as conn:
        producer = conn.Producer(serializer="json")
        producer.publish({"ping": name}, exchange=queue.exchange, routing_key=name, declare=[queue])
        with conn.SimpleQueue(queue) as simple:
            message = simple.get(block=True, timeout=5)
            message.ack()
            return message.payload


@pytest.mark.redis
def test_a_message_goes_through_redis():
    payload = _round_trip()
    assert payload["ping"].startswith("portal-test-")


def test_a_message_goes_through_the_configured_broker():
    assert _round_trip()["ping"].startswith("portal-test-")
