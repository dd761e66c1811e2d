"""A partner reads the maintenance calendar in real Chromium and asks to reschedule (issue 4)."""

import re

import pytest

from maintenance import services
from maintenance.windows import region_zone
from portal.choices import Category, Region, Role
from tests.factories import ContactFactory, CustomerFactory, PartnerFactory, partner_user
from tests.maintenance.factories import ChangeFactory, weekday_window

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def acme(transactional_db):
    partner = PartnerFactory(name="Acme Telecom", slug="acme")
    customer = CustomerFactory(
        partner=partner, name="Alpha Bank", region=Region.EMEA, contract_number="CN-ALPHA-1"
    )
    ContactFactory(partner=partner, categories=[Category.MAINTENANCE_AND_OUTAGES])
    user = partner_user(partner, "alice", Role.ADMIN)
    user.set_password("demo-portal-2026")
    user.save()
    return customer


def test_the_dst_month_shows_every_night_s_window(acme, page, shot):
    login(page, "alice")
    page.goto(page.base + f"/maintenance/?customer={acme.pk}&year=2027&month=3")

    assert "March 2027" in page.inner_text("#month-title")
    march = page.locator("table.calendar td:not(.other)")
    assert march.count() == 31
    assert page.locator("table.calendar td:not(.other) .window").count() == 31
    saturday = page.locator('td[data-date="2027-03-27"] .window')
    assert "infrastructure only" in saturday.inner_text()
    assert "8 h" in saturday.inner_text()
    assert "21:00–06:00" in page.locator('td[data-date="2027-03-24"] .window').inner_text()
    shot(page, "maintenance-calendar-dst")
    page.click("a[rel=next]")
    assert "April 2027" in page.inner_text("#month-title")


def test_partner_sees_a_change_in_the_calendar_and_asks_to_reschedule(acme, page, shot):
    window = weekday_window("EMEA", days=30)
    change = ChangeFactory(
        partner=acme.partner,
        customers=[acme],
        title="Call manager patch",
        start=window.start,
        end=window.end,
    )
    services.change_send_notice(actor=None, change=change)
    local = window.start.astimezone(region_zone("EMEA"))

    login(page, "alice")
    page.goto(page.base + f"/maintenance/?customer={acme.pk}&year={local.year}&month={local.month}")
    cell = page.locator(f'td[data-date="{local.date().isoformat()}"]')
    assert "Call manager patch" in cell.inner_text()
    shot(page, "maintenance-calendar-change")

    cell.locator("a.change").click()
    page.wait_for_url(re.compile(r"/maintenance/changes/\d+/$"))
    assert "Maintenance notice" in page.inner_text(".timeline")
    page.click("text=Request a reschedule")
    page.fill("#id_reason", "Quarter-end closing runs that night.")
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r"/maintenance/changes/\d+/$"))
    assert "Quarter-end closing runs that night." in page.inner_text("main")
    assert "Requested" in page.inner_text("main")
    shot(page, "maintenance-reschedule-requested")
