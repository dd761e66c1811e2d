"""Every change to cases, changes, capacity and releases is in an audit history (who, when,
what), visible to staff in the admin."""

import pytest
from django.urls import reverse

from cases import services as case_services
from tests.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_a_case_change_records_who_when_and_what(client_for, staff, customer_a):
    case = CaseFactory(customer=customer_a, urgency="critical", impact="widespread")
    client = client_for(staff)
    response = client.post(f"/api/v1/cases/{case.pk}/acknowledge/")
    assert response.status_code in (200, 201), response.content
    latest = case.history.latest()
    assert latest.history_user == staff
    assert latest.history_date is not None
    previous = latest.prev_record
    changed = {c.field for c in latest.diff_against(previous).changes}
    assert "acknowledged_at" in changed and "status" in changed


def test_service_writes_are_recorded_too(staff, customer_a):
    case = CaseFactory(customer=customer_a, urgency="medium", impact="large")
    case_services.case_change_severity(
        user=staff, case=case, severity="S2", reason="Triage: wider impact"
    )
    assert case.history.filter(severity="S2").exists()


def test_history_pages_for_every_audited_model_with_demo_data(client_for, staff):
    from django.apps import apps
    from django.core.management import call_command

    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    client = client_for(staff)
    audited = [
        m
        for m in apps.get_models()
        if hasattr(m, "history")
        and m._meta.app_label != "portal"
        and not m.__name__.startswith("Historical")
    ]
    assert {m._meta.label for m in audited} >= {
        "cases.Case",
        "maintenance.Change",
        "capacity.CapacityRequest",
        "releases.Release",
        "releases.Upgrade",
    }
    for model in audited:
        obj = model.objects.first()
        if obj is None:
            continue
        url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_history", args=[obj.pk]
        )
        page = client.get(url)
        assert page.status_code == 200, url
        assert model.history.filter(**{model._meta.pk.attname: obj.pk}).exists()


def test_partners_cannot_read_the_history(client_for, alice, customer_a):
    case = CaseFactory(customer=customer_a)
    response = client_for(alice).get(reverse("admin:cases_case_history", args=[case.pk]))
    assert response.status_code == 302


def test_every_audited_model_builds_its_history_manager_once(customer_a, staff):
    # portal.history.AuditHistory: the ``history`` manager's class is built once per model,
    # and a case's history is still that case's only (its queryset methods intact).
    from django.apps import apps

    audited = [
        m
        for m in apps.get_models()
        if not m.__name__.startswith("Historical") and hasattr(m, "history")
    ]
    assert audited
    for model in audited:
        assert type(model.history) is type(model.history), model._meta.label
    one = CaseFactory(customer=customer_a, urgency="medium", impact="large")
    other = CaseFactory(customer=customer_a, urgency="medium", impact="large")
    case_services.case_change_severity(user=staff, case=one, severity="S2", reason="Wider")
    assert type(one.history) is type(other.history)
    assert {h.id for h in one.history.all()} == {one.pk}
    assert one.history.filter(severity="S2").count() == 1
    assert not other.history.filter(severity="S2").exists()
    assert one.history.as_of(one.history.latest().history_date).severity == "S2"


@pytest.mark.parametrize(
    "language, words",
    [
        ("en", ("History: #", "Change reason", "Changes", "Severity", "S2")),
        ("pt-BR", ("Histórico: #", "Motivo da alteração", "Alterações", "Gravidade", "S2")),
    ],
)
def test_the_history_page_shows_times_with_their_zone_in_the_readers_language(
    client_for, staff, customer_a, language, words
):
    # DOMAIN.md "Times shown to people": the history's times and changed due times with
    # their zone, as the rest of the admin shows them; no raw ISO values or "None".
    import time_machine

    from portal.timefmt import show_time

    with time_machine.travel("2030-06-05 09:00:00+00:00", tick=False):
        case = CaseFactory(customer=customer_a, urgency="medium", impact="large")
        old_due = case.response_due_at
        case = case_services.case_change_severity(
            user=staff, case=case, severity="S2", reason="Wider impact"
        )
        page = client_for(staff).get(
            reverse("admin:cases_case_history", args=[case.pk]), HTTP_ACCEPT_LANGUAGE=language
        )
    assert page.status_code == 200
    text = page.content.decode()
    for word in words:
        assert word in text, word
    assert "+00:00" not in text and ">None<" not in text and "Nenhum" not in text
    from django.utils import translation

    with translation.override(language.lower()):
        assert show_time(old_due) in text  # e.g. "5 Jun 2030, 14:00 CEST": with its zone
        from cases.choices import Severity

        assert str(Severity.S2.label) in text  # the choice's label, in the reader's language
