"""The webhooks API (R-NOT-4): partner admins manage their partner's endpoints, the secret
shows once, deliveries can be read and redelivered; engineers and outsiders are refused."""

from __future__ import annotations

import pytest
from standardwebhooks.webhooks import Webhook

from portal import webhooks
from portal.automation_models import WebhookDelivery, WebhookEndpoint
from tests.portal.webhook_receiver import receiver

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"


def _create(client, url="http://127.0.0.1:9/hooks", events=("case.opened",), **extra):
    return client.post(URL, {"url": url, "events": list(events), **extra}, format="json")


@pytest.fixture
def endpoint_a(alice, partner_a):
    return webhooks.webhook_create(
        actor=alice, partner=partner_a, url="http://127.0.0.1:9/a", events=["case.opened"]
    )


@pytest.fixture
def delivery_a(endpoint_a, partner_a):
    webhooks.publish(partner=partner_a, type="case.opened", data={"case_id": 1}, dedupe_key="k")
    return WebhookDelivery.objects.get()


def test_an_admin_registers_an_endpoint_and_sees_the_secret_once(api, alice, partner_a):
    response = _create(api(alice), events=["case.opened", "change.notified"])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["partner"] == partner_a.pk
    assert body["events"] == ["case.opened", "change.notified"]
    assert (body["active"], body["failure_count"], body["disabled_at"]) == (True, 0, None)
    listed = api(alice).get(URL).json()["results"]
    assert [e["id"] for e in listed] == [body["id"]]
    assert "secret" not in listed[0]
    assert "secret" not in api(alice).get(f"{URL}{body['id']}/").json()


def test_rotating_the_secret_answers_the_new_one(api, alice, endpoint_a):
    response = api(alice).post(f"{URL}{endpoint_a.pk}/rotate-secret/")
    assert response.status_code == 200
    endpoint_a.refresh_from_db()
    assert response.json()["secret"] == endpoint_a.secret


def test_an_admin_changes_events_and_turns_it_off_and_deletes_it(api, alice, endpoint_a):
    client = api(alice)
    response = client.patch(
        f"{URL}{endpoint_a.pk}/", {"events": ["outage.declared"], "active": False}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["events"], response.json()["active"]) == (["outage.declared"], False)
    assert client.delete(f"{URL}{endpoint_a.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_bad_input_names_the_field(api, alice, settings):
    client = api(alice)
    assert "events" in _create(client, events=["case.exploded"]).json()
    assert "events" in _create(client, events=[]).json()
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    refused = _create(client, url="http://10.0.0.8/hooks")
    assert refused.status_code == 400
    assert "url" in refused.json() and refused.json()["rule"] == "R-NOT-4"
    assert not WebhookEndpoint.objects.exists()


def test_deliveries_show_status_codes_attempts_and_times(
    api, alice, partner_a, django_assert_max_num_queries
):
    with receiver() as hook:
        endpoint = webhooks.webhook_create(
            actor=alice, partner=partner_a, url=hook.url, events=["case.opened"]
        )
        hook.answer_next(500)
        for n in range(3):
            webhooks.publish(
                partner=partner_a, type="case.opened", data={"case_id": n}, dedupe_key=f"k{n}"
            )
        webhooks.deliver_due()
    client = api(alice)
    with django_assert_max_num_queries(8):
        rows = client.get(f"{URL}{endpoint.pk}/deliveries/").json()["results"]
    assert len(rows) == 3
    assert sorted(r["response_status_code"] for r in rows) == [200, 200, 500]
    assert {r["attempts"] for r in rows} == {1}
    failed = next(r for r in rows if r["response_status_code"] == 500)
    assert failed["status"] == "pending" and failed["next_attempt_at"]
    assert failed["payload"]["type"] == "case.opened"
    assert failed["message_id"].startswith("msg_")


def test_redeliver_sends_it_again_signed(api, alice, partner_a):
    with receiver() as hook:
        endpoint = webhooks.webhook_create(
            actor=alice, partner=partner_a, url=hook.url, events=["case.opened"]
        )
        webhooks.publish(partner=partner_a, type="case.opened", data={"case_id": 1}, dedupe_key="k")
        webhooks.deliver_due()
        delivery = WebhookDelivery.objects.get()
        response = api(alice).post(f"{URL}{endpoint.pk}/deliveries/{delivery.pk}/redeliver/")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "pending"
        webhooks.deliver_due()
        assert len(hook.requests) == 2
        Webhook(endpoint.secret).verify(hook.requests[1].body, hook.requests[1].headers)


def test_staff_list_every_partners_endpoints_and_name_the_partner(
    api, staff, endpoint_a, charlie, partner_b
):
    webhooks.webhook_create(
        actor=charlie, partner=partner_b, url="http://127.0.0.1:9/b", events=["case.opened"]
    )
    assert len(api(staff).get(URL).json()["results"]) == 2
    assert "partner" in _create(api(staff)).json()
    created = _create(api(staff), partner=partner_b.pk)
    assert created.status_code == 201 and created.json()["partner"] == partner_b.pk


# --- outsiders ------------------------------------------------------------------------------


def _routes(endpoint, delivery):
    base = f"{URL}{endpoint.pk}/"
    return [
        ("get", base, None),
        ("patch", base, {"active": False}),
        ("delete", base, None),
        ("post", f"{base}rotate-secret/", None),
        ("get", f"{base}deliveries/", None),
        ("post", f"{base}deliveries/{delivery.pk}/redeliver/", None),
    ]


def test_another_partner_gets_404_on_every_route(api, charlie, endpoint_a, delivery_a):
    client = api(charlie)
    assert client.get(URL).json()["results"] == []
    for method, path, data in _routes(endpoint_a, delivery_a):
        response = getattr(client, method)(path, data, format="json")
        assert response.status_code == 404, (method, path, response.status_code)
    assert WebhookEndpoint.objects.get().active


def test_an_engineer_is_refused_on_every_route(api, bob, endpoint_a, delivery_a):
    client = api(bob)
    assert client.get(URL).status_code == 403
    assert _create(client).status_code == 403
    for method, path, data in _routes(endpoint_a, delivery_a):
        response = getattr(client, method)(path, data, format="json")
        assert response.status_code == 403, (method, path, response.status_code)


def test_anonymous_is_refused(api, endpoint_a):
    assert api().get(URL).status_code in (401, 403)


def test_a_delivery_of_another_endpoint_is_a_404(api, alice, partner_a, endpoint_a, delivery_a):
    other = webhooks.webhook_create(
        actor=alice, partner=partner_a, url="http://127.0.0.1:9/other", events=["case.commented"]
    )
    response = api(alice).post(f"{URL}{other.pk}/deliveries/{delivery_a.pk}/redeliver/")
    assert response.status_code == 404


def test_the_openapi_description_documents_every_event(api, staff):
    schema = api(staff).get("/api/schema/?format=json").json()
    description = schema["paths"]["/api/v1/webhooks/"]["get"]["description"]
    for event_type in webhooks.EVENT_TYPES:
        assert f"`{event_type}`" in description
    payload = schema["components"]["schemas"]["WebhookPayload"]
    assert set(payload["discriminator"]["mapping"]) == set(webhooks.EVENT_TYPES)
    opened = schema["components"]["schemas"]["CaseOpenedEvent"]
    assert set(opened["properties"]) == {"type", "timestamp", "data"}
