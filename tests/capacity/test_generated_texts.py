"""Reasons and notes the capacity services write are rendered in the reader's language
(issue 12): an activation reads "Activation" / "Ativação", an update of a request its totals
in words of the reader's language. Existing rows are migrated from either rendering."""

from __future__ import annotations

import importlib

import pytest
from django.utils import translation

from capacity import services
from capacity.models import CapacityBaseline, CapacityRequestEvent
from portal.models import UserProfile
from tests.factories import token_client

from .factories import open_case

pytestmark = pytest.mark.django_db

migration = importlib.import_module("capacity.migrations.0006_generated_reasons_as_kind_and_values")


def _activate(customer, partner_user, staff) -> CapacityBaseline:
    activation = services.capacity_activation_submit(
        customer=customer, knowledge_workers=500, workspace_devices=600, actor=partner_user
    )
    services.capacity_activation_confirm(activation=activation, actor=staff)
    return customer.capacity_baselines.get()


def test_an_activation_reason_is_rendered_not_stored(alice, staff, customer_a):
    baseline = _activate(customer_a, alice, staff)
    assert baseline.reason == "" and baseline.reason_kind == "activation"
    assert baseline.display_reason == "Activation"
    with translation.override("pt-br"):
        assert baseline.display_reason == "Ativação"


def test_the_customer_page_shows_the_reason_in_the_readers_language(
    client_for, alice, bob, staff, customer_a
):
    _activate(customer_a, alice, staff)
    UserProfile.objects.update_or_create(user=bob, defaults={"language": "pt-br"})
    page = client_for(bob).get(f"/capacity/customers/{customer_a.pk}/").content.decode()
    assert "Ativação" in page


def test_an_update_note_is_rendered_in_the_api_and_on_the_page(
    api, client_for, alice, bob, staff, customer_a
):
    _activate(customer_a, alice, staff)
    request = services.capacity_request_submit(
        customer=customer_a,
        knowledge_workers=900,
        workspace_devices=600,
        reason="Growth",
        case=open_case(customer_a, alice),
        actor=alice,
    )
    services.capacity_request_update(request=request, actor=alice, knowledge_workers=950)
    event = CapacityRequestEvent.objects.get(note_kind="updated")
    assert event.note == ""
    assert event.display_note == "Updated: 950 knowledge workers, 600 workspace devices."

    UserProfile.objects.update_or_create(user=bob, defaults={"language": "pt-br"})
    words = "Atualizado: 950 trabalhadores do conhecimento"
    assert words in client_for(bob).get(f"/capacity/requests/{request.pk}/").content.decode()
    body = token_client(bob).get(f"/api/v1/capacity-requests/{request.pk}/").json()
    assert any(e["note"].startswith(words) for e in body["events"])


def test_the_admin_shows_the_reason_in_the_staff_language(client_for, alice, staff, customer_a):
    _activate(customer_a, alice, staff)
    page = (
        client_for(staff)
        .get("/admin/capacity/capacitybaseline/", HTTP_ACCEPT_LANGUAGE="pt-br")
        .content.decode()
    )
    assert "Ativação" in page


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Activation", ("activation", {})),
        ("Activation (R-CAP-1)", ("activation", {})),
        ("Ativação", ("activation", {})),
        ("Capacity request #12", ("request", {"request": 12})),
        ("Pedido de capacidade #12", ("request", {"request": 12})),
        ("Activation of the new branch", None),
    ],
)
def test_the_migration_reads_reasons_in_either_language(text, expected):
    assert migration.baseline_reason(text) == expected


def test_the_migration_converts_stored_rows(staff, customer_a):
    from django.apps import apps as live_apps

    generated = services.capacity_set_baseline(
        customer=customer_a,
        knowledge_workers=1,
        workspace_devices=1,
        actor=staff,
        reason="Activation (R-CAP-1)",
    )
    typed = services.capacity_set_baseline(
        customer=customer_a,
        knowledge_workers=2,
        workspace_devices=2,
        actor=staff,
        reason="Audit correction",
    )
    migration.forwards(live_apps, None)
    generated.refresh_from_db()
    typed.refresh_from_db()
    assert (generated.reason, generated.reason_kind) == ("", "activation")
    assert (typed.reason, typed.reason_kind) == ("Audit correction", "")
    with translation.override("pt-br"):
        assert generated.display_reason == "Ativação"
    assert migration.event_note(
        "Atualizado: 5 trabalhadores do conhecimento, 6 dispositivos do espaço de trabalho."
    ) == ("updated", {"kw": 5, "wd": 6})
