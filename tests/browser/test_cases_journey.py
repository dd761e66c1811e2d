"""A partner opens a case in real Chromium and sees its live response countdown (issue 3)."""

import re

import pytest

from portal.choices import Region, Role
from tests.factories import CustomerFactory, PartnerFactory, partner_user

from .conftest import SHOWS_A_DURATION, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
COUNTDOWN = re.compile(
    r"^−?(?:(\d+) (?:days?|dias?)(?: \d+ h)?|(\d+) h(?: \d+ min)?|(\d+) min(?: \d+ s)?|\d+ s)$"
)  # a duration in words, as portal/timefmt.py and portal.js write it


@pytest.fixture
def acme(transactional_db):
    partner = PartnerFactory(name="Acme Telecom", slug="acme")
    customer = CustomerFactory(
        partner=partner, name="Alpha Bank", region=Region.EMEA, contract_number="CN-ALPHA-1"
    )
    user = partner_user(partner, "alice", Role.ADMIN)
    user.set_password("demo-portal-2026")
    user.save()
    return customer


def test_partner_opens_an_s1_case_and_sees_its_countdown(acme, page, shot):
    login(page, "alice")
    page.goto(page.base + "/cases/new/")
    page.select_option("#id_customer", str(acme.pk))
    page.fill("#id_contract_number", "CN-ALPHA-1")
    page.fill("#id_title", "No calls at all in head office")
    page.fill("#id_description", "Every phone shows 'Registering' since 09:10.")
    page.select_option("#id_category", "availability")
    page.select_option("#id_urgency", "critical")
    page.select_option("#id_impact", "widespread")
    page.fill("#id_contact_phone", "+33 1 23 45 67 89")
    page.fill("#id_contact_email", "alice@acme.example")
    page.click("#case-open-form button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    assert "S1" in page.inner_text(".pagehead")
    countdown = page.locator(".pagehead .countdown")
    page.wait_for_function(
        SHOWS_A_DURATION,
        arg=countdown.element_handle(),
    )
    text = countdown.inner_text().strip()
    assert COUNTDOWN.match(text) and COUNTDOWN.match(text).group(3) in ("14", "15")  # S1: 15 min
    assert "Opened" in page.inner_text("#timeline")
    shot(page, "case-detail-countdown")
    page.goto(page.base + "/cases/")
    assert page.locator("#case-list .countdown").count() == 1
