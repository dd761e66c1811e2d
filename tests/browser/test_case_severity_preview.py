"""The open-case form shows the severity and response objective live, before submitting."""

import pytest

from portal.choices import Region, Role
from tests.factories import CustomerFactory, PartnerFactory, partner_user

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def acme(transactional_db):
    partner = PartnerFactory(name="Acme Telecom", slug="acme")
    CustomerFactory(partner=partner, name="Alpha Bank", region=Region.EMEA)
    user = partner_user(partner, "alice", Role.ADMIN)
    user.set_password("demo-portal-2026")
    user.save()


def test_severity_and_objective_follow_the_choices_live_r_case_5(acme, page, settings):
    login(page, "alice")
    page.goto(page.base + "/cases/new/")
    preview = page.locator("#severity-preview")
    # no default urgency or impact: nothing is decided yet
    assert page.locator("#id_urgency").input_value() == ""
    assert page.locator("#id_impact").input_value() == ""
    assert "Choose the urgency" in preview.inner_text()
    page.select_option("#id_urgency", "medium")
    page.select_option("#id_impact", "localized")
    assert "S3" in preview.inner_text() and "1 business day" in preview.inner_text()
    page.select_option("#id_urgency", "critical")
    page.select_option("#id_impact", "")
    page.fill("#id_affected_share", "0.7501")  # above 3/4: widespread → S1
    text = preview.inner_text()
    assert "S1" in text and "15 minutes" in text and settings.TAC_PHONE_NUMBER in text
    page.fill("#id_affected_share", "0.75")  # exactly 3/4: large → still S1 for critical
    assert "S1" in preview.inner_text()
    page.fill("#id_affected_share", "0.5")  # exactly 1/2: localized → S2
    assert "S2" in preview.inner_text() and "30 minutes" in preview.inner_text()
    page.fill("#id_affected_share", "0.25")  # exactly 1/4: individualized → S3
    assert "S3" in preview.inner_text()
