"""From a release announcement to a committed upgrade campaign, then a partner reschedules
one of its changes, in real Chromium (issue 15; R-REL-2, R-REL-4, R-MNT-13).

The clock is frozen on a Monday morning so that the windows, the ten days of notice and the
campaign's deadline are the same on every run.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from maintenance import services as maintenance
from maintenance.choices import CampaignStatus, ChangeStatus, SlotStatus
from maintenance.models import Campaign
from portal.choices import Category, Region, Role
from portal.models import UserProfile
from releases.models import Release, Upgrade
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    PartnerFactory,
    UserFactory,
    partner_user,
)
from tests.releases.factories import install, load_table

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # a Monday, no holiday near
PASSWORD = "demo-portal-2026"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def estate(clock, transactional_db):
    tess = UserFactory(username="tess", is_staff=True, is_superuser=True)
    tess.set_password(PASSWORD)
    tess.save()
    table = load_table(tess)
    acme = PartnerFactory(name="Acme Telecom", slug="acme")
    alpha = CustomerFactory(partner=acme, name="Alpha Bank", region=Region.EMEA)
    beta = CustomerFactory(partner=acme, name="Beta Insurance", region=Region.EMEA)
    current = CustomerFactory(partner=acme, name="Gamma Retail", region=Region.EMEA)
    # 14.0 SU4 is n-1 today; announcing 16.0 SU1 makes it n-2: its customers must upgrade.
    for customer in (alpha, beta):
        install(customer, tess, table["14.0 SU4"])
    install(current, tess, table["15.0 SU2"])
    ContactFactory(partner=acme, categories=[Category.RELEASES, Category.MAINTENANCE_AND_OUTAGES])
    alice = partner_user(acme, "alice", Role.ADMIN)
    alice.set_password(PASSWORD)
    alice.save()
    new = Release.objects.create(version="16.0", service_update="SU1")
    return {
        "alice": alice,
        "tess": tess,
        "alpha": alpha,
        "beta": beta,
        "current": current,
        "release": new,
    }


def admin_login(page) -> None:
    page.goto(page.base + "/admin/login/?next=/admin/")
    page.fill("#id_username", "tess")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(page.base + "/admin/")


def confirm(page) -> None:
    """Staff confirm an action on its confirmation page (what it will do is shown first)."""
    page.wait_for_selector("#action-confirm")
    page.click("#service-action-form input[type=submit]")


def test_staff_announce_plan_and_commit_a_campaign_and_a_partner_reschedules_its_upgrade(
    estate, browser, live_server, shot
):
    release = estate["release"]
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base = live_server.url
    try:
        # 1. Announce 16.0 SU1 (R-REL-2): the confirmation says who will be told.
        admin_login(page)
        release_url = f"{page.base}/admin/releases/release/{release.pk}/change/"
        page.goto(release_url)
        page.click("a.service-action[href$='/do/announce/']")
        assert "v14.0 SU4: n-1 → n-2" in page.inner_text("#action-confirm")
        confirm(page)
        page.wait_for_selector(".messagelist")
        release.refresh_from_db()
        assert release.available_on == NOW.date()

        # 2. The announced release offers a campaign over the customers that must upgrade.
        page.goto(release_url)
        page.click("text=Plan an upgrade campaign over the customers that must upgrade")
        page.wait_for_url(re.compile(r"/admin/maintenance/campaign/add/\?"))
        assert page.input_value("#id_title") == "Upgrade to v16 SU1"
        assert page.input_value("#id_kind") == "upgrade"
        assert page.input_value("#id_target_release") == str(release.pk)
        selection = page.input_value("#id_selection")
        assert str(estate["alpha"].pk) not in selection and "releases" in selection
        page.click("input[name=_continue]")
        page.wait_for_url(re.compile(r"/admin/maintenance/campaign/\d+/change/"))
        campaign = Campaign.objects.get()
        assert campaign.status == CampaignStatus.DRAFT and campaign.target_release == release

        # 3. Plan (R-MNT-13), then review the slots.
        page.click("a.service-action[href$='/do/plan/']")
        confirm(page)
        page.wait_for_selector(".messagelist")
        campaign.refresh_from_db()
        assert campaign.status == CampaignStatus.PLANNED
        slots = list(campaign.slots.select_related("customer").order_by("position"))
        assert [s.customer.name for s in slots] == ["Alpha Bank", "Beta Insurance"]
        assert all(s.status == SlotStatus.PLANNED for s in slots)
        assert (slots[0].start - NOW).days >= 10  # R-REL-4: ten days of notice
        inline = page.inner_text("#content")
        assert "Alpha Bank" in inline and "Beta Insurance" in inline
        assert "Gamma Retail" not in inline  # already on n-1: not selected
        shot(page, "campaign-planned")

        # 4. Commit: one upgrade change per slot, its notice sent; the progress is shown.
        page.click("a.service-action[href$='/do/commit/']")
        assert "(2)" in page.inner_text("#action-confirm")
        confirm(page)
        page.wait_for_selector(".messagelist")
        campaign.refresh_from_db()
        assert campaign.status == CampaignStatus.COMMITTED
        upgrades = Upgrade.objects.filter(change__campaign=campaign)
        assert upgrades.count() == 2 and {u.target_id for u in upgrades} == {release.pk}
        assert {u.change.status for u in upgrades} == {ChangeStatus.NOTIFIED}
        progress = page.inner_text(".field-progress_table")
        assert "Notified" in progress and "Acme Telecom" in progress and "EMEA" in progress
        shot(page, "campaign-committed")
    finally:
        context.close()

    # 5. Alice of Acme sees the upgrade of Alpha Bank and moves it once (R-REL-4) to another
    # window of the campaign with room (R-MNT-13).
    upgrade = Upgrade.objects.get(change__campaign=campaign, change__customers=estate["alpha"])
    change = upgrade.change
    windows = maintenance.reschedule_alternatives_for(change=change, weekend=0)
    start, end = next((s, e) for s, e in windows if s != change.start)
    zone = ZoneInfo(estate["alpha"].timezone_name)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base = live_server.url
    try:
        login(page, "alice")
        page.goto(f"{page.base}/maintenance/changes/{change.pk}/")
        assert "Upgrade to v16 SU1" in page.inner_text("main")
        page.goto(f"{page.base}/releases/customers/{estate['alpha'].pk}/")
        page.click("a:has-text('Upgrade to v16 SU1')")
        page.wait_for_url(re.compile(rf"/releases/upgrades/{upgrade.pk}/$"))
        assert "Windows that still have room for this upgrade:" in page.inner_text("main")
        page.fill("#id_start", start.astimezone(zone).strftime("%Y-%m-%dT%H:%M"))
        page.fill("#id_end", end.astimezone(zone).strftime("%Y-%m-%dT%H:%M"))
        page.fill("#id_reason", "Quarter-end closing runs that night.")
        shot(page, "campaign-partner-reschedule")
        page.click("form.form button[type=submit]")
        page.wait_for_selector("text=Upgrade rescheduled.")
        assert "1 / 1" in page.inner_text("dl.facts")
        shot(page, "campaign-partner-rescheduled")
    finally:
        context.close()
    upgrade.refresh_from_db()
    assert upgrade.reschedules_used == 1
    assert upgrade.change.start == start and upgrade.change.campaign_id == campaign.pk

    # 6. The same page in Portuguese: Alice's profile says pt-br.
    UserProfile.objects.update_or_create(user=estate["alice"], defaults={"language": "pt-br"})
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="pt-BR")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base = live_server.url
    try:
        login(page, "alice")
        page.goto(f"{page.base}/releases/upgrades/{upgrade.pk}/")
        assert page.locator("html").get_attribute("lang") == "pt-br"
        facts = page.inner_text("dl.facts")
        assert "Versão de destino" in facts and "Reagendamentos usados" in facts
    finally:
        context.close()
