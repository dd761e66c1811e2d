"""Fixtures of the cases tests."""

from __future__ import annotations

import pytest

from portal.choices import Category
from tests.factories import ContactFactory


@pytest.fixture
def oncall(settings) -> str:
    settings.OPERATOR_ONCALL_EMAIL = "oncall@operator.example"
    return settings.OPERATOR_ONCALL_EMAIL


@pytest.fixture
def case_contacts(partner_a, customer_a, partner_b):
    """Partner A: a partner-wide "cases" contact, one of customer A, one not subscribed;
    partner B: one "cases" contact that must never hear about A's cases."""
    return {
        "noc": ContactFactory(
            partner=partner_a, email="noc@acme.example", categories=[Category.CASES]
        ),
        "alpha": ContactFactory(
            partner=partner_a,
            customer=customer_a,
            email="it@alpha.example",
            categories=[Category.CASES],
        ),
        "quiet": ContactFactory(
            partner=partner_a, email="quiet@acme.example", categories=[Category.RELEASES]
        ),
        "other": ContactFactory(
            partner=partner_b, email="noc@borealis.example", categories=[Category.CASES]
        ),
    }


@pytest.fixture
def open_payload(customer_a):
    def make(**overrides) -> dict:
        payload = {
            "customer": customer_a.pk,
            "title": "No audio on calls to PSTN",
            "description": "Since 09:00 calls to the PSTN have no audio in both directions.",
            "category": "common",
            "impact": "localized",
            "urgency": "medium",
            "contract_number": customer_a.contract_number,
            "contact_name": "Nina Ops",
            "contact_phone": "+33 1 23 45 67 89",
            "contact_email": "nina@acme.example",
        }
        payload.update(overrides)
        return {k: v for k, v in payload.items() if v is not None}

    return make
