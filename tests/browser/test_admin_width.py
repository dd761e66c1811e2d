"""Staff changelists fit a 1366 px wide screen: the columns that matter (severity, response
due as a countdown, status, partner) are visible without scrolling sideways."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from cases.models import Case
from portal.models import Customer, Partner
from tests.browser.conftest import SHOWS_A_DURATION
from tests.cases.factories import CaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 1366, 768


@pytest.fixture
def demo_like(transactional_db):
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    partner = Partner.objects.create(
        name="Borealis Unified Communications and Managed Networks Services International",
        slug="borealis-international",
    )
    customer = Customer.objects.create(
        partner=partner,
        name="Northern Hemisphere Logistics and Warehousing Corporation",
        region="AMER",
        contract_number="CN-LONG-NAME-1",
    )
    for i in range(12):
        CaseFactory(
            customer=customer,
            title=(
                f"Case {i}: intermittent one-way audio on calls transferred between the "
                "headquarters cluster and the branch office survivable gateways after upgrade"
            ),
            urgency=["critical", "high", "medium", "low"][i % 4],
            impact="large",
        )


def staff_login(browser, live_server):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.fill("#id_username", "tess")
    page.fill("#id_password", "demo-portal-2026")
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    return context, page


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/admin/cases/case/", "admin-cases-1366"),
        ("/admin/cases/case/?queue=unassigned", "admin-queue-1366"),
        ("/admin/cases/case/?queue=breached", "admin-queue-breached-1366"),
        ("/admin/maintenance/change/", "admin-changes-1366"),
        ("/admin/releases/upgrade/", "admin-upgrades-1366"),
    ],
)
def test_changelists_fit_a_1366_px_screen(demo_like, browser, live_server, shot, path, name):
    context, page = staff_login(browser, live_server)
    try:
        page.goto(live_server.url + path)
        assert page.locator("#result_list").count() == 1 or "0 " in page.inner_text("#content")
        shot(page, name)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= WIDTH, f"{path} is {width} px wide"
        # Django wraps the table in a box that scrolls sideways on its own: it must not.
        inner = page.evaluate(
            "(() => { const box = document.querySelector('#changelist .results');"
            " return box ? box.scrollWidth - box.clientWidth : 0; })()"
        )
        assert inner <= 1, f"{path}: the table is {inner} px wider than its box"
    finally:
        context.close()


def test_the_case_changelist_shows_what_staff_triage_on(demo_like, browser, live_server):
    context, page = staff_login(browser, live_server)
    try:
        page.goto(live_server.url + "/admin/cases/case/")
        headers = page.inner_text("#result_list thead")
        for column in ("Partner", "Severity", "Status", "Response due"):
            assert column.lower() in headers.lower(), headers
        open_case = Case.objects.filter(acknowledged_at__isnull=True, breached_at__isnull=True)
        assert open_case.exists()
        countdown = page.locator("#result_list .countdown").first
        page.wait_for_function(
            "el => /^−?\\d+ (day|days|h|min|s)\\b/.test(el.textContent.trim())",
            arg=countdown.element_handle(),
        )
        # Every column ends inside the visible box: nothing to scroll to.
        right, box = page.evaluate(
            "[Math.max(...[...document.querySelectorAll('#result_list th')]"
            ".map(th => th.getBoundingClientRect().right)),"
            " document.querySelector('#changelist .results').getBoundingClientRect().right]"
        )
        assert right <= box + 1 and box <= WIDTH
    finally:
        context.close()


def test_the_work_queue_shows_what_staff_pick_by_and_is_worked_from_the_row(
    demo_like, browser, live_server, shot
):
    """Issue 14: severity, partner, customer, status, owner, level and a live countdown fit
    at 1366 px; the engineer claims a case and acknowledges it from the row."""
    context, page = staff_login(browser, live_server)
    try:
        # The admin index shows the engineer's own queue first.
        assert page.locator("#my-queue").count() == 1
        page.click("#my-queue a[data-queue=unassigned]")
        page.wait_for_url("**/admin/cases/case/?queue=unassigned")
        page.wait_for_selector("#result_list")
        headers = page.inner_text("#result_list thead").lower()
        for column in ("severity", "partner", "customer", "status", "owner", "level", "due"):
            assert column in headers, headers
        countdown = page.locator("#result_list .countdown").first
        page.wait_for_function(SHOWS_A_DURATION, arg=countdown.element_handle())
        right, box = page.evaluate(
            "[Math.max(...[...document.querySelectorAll('#result_list th, #result_list td')]"
            ".map(el => el.getBoundingClientRect().right)),"
            " document.querySelector('#changelist .results').getBoundingClientRect().right]"
        )
        assert right <= box + 1 and box <= WIDTH
        shot(page, "admin-queue-unassigned")

        first = page.locator("#result_list tbody tr").first
        case_id = int(first.locator("button[form=queue-claim]").get_attribute("value"))
        first.locator("button[form=queue-claim]").click()
        page.wait_for_selector(".messagelist")
        assert Case.objects.get(pk=case_id).owner.username == "tess"

        page.click("#queue-tabs a[data-queue=mine]")
        page.wait_for_url("**/admin/cases/case/?queue=mine")
        row = page.locator(f"#result_list tbody tr:has(button[value='{case_id}'])")
        assert row.count() == 1
        acknowledge = row.locator("button[form=queue-acknowledge]")
        if acknowledge.count():
            acknowledge.click()
            page.wait_for_selector(".messagelist")
            assert Case.objects.get(pk=case_id).acknowledged_at is not None
        shot(page, "admin-queue-mine")
    finally:
        context.close()
