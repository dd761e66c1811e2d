"""Case services: opening, acknowledgement, severity, lifecycle (R-CASE-1 … R-CASE-13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases import services, sweep
from cases.choices import EventKind, Status
from cases.models import Case, CaseEvent
from portal.errors import DomainError
from tests.outbox import deliveries

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


def open_case(user, customer, **overrides):
    data = {
        "customer": customer,
        "title": "Phones cannot register",
        "description": "All phones of site B unregistered.",
        "category": "common",
        "urgency": "medium",
        "impact": "localized",
        "contract_number": customer.contract_number,
        "contact_name": "Nina Ops",
        "contact_phone": "+33 1 23 45 67 89",
        "contact_email": "nina@acme.example",
    }
    data.update(overrides)
    return services.case_open(user=user, **data)


def kinds(case):
    return list(case.events.values_list("kind", flat=True))


# --- opening -------------------------------------------------------------------------------


def test_opening_derives_partner_severity_and_due_time(alice, customer_a):
    case = open_case(alice, customer_a, urgency="high", impact="large")
    assert case.partner_id == customer_a.partner_id
    assert case.severity == "S2"
    assert case.response_due_at - case.opened_at == timedelta(minutes=30)
    assert case.warning_due_at - case.opened_at == timedelta(minutes=24)
    assert case.status == Status.NEW and kinds(case)[0] == EventKind.OPENED


def test_s3_opened_friday_afternoon_is_due_monday(alice, customer_a):
    # Friday 2026-11-20 16:00 Paris (15:00 UTC); EMEA calendar from the core's defaults
    friday = datetime(2026, 11, 20, 15, tzinfo=UTC)
    case = open_case(alice, customer_a, now=friday)
    assert case.severity == "S3"
    assert case.response_due_at == datetime(2026, 11, 23, 15, tzinfo=UTC)


def test_affected_share_derives_the_impact_r_case_3(alice, customer_a):
    case = open_case(alice, customer_a, impact=None, affected_share=Decimal("0.75"))
    assert case.impact == "large" and case.affected_share == Decimal("0.750")


def test_impact_contradicting_the_share_is_refused(alice, customer_a):
    with pytest.raises(DomainError) as err:
        open_case(alice, customer_a, impact="widespread", affected_share=Decimal("0.2"))
    assert err.value.field == "impact" and err.value.rule == "R-CASE-3"


def test_neither_impact_nor_share_is_refused(alice, customer_a):
    with pytest.raises(DomainError) as err:
        open_case(alice, customer_a, impact=None)
    assert err.value.field == "impact"


def test_wrong_contract_number_is_refused_r_case_1(alice, customer_a):
    with pytest.raises(DomainError) as err:
        open_case(alice, customer_a, contract_number="CN-WRONG")
    assert err.value.field == "contract_number" and err.value.rule == "R-CASE-1"
    assert not Case.objects.exists()


@pytest.mark.parametrize("field", ["contact_name", "contact_phone", "contact_email", "description"])
def test_reporting_contact_and_description_are_required_r_case_1(alice, customer_a, field):
    with pytest.raises(DomainError) as err:
        open_case(alice, customer_a, **{field: "  "})
    assert err.value.field == field and err.value.rule == "R-CASE-1"


def test_outsider_cannot_open_for_another_partners_customer(charlie, customer_a):
    with pytest.raises(DomainError) as err:
        open_case(charlie, customer_a)
    assert err.value.field == "customer"


def test_partner_cannot_record_the_opening_time_or_the_phone_channel(alice, customer_a):
    with pytest.raises(DomainError) as err:
        open_case(alice, customer_a, opened_at=timezone.now() - timedelta(hours=1))
    assert err.value.field == "opened_at"
    with pytest.raises(DomainError) as err:
        open_case(alice, customer_a, channel="phone")
    assert err.value.field == "channel"


def test_staff_record_a_phone_case_with_its_real_opening_time_r_case_11(staff, customer_a):
    called = timezone.now() - timedelta(minutes=20)
    case = open_case(
        staff, customer_a, channel="phone", opened_at=called, urgency="critical", impact="large"
    )
    assert case.opened_at == called and case.channel == "phone"
    assert case.response_due_at == called + timedelta(minutes=15)  # already overdue


def test_opening_time_in_the_future_is_refused_r_case_11(staff, customer_a):
    with pytest.raises(DomainError) as err:
        open_case(staff, customer_a, opened_at=timezone.now() + timedelta(minutes=5))
    assert err.value.field == "opened_at" and err.value.rule == "R-CASE-11"


def test_s1_opening_notifies_partner_cases_contacts_and_oncall(
    alice, customer_a, case_contacts, oncall
):
    case = open_case(alice, customer_a, urgency="critical", impact="widespread")
    recipients = set(deliveries().values_list("recipient", flat=True))
    assert recipients == {"noc@acme.example", "it@alpha.example", oncall}
    assert set(deliveries().values_list("notification__dedupe_key", flat=True)) == {
        f"case:{case.pk}:opened"
    }
    assert EventKind.NOTIFICATION_SENT in kinds(case)


def test_s3_opening_notifies_nobody(alice, customer_a, case_contacts, oncall):
    open_case(alice, customer_a)
    assert not deliveries().exists()


# --- acknowledgement -------------------------------------------------------------------------


def test_staff_acknowledge_in_time(staff, customer_a):
    case = CaseFactory(customer=customer_a)
    case = services.case_acknowledge(user=staff, case=case)
    assert case.status == Status.ACKNOWLEDGED and case.acknowledged_by == staff
    assert case.breached_at is None


def test_partner_cannot_acknowledge(alice, customer_a):
    case = CaseFactory(customer=customer_a)
    with pytest.raises(DomainError):
        services.case_acknowledge(user=alice, case=case)


def test_late_acknowledgement_records_the_breach_once(staff, customer_a):
    case = CaseFactory(customer=customer_a, overdue=True)
    case = services.case_acknowledge(user=staff, case=case)
    assert case.breached
    assert kinds(case).count(EventKind.BREACH) == 1
    with pytest.raises(DomainError):
        services.case_acknowledge(user=staff, case=case)


# --- severity (R-CASE-6, R-CASE-7) ------------------------------------------------------------


def test_escalation_request_raises_and_recomputes_due_from_opening(alice, customer_a, oncall):
    opened = timezone.now() - timedelta(minutes=20)
    case = CaseFactory(customer=customer_a, opened_at=opened)  # S3
    case = services.case_request_escalation(
        user=alice, case=case, severity="S2", reason="Now all sites are hit"
    )
    assert case.severity == "S2"
    assert case.response_due_at == opened + timedelta(minutes=30)
    event = case.events.get(kind=EventKind.SEVERITY_CHANGE)
    assert (event.actor, event.from_value, event.to_value, event.text) == (
        alice,
        "S3",
        "S2",
        "Now all sites are hit",
    )
    assert case.events.filter(kind=EventKind.ESCALATION_REQUEST).count() == 1
    assert deliveries(recipient=oncall).exists()


def test_escalation_to_s1_makes_an_old_case_overdue_at_once(alice, customer_a):
    case = CaseFactory(customer=customer_a, opened_at=timezone.now() - timedelta(minutes=40))
    services.case_request_escalation(user=alice, case=case, severity="S1", reason="Outage")
    assert [c.pk for c in Case.objects.filter(pk=case.pk)] == sweep.escalation_sweep().breached


@pytest.mark.parametrize("severity", ["S3", "S4"])
def test_escalation_must_raise_the_severity(alice, customer_a, severity):
    case = CaseFactory(customer=customer_a)  # S3
    with pytest.raises(DomainError) as err:
        services.case_request_escalation(user=alice, case=case, severity=severity, reason="x")
    assert err.value.field == "severity" and err.value.rule == "R-CASE-6"


def test_escalation_needs_a_reason(alice, customer_a):
    case = CaseFactory(customer=customer_a)
    with pytest.raises(DomainError) as err:
        services.case_request_escalation(user=alice, case=case, severity="S1", reason=" ")
    assert err.value.field == "reason"


def test_outsider_cannot_escalate(charlie, customer_a):
    case = CaseFactory(customer=customer_a)
    with pytest.raises(DomainError):
        services.case_request_escalation(user=charlie, case=case, severity="S1", reason="x")


def test_staff_lower_the_severity_with_a_reason(staff, customer_a):
    case = CaseFactory(customer=customer_a, urgency="critical", impact="widespread")
    case = services.case_change_severity(user=staff, case=case, severity="S4", reason="Cosmetic")
    assert case.severity == "S4"
    assert case.response_due_at > case.opened_at + timedelta(hours=27)


def test_severity_change_after_acknowledgement_keeps_the_due_time(staff, customer_a):
    case = CaseFactory(customer=customer_a)
    services.case_acknowledge(user=staff, case=case)
    due = Case.objects.get(pk=case.pk).response_due_at
    case = services.case_change_severity(user=staff, case=case, severity="S1", reason="Worse")
    assert case.response_due_at == due


def test_partner_cannot_change_severity_directly(alice, customer_a):
    case = CaseFactory(customer=customer_a)
    with pytest.raises(DomainError):
        services.case_change_severity(user=alice, case=case, severity="S1", reason="x")


# --- lifecycle (R-CASE-9, R-CASE-12) ----------------------------------------------------------


def acknowledged(staff, customer):
    case = CaseFactory(customer=customer)
    return services.case_acknowledge(user=staff, case=case)


def test_illegal_move_is_refused_with_a_clear_message(staff, customer_a):
    case = CaseFactory(customer=customer_a)
    with pytest.raises(DomainError) as err:
        services.case_transition(user=staff, case=case, status="resolved")
    assert err.value.rule == "R-CASE-12" and "Resolved" in err.value.message


def test_waiting_on_partner_is_paused_and_shown_apart_r_case_9(staff, alice, customer_a):
    case = acknowledged(staff, customer_a)
    t0 = timezone.now()
    case = services.case_transition(user=staff, case=case, status="in_progress", now=t0)
    case = services.case_transition(user=staff, case=case, status="awaiting_partner", now=t0)
    assert case.waiting_on_partner(t0 + timedelta(hours=2)) == timedelta(hours=2)
    case = services.case_transition(
        user=alice, case=case, status="in_progress", now=t0 + timedelta(hours=3)
    )
    assert case.paused_since is None and case.paused_total == timedelta(hours=3)
    assert case.waiting_on_partner(t0 + timedelta(days=9)) == timedelta(hours=3)


def test_partner_cannot_resolve(staff, alice, customer_a):
    case = acknowledged(staff, customer_a)
    services.case_transition(user=staff, case=case, status="in_progress")
    with pytest.raises(DomainError) as err:
        services.case_transition(user=alice, case=case, status="resolved")
    assert err.value.rule == "R-CASE-12"


def resolved(staff, customer, at):
    case = acknowledged(staff, customer)
    services.case_transition(user=staff, case=case, status="in_progress", now=at)
    services.case_monitor(user=staff, case=case)
    return services.case_transition(user=staff, case=case, status="resolved", now=at)


def test_partner_reopens_within_the_period(staff, alice, customer_a):
    case = resolved(staff, customer_a, timezone.now() - timedelta(days=13))
    case = services.case_reopen(user=alice, case=case, note="It is back")
    assert case.status == Status.IN_PROGRESS and case.reopen_count == 1
    assert case.events.filter(kind=EventKind.STATUS_CHANGE, data__reopen=True).count() == 1


def test_partner_cannot_reopen_after_the_period(staff, alice, customer_a, settings):
    settings.CASES_REOPEN_DAYS = 7
    case = resolved(staff, customer_a, timezone.now() - timedelta(days=8))
    with pytest.raises(DomainError) as err:
        services.case_reopen(user=alice, case=case)
    assert "7" in err.value.message


def test_partner_closes_a_resolved_case_and_closed_is_final(staff, alice, customer_a):
    case = resolved(staff, customer_a, timezone.now())
    case = services.case_close(user=alice, case=case)
    assert case.status == Status.CLOSED and case.closed_at
    with pytest.raises(DomainError):
        services.case_reopen(user=alice, case=case)


def test_action_plan_is_staff_only_and_on_the_timeline(staff, alice, customer_a):
    case = acknowledged(staff, customer_a)
    with pytest.raises(DomainError):
        services.case_set_action_plan(user=alice, case=case, plan="x")
    case = services.case_set_action_plan(user=staff, case=case, plan="Collect traces, then patch")
    assert case.action_plan.startswith("Collect") and case.action_plan_at
    assert EventKind.ACTION_PLAN in kinds(case)


def test_out_of_scope_records_the_reason_and_resolves_r_case_13(staff, customer_a):
    case = CaseFactory(customer=customer_a)
    case = services.case_mark_out_of_scope(
        user=staff, case=case, reason="third_party", note="Vendor headset firmware"
    )
    assert case.out_of_scope and case.out_of_scope_reason == "third_party"
    assert case.status == Status.RESOLVED and case.acknowledged_at
    assert EventKind.OUT_OF_SCOPE in kinds(case)


def test_comment_from_partner(alice, customer_a):
    case = CaseFactory(customer=customer_a)
    event = services.case_comment(user=alice, case=case, text="Traces attached")
    assert event.actor == alice and event.kind == EventKind.COMMENT


def test_the_timeline_is_append_only(customer_a):
    case = CaseFactory(customer=customer_a)
    event = CaseEvent.objects.create(case=case, kind=EventKind.COMMENT, text="x")
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(case=case).delete()
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(case=case).update(text="y")


# --- links from other apps --------------------------------------------------------------------


def test_case_link_check_accepts_own_partner_case(alice, customer_a, partner_a):
    case = CaseFactory(customer=customer_a)
    assert services.case_link_check(user=alice, case_id=case.pk, partner=partner_a) == case
    assert services.case_link_check(user=alice, case_id=None) is None


def test_case_link_check_refuses_other_partners_case(charlie, staff, customer_a, partner_b):
    case = CaseFactory(customer=customer_a)
    with pytest.raises(DomainError) as err:
        services.case_link_check(user=charlie, case_id=case.pk)
    assert err.value.field == "case"
    with pytest.raises(DomainError):  # staff see it, but it is not partner B's case
        services.case_link_check(user=staff, case_id=case.pk, partner=partner_b)
    with pytest.raises(DomainError):
        services.case_link_check(user=staff, case_id="abc")


def test_warning_fraction_is_a_setting(alice, customer_a, settings):
    settings.CASES_WARNING_FRACTION = 0.5
    case = open_case(alice, customer_a, urgency="critical", impact="widespread")
    assert case.warning_due_at - case.opened_at == timedelta(minutes=7, seconds=30)


def test_out_of_scope_stores_the_reason_code_and_shows_it_in_the_readers_language(
    staff, customer_a
):
    from django.utils import translation

    case = CaseFactory(customer=customer_a)
    case = services.case_mark_out_of_scope(user=staff, case=case, reason="third_party")
    marked = case.events.get(kind=EventKind.OUT_OF_SCOPE)
    resolved = case.events.filter(kind=EventKind.STATUS_CHANGE, to_value=Status.RESOLVED).get()
    assert marked.to_value == "third_party" and resolved.text == ""
    english = marked.to_label
    with translation.override("pt-br"):
        assert marked.to_label != english
