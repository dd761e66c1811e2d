"""A partner works with capacity and releases in real Chromium (issue 5)."""

import re

import pytest

from capacity import services as capacity_services
from portal.choices import Category, Region, Role
from releases import services as release_services
from releases.models import Release
from tests.capacity.factories import open_case
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    PartnerFactory,
    UserFactory,
    partner_user,
)
from tests.releases.factories import weeknight

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def acme(transactional_db):
    partner = PartnerFactory(name="Acme Telecom", slug="acme")
    customer = CustomerFactory(
        partner=partner, name="Alpha Bank", region=Region.EMEA, contract_number="CN-ALPHA-1"
    )
    ContactFactory(partner=partner, categories=[Category.CAPACITY, Category.RELEASES])
    user = partner_user(partner, "alice", Role.ADMIN)
    user.set_password("demo-portal-2026")
    user.save()
    return customer


@pytest.fixture
def tess(transactional_db):
    return UserFactory(username="tess", is_staff=True, is_superuser=True)


def test_partner_reports_counts_through_the_gate_and_requests_capacity(acme, tess, page, shot):
    alice = acme.partner.memberships.get().user
    capacity_services.capacity_set_baseline(
        customer=acme, knowledge_workers=1000, workspace_devices=1500, actor=tess
    )
    capacity_services.provisioned_report(
        customer=acme, knowledge_workers=820, workspace_devices=600, actor=alice
    )
    case = open_case(acme, alice, title="Expansion for the new branch")

    login(page, "alice")
    assert "customers at 80 % or more" in page.inner_text("#card-capacity")
    page.click("nav.mainnav >> text=Capacity")
    page.wait_for_url(page.base + "/capacity/")
    assert "82.0 %" in page.inner_text("table.table")
    page.click("text=Alpha Bank")
    page.wait_for_url(re.compile(r"/capacity/customers/\d+/$"))
    assert page.locator("svg.trend-chart polyline.series-knowledge_workers").count() == 1
    shot(page, "capacity-customer")

    page.fill("#id_knowledge_workers", "1200")
    page.click("form.form button[type=submit]")
    assert "approved capacity of 1000" in page.inner_text(".has-error")
    page.fill("#id_knowledge_workers", "900")
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r"/capacity/customers/\d+/$"))
    assert "Provisioned counts recorded." in page.inner_text(".messages")

    page.click("text=Request more capacity")
    page.fill("#id_knowledge_workers", "1400")
    page.fill("#id_workspace_devices", "1500")
    page.fill("#id_reason", "New branch opens in spring.")
    page.select_option("#id_case", str(case.pk))
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r"/capacity/requests/\d+/$"))
    assert "Submitted" in page.inner_text("[aria-current=step]")
    shot(page, "capacity-request")


def test_partner_reads_compliance_and_reschedules_an_upgrade_once(acme, tess, page, shot):
    release_services.release_table_load(actor=tess)
    n1 = Release.objects.get(version="14.0", service_update="SU4")
    target = Release.objects.get(version="15.0", service_update="SU2")
    release_services.installed_version_set(
        actor=tess, customer=acme, application="CUCM", release=n1, existing_deployment=True
    )
    start, end = weeknight(21)
    upgrade = release_services.upgrade_schedule(
        actor=tess,
        partner=acme.partner,
        customers=[acme],
        target=target,
        reason="approaching_end_of_life",
        start=start,
        end=end,
    )

    login(page, "alice")
    page.click("nav.mainnav >> text=Releases")
    page.wait_for_url(page.base + "/releases/")
    table = page.inner_text("#policy-table")
    assert "v14.0 SU3/SU4 (n-1)" in table and "must upgrade to v15 SU2" in table
    shot(page, "releases-index")
    page.click("text=Alpha Bank")
    page.wait_for_url(re.compile(r"/releases/customers/\d+/$"))
    assert "Must upgrade to v15 SU2" in page.inner_text("main")
    page.click(f"a[href='/releases/upgrades/{upgrade.pk}/']")
    page.wait_for_url(re.compile(r"/releases/upgrades/\d+/$"))

    new_start, new_end = weeknight(28)
    page.fill("#id_start", new_start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_end", new_end.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_reason", "Quarter-end closing that week.")
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r"/releases/upgrades/\d+/$"))
    assert "Upgrade rescheduled." in page.inner_text(".messages")
    assert "1 / 1" in page.inner_text("dl.facts")
    assert page.locator("#id_start").count() == 0
    assert "already been rescheduled once" in page.inner_text("main")  # plain language
    shot(page, "releases-upgrade-rescheduled")
