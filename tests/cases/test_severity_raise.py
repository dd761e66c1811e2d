"""A staff raise to S1 or S2 is told to the partner proactively (R-CASE-10, R-NOT-2)."""

from __future__ import annotations

import pytest

from cases import services
from cases.choices import EventKind
from tests.outbox import deliveries

from .factories import CaseFactory

pytestmark = pytest.mark.django_db
ADMIN = "/admin/cases/case/"
API = "/api/v1/cases/"


def recipients(case) -> set[str]:
    return set(
        deliveries(dedupe_key__startswith=f"case:{case.pk}:raise").values_list(
            "recipient", flat=True
        )
    )


@pytest.mark.parametrize("severity", ["S1", "S2"])
def test_staff_raise_to_s1_or_s2_notifies_partner_and_oncall_r_case_10(
    staff, customer_a, case_contacts, oncall, severity
):
    case = CaseFactory(customer=customer_a, urgency="low")  # S4
    services.case_change_severity(user=staff, case=case, severity=severity, reason="Outage")
    # the same people as the opening of an S1/S2 case: the customer's and the partner-wide
    # "cases" contacts and on-call; never another partner's contact
    assert recipients(case) == {"noc@acme.example", "it@alpha.example", oncall}
    assert case.events.filter(kind=EventKind.NOTIFICATION_SENT).exists()
    subject = deliveries(recipient="noc@acme.example").get().subject
    assert severity in subject and "S4" in subject


def test_staff_raise_to_s3_or_a_lowering_notifies_nobody_r_case_10(
    staff, customer_a, case_contacts, oncall
):
    case = CaseFactory(customer=customer_a, urgency="low")  # S4
    services.case_change_severity(user=staff, case=case, severity="S3", reason="Worse")
    services.case_change_severity(user=staff, case=case, severity="S4", reason="Better")
    assert not deliveries().exists()


def test_lowering_from_s1_to_s2_is_not_a_raise_r_case_10(staff, customer_a, case_contacts):
    case = CaseFactory(customer=customer_a, urgency="critical", impact="widespread")  # S1
    services.case_change_severity(user=staff, case=case, severity="S2", reason="Contained")
    assert recipients(case) == set()


def test_each_raise_is_told_once_r_case_10(staff, customer_a, case_contacts, oncall):
    case = CaseFactory(customer=customer_a, urgency="low")
    services.case_change_severity(user=staff, case=case, severity="S2", reason="Worse")
    services.case_change_severity(user=staff, case=case, severity="S4", reason="Better")
    services.case_change_severity(user=staff, case=case, severity="S1", reason="Outage")
    keys = set(deliveries().values_list("notification__dedupe_key", flat=True))
    assert len(keys) == 2 and all(k.startswith(f"case:{case.pk}:raise:") for k in keys)
    assert deliveries(recipient="noc@acme.example").count() == 2


def test_raise_through_the_api_notifies_the_partner_r_case_10(
    api, staff, customer_a, case_contacts, oncall
):
    case = CaseFactory(customer=customer_a, urgency="low")
    response = api(staff).post(
        f"{API}{case.pk}/change-severity/", {"severity": "S1", "reason": "Outage confirmed"}
    )
    assert response.status_code == 200 and response.json()["severity"] == "S1"
    assert recipients(case) == {"noc@acme.example", "it@alpha.example", oncall}


def test_raise_through_the_admin_action_page_notifies_the_partner_r_case_10(
    client_for, staff, customer_a, case_contacts, oncall
):
    case = CaseFactory(customer=customer_a, urgency="low")
    response = client_for(staff).post(
        f"{ADMIN}{case.pk}/do/change-severity/", {"severity": "S2", "reason": "Site down"}
    )
    assert response.status_code == 302
    assert recipients(case) == {"noc@acme.example", "it@alpha.example", oncall}
