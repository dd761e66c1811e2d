"""Fixtures of the maintenance tests: contacts subscribed (or not) to maintenance notices."""

from __future__ import annotations

import pytest

from portal.choices import Category
from tests.factories import ContactFactory, CustomerFactory

M = Category.MAINTENANCE_AND_OUTAGES


@pytest.fixture
def noc_a(partner_a):
    """Partner A's partner-wide contact subscribed to maintenance and outages."""
    return ContactFactory(
        partner=partner_a, name="Acme NOC", email="noc@acme.example", categories=[M]
    )


@pytest.fixture
def contacts_a(partner_a, customer_a, noc_a):
    """A's recipients and non-recipients of customer A's maintenance notices."""
    other_customer = CustomerFactory(partner=partner_a, name="Other Co")
    return {
        "noc": noc_a,
        "customer": ContactFactory(
            partner=partner_a, customer=customer_a, email="it@alpha.example", categories=[M]
        ),
        "cases_only": ContactFactory(
            partner=partner_a, email="cases@acme.example", categories=[Category.CASES]
        ),
        "other_customer": ContactFactory(
            partner=partner_a, customer=other_customer, email="it@other.example", categories=[M]
        ),
    }


@pytest.fixture
def noc_b(partner_b):
    return ContactFactory(partner=partner_b, email="noc@borealis.example", categories=[M])
