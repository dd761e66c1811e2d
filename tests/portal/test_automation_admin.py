"""Staff admin of webhooks and API tokens: writes go through the services."""

from __future__ import annotations

import pytest

from portal import tokens, webhooks
from portal.automation_models import ApiToken, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(alice, partner_a):
    endpoint = webhooks.webhook_create(
        actor=alice, partner=partner_a, url="http://127.0.0.1:9/a", events=["case.opened"]
    )
    webhooks.publish(partner=partner_a, type="case.opened", data={"case_id": 1}, dedupe_key="k")
    WebhookDelivery.objects.update(status="failed")
    return endpoint


def test_every_changelist_opens(client_for, staff, delivered, bob):
    tokens.api_token_create(actor=bob, user=bob, name="script")
    client = client_for(staff)
    for name in ("webhookendpoint", "webhookmessage", "webhookdelivery", "apitoken"):
        assert client.get(f"/admin/portal/{name}/").status_code == 200, name
    assert client.get(f"/admin/portal/webhookendpoint/{delivered.pk}/change/").status_code == 200


def test_staff_add_an_endpoint_through_the_service(client_for, staff, partner_a, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    client = client_for(staff)
    form = {"partner": partner_a.pk, "url": "http://10.0.0.1/x", "events": ["case.opened"]}
    refused = client.post("/admin/portal/webhookendpoint/add/", {**form, "active": "on"})
    assert refused.status_code == 200 and not WebhookEndpoint.objects.exists()
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    client.post("/admin/portal/webhookendpoint/add/", {**form, "active": "on"})
    assert WebhookEndpoint.objects.get().secret.startswith("whsec_")


def test_staff_redeliver_and_revoke_from_the_lists(client_for, staff, delivered, bob):
    client = client_for(staff)
    delivery = WebhookDelivery.objects.get()
    client.post(
        "/admin/portal/webhookdelivery/",
        {"action": "action", "_selected_action": [delivery.pk]},
    )
    token, _key = tokens.api_token_create(actor=bob, user=bob)
    client.post("/admin/portal/apitoken/", {"action": "action", "_selected_action": [token.pk]})
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert not ApiToken.objects.exists()
