"""A partner's journey through the portal in real Chromium, in English and Portuguese."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_partner_logs_in_sees_the_dashboard_and_switches_to_portuguese(demo, page, shot):
    login(page, "alice")
    assert page.locator("h1").first.inner_text().startswith("Dashboard")
    assert "Acme Telecom" in page.inner_text("header")
    shot(page, "dashboard-en")
    with page.expect_navigation():
        page.select_option("#language-select", "pt-br")
    expect(page.locator("html")).to_have_attribute("lang", "pt-br")
    assert "Painel" in page.locator("h1").first.inner_text()
    shot(page, "dashboard-pt-br")
