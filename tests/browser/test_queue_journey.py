"""A staff engineer works the operator's queue in real Chromium at 1366 px (issue 14).

From the admin index (their own queue first) to the breached queue, where an unassigned S1
case shows its countdown, severity and partner; the engineer claims it and acknowledges it
from the row (R-CASE-10: a breach still waiting for its acknowledgement).
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from cases.models import Case
from portal.choices import Region
from tests.cases.factories import CaseFactory
from tests.factories import CustomerFactory, PartnerFactory, UserFactory

from .conftest import SHOWS_A_DURATION

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 1366, 768


@pytest.fixture
def queue(transactional_db):
    tess = UserFactory(
        username="tess", first_name="Tess", last_name="Ops", is_staff=True, is_superuser=True
    )
    tess.set_password("demo-portal-2026")
    tess.save()
    partner = PartnerFactory(name="Acme Telecom", slug="acme")
    customer = CustomerFactory(partner=partner, name="Alpha Bank", region=Region.EMEA)
    breached = CaseFactory(
        customer=customer, title="Every call to the PSTN drops after 30 s", overdue=True
    )
    # Tess already owns a case: the index shows it in her own queue.
    mine = CaseFactory(customer=customer, title="Voicemail greetings lost", owner=tess)
    return {"tess": tess, "breached": breached, "mine": mine, "partner": partner}


def test_staff_engineer_claims_and_acknowledges_a_breached_case_from_the_queue(
    queue, browser, live_server, shot
):
    breached = queue["breached"]
    assert breached.owner_id is None and breached.acknowledged_at is None
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="en-US")
    # The countdowns count from the browser's clock: it starts at the server's (which
    # PORTAL_TEST_CLOCK may have moved) and ticks.
    context.clock.install(time=timezone.now())
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(live_server.url + "/admin/login/?next=/admin/")
        page.fill("#id_username", "tess")
        page.fill("#id_password", "demo-portal-2026")
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_url(live_server.url + "/admin/")

        # The admin index opens on the engineer's own queue, before anything else.
        first_module = page.locator("#content .module").first
        assert first_module.get_attribute("id") == "my-queue"
        assert "Voicemail greetings lost" in page.inner_text("#my-queue tbody")
        assert "Every call to the PSTN" not in page.inner_text("#my-queue tbody")
        shot(page, "queue-admin-index")

        # R-CASE-10: the breached queue holds the case nobody has acknowledged in time.
        page.click("#my-queue a[data-queue=breached]")
        page.wait_for_url("**/admin/cases/case/?queue=breached")
        row = page.locator(f"#result_list tbody tr:has(button[value='{breached.pk}'])")
        assert row.count() == 1
        text = row.inner_text()
        assert "S1" in text and "Acme Telecom" in text and "Alpha Bank" in text
        countdown = row.locator(".countdown")
        page.wait_for_function(SHOWS_A_DURATION, arg=countdown.element_handle())
        assert countdown.inner_text().startswith("−")  # past due: the countdown runs negative
        # Severity, partner and the countdown are on screen at 1366 px: nothing to scroll to.
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        for cell in (row.locator(".countdown"), row.locator("td.field-queue_partner")):
            box = cell.bounding_box()
            assert box is not None and box["x"] + box["width"] <= WIDTH
        shot(page, "queue-breached-before")

        row.locator("button[form=queue-claim]").click()
        page.wait_for_selector(".messagelist")
        breached.refresh_from_db()
        assert breached.owner == queue["tess"]

        row = page.locator(f"#result_list tbody tr:has(button[value='{breached.pk}'])")
        assert row.locator("button[form=queue-claim]").count() == 0  # hers now
        row.locator("button[form=queue-acknowledge]").click()
        page.wait_for_selector(".messagelist")
        breached.refresh_from_db()
        assert breached.acknowledged_at is not None
        assert breached.owner == queue["tess"]

        # Acknowledged, the case leaves the breached queue and stays in hers.
        page.click("#queue-tabs a[data-queue=mine]")
        page.wait_for_url("**/admin/cases/case/?queue=mine")
        row = page.locator(f"#result_list tbody tr:has(button[value='{breached.pk}'])")
        assert row.count() == 1
        text = row.inner_text()
        assert "Acknowledged" in text and "Tess Ops" in text
        # R-CASE-9: what is due next is the status and action plan.
        assert "plan" in row.locator("td.field-queue_due").inner_text()
        assert Case.objects.filter(owner=queue["tess"]).count() == 2
        shot(page, "queue-mine-after")
    finally:
        context.close()
