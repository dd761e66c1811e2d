"""A partner's whole journey in real Chromium, in English and in Portuguese (issue 6).

alice (Acme Telecom's administrator, demo data) logs in, switches the language, reads the
dashboard, opens an S1 case and sees its live response countdown, asks for an escalation of
an S3 case (R-CASE-6), reads the notice of a service-impacting change and asks to reschedule it
(R-MNT-5), reports provisioned counts above the approved capacity and is refused by the gate
(R-CAP-2) before a valid report goes through, and reads release compliance (R-REL-2, R-REL-3).
Every step leaves a screenshot in test-artifacts/screenshots/journey-<lang>-<step>.png.

Expected words come from the pt-BR catalog (locale/pt_BR/LC_MESSAGES/django.po); data
(customer names, change titles) stays as loaded by ``manage.py demo``.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases.models import Case
from maintenance.models import Change
from maintenance.windows import region_zone
from portal.models import Customer

from .conftest import SHOWS_A_DURATION, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNTDOWN = re.compile(
    r"^−?(?:(\d+) (?:days?|dias?)(?: \d+ h)?|(\d+) h(?: \d+ min)?|(\d+) min(?: \d+ s)?|\d+ s)$"
)  # a duration in words, as portal/timefmt.py and portal.js write it
S1_TITLE = "Alpha Bank: no calls in or out at head office"
S3_TITLE = "Alpha Bank: voicemail greetings cut off"
CHANGE_TITLE = "Alpha Bank: call manager database maintenance"

WORDS = {
    "en": {
        "dashboard": "Dashboard — Acme Telecom",
        "cases": "Cases",
        "maintenance": "Maintenance",
        "capacity": "Capacity",
        "releases": "Releases",
        "next_responses": "Next responses due",
        "deadlines": "Open reschedule deadlines",
        "at_80": "customers at 80 % or more of approved capacity",
        "timeline": "Timeline",
        "request_escalation": "Request escalation",
        "escalated": "Escalation recorded: the severity is raised.",
        "s2": "S2 high",
        "escalation_event": "Escalation request",
        "calendar": "Maintenance calendar",
        "notified": "Notified",
        "notice": "Maintenance notice",
        "reschedule_until": "Reschedule requests until",
        "request_reschedule": "Request a reschedule",
        "reschedule_sent": "Reschedule request sent.",
        "requested": "Requested",
        "capacity_of": "Capacity of Alpha Bank",
        "report_counts": "Report provisioned counts",
        "over_limit": "is above the approved capacity of 1000",
        "recorded": "Provisioned counts recorded.",
        "must_upgrade": "Must upgrade",
        "end_of_sale": "End of sale",
        "end_of_sale_message": "End of sale: must upgrade to v15 SU2.",
    },
    "pt-br": {
        "dashboard": "Painel — Acme Telecom",
        "cases": "Casos",
        "maintenance": "Manutenção",
        "capacity": "Capacidade",
        "releases": "Versões",
        "next_responses": "Próximos prazos de resposta",
        "deadlines": "Prazos de reagendamento em aberto",
        "at_80": "clientes com 80 % ou mais da capacidade aprovada",
        "timeline": "Linha do tempo",
        "request_escalation": "Solicitar escalonamento",
        "escalated": "Escalonamento registrado: a gravidade foi aumentada.",
        "s2": "S2 alta",
        "escalation_event": "Solicitação de escalonamento",
        "calendar": "Calendário de manutenção",
        "notified": "Notificado",
        "notice": "Aviso de manutenção",
        "reschedule_until": "Pedidos de reagendamento até",
        "request_reschedule": "Solicitar reagendamento",
        "reschedule_sent": "Pedido de reagendamento enviado.",
        "requested": "Solicitado",
        "capacity_of": "Capacidade de Alpha Bank",
        "report_counts": "Informar contagens provisionadas",
        "over_limit": "está acima da capacidade aprovada de 1000",
        "recorded": "Contagens provisionadas registradas.",
        "must_upgrade": "Atualização de versão obrigatória",
        "end_of_sale": "Fim de venda",
        "end_of_sale_message": "Fim de venda: é obrigatório atualizar para v15 SU2.",
    },
}


@pytest.fixture
def demo(transactional_db):
    with open("/dev/null", "w") as devnull:
        call_command("demo", stdout=devnull)


@contextmanager
def navigation(page):
    """Wait for the page load a click or a form submit starts (no sleeps)."""
    with page.expect_navigation(wait_until="load"):
        yield


def submit(page, form: str = "form.form") -> None:
    with navigation(page):
        page.click(f"{form} button[type=submit]")


def assert_nothing_overflows(page) -> None:
    """No card's content spills over its border, and the page has no sideways scroll."""
    spilled = page.evaluate(
        """() => [...document.querySelectorAll('.card')]
            .filter(el => el.scrollWidth > el.clientWidth + 1)
            .map(el => el.id || el.querySelector('h2, h3')?.textContent || el.className)"""
    )
    assert spilled == [], f"content wider than its card: {spilled}"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("lang", ["en", "pt-br"])
def test_partner_walks_the_whole_portal(demo, page, shot, lang):
    words = WORDS[lang]
    alpha = Customer.objects.get(name="Alpha Bank")
    atlas = Customer.objects.get(name="Atlas Logistics")
    s1 = Case.objects.get(title=S1_TITLE)
    s3 = Case.objects.get(title=S3_TITLE)
    change = Change.objects.get(title=CHANGE_TITLE)
    assert (s1.severity, s3.severity, change.status) == ("S1", "S3", "notified")

    def step(name: str) -> None:
        assert_nothing_overflows(page)
        shot(page, f"journey-{lang}-{name}")

    # 1. Log in, switch the language in the header, read the dashboard's cards.
    login(page, "alice")
    if lang != "en":
        with navigation(page):
            page.select_option("#language-select", lang)
    assert page.locator("html").get_attribute("lang") == lang
    assert page.inner_text("h1") == words["dashboard"]
    nav = page.inner_text("nav.mainnav")
    for key in ("cases", "maintenance", "capacity", "releases"):
        assert words[key] in nav
    for card in ("cases", "maintenance", "capacity", "releases"):
        assert page.locator(f"#card-{card}").is_visible(), card
    cases_card = page.inner_text("#card-cases")
    assert words["next_responses"] in cases_card and "S1: 1" in cases_card
    maintenance_card = page.inner_text("#card-maintenance")
    assert CHANGE_TITLE in maintenance_card and words["deadlines"] in maintenance_card
    assert words["at_80"] in page.inner_text("#card-capacity")
    assert page.locator("#card-releases .stat").inner_text() == "5"  # Atlas: 5 apps EoS
    step("01-dashboard")

    # 2. Open the S1 case from the case list: its response countdown runs (R-CASE-7).
    with navigation(page):
        page.click(f"nav.mainnav a[href='{reverse('cases:list')}']")
    assert page.inner_text("h1") == words["cases"]
    with navigation(page):
        page.click(f"#case-list a[href='{reverse('cases:detail', args=[s1.pk])}']")
    assert page.locator(".pagehead .badge.S1").count() == 1
    countdown = page.locator(".pagehead .countdown")
    page.wait_for_function(
        SHOWS_A_DURATION,
        arg=countdown.element_handle(),
    )
    minutes = int(COUNTDOWN.match(countdown.inner_text().strip()).group(3))
    assert 0 <= minutes <= 15  # S1: 15 minutes around the clock, opened 3 minutes ago
    assert words["timeline"] in page.inner_text("main")
    step("02-case-countdown")

    # 3. Ask for an escalation of the S3 case with a reason (R-CASE-6).
    page.goto(page.base + reverse("cases:detail", args=[s3.pk]))
    assert page.locator(".pagehead .badge.S3").count() == 1
    with navigation(page):
        page.click(f"a[href='{reverse('cases:escalate', args=[s3.pk])}']")
    assert page.inner_text("h1") == words["request_escalation"]
    page.select_option("#id_severity", "S2")
    page.fill("#id_reason", "The whole trading floor relies on voicemail now.")
    step("03-escalation-form")
    submit(page)
    assert page.url == page.base + reverse("cases:detail", args=[s3.pk])
    assert words["escalated"] in page.inner_text(".messages")
    assert page.inner_text(".pagehead .badge.S2") == words["s2"]
    timeline = page.inner_text("#timeline")
    assert words["escalation_event"] in timeline
    assert "The whole trading floor relies on voicemail now." in timeline
    assert "S3 → S2" in timeline
    step("04-case-escalated")

    # 4. The notified change: calendar, its notice, a reschedule request (R-MNT-5).
    with navigation(page):
        page.click(f"nav.mainnav a[href='{reverse('maintenance:calendar')}']")
    assert page.inner_text("h1") == words["calendar"]
    day = change.start.astimezone(region_zone(alpha.region)).date()
    page.goto(
        page.base
        + reverse("maintenance:calendar")
        + f"?customer={alpha.pk}&year={day.year}&month={day.month}"
    )
    change_href = reverse("maintenance:change", args=[change.pk])
    link = page.locator(f'td[data-date="{day.isoformat()}"] a.change[href="{change_href}"]')
    assert CHANGE_TITLE in link.inner_text()
    step("05-maintenance-calendar")
    with navigation(page):
        link.click()
    assert page.inner_text("h1") == CHANGE_TITLE
    assert page.inner_text(".pagehead .badge") == words["notified"]
    assert words["notice"] in page.inner_text("ul.timeline")
    assert words["reschedule_until"] in page.inner_text("dl.facts")
    page.wait_for_function(
        SHOWS_A_DURATION,
        arg=page.locator("dl.facts .countdown").element_handle(),
    )
    step("06-maintenance-notice")
    with navigation(page):
        page.click(f"a[href='{reverse('maintenance:reschedule', args=[change.pk])}']")
    assert page.inner_text("h1") == words["request_reschedule"]
    page.fill("#id_reason", "Quarter-end closing runs that night at every branch.")
    submit(page)
    assert page.url == page.base + change_href
    assert words["reschedule_sent"] in page.inner_text(".messages")
    main = page.inner_text("main")
    assert "Quarter-end closing runs that night at every branch." in main
    assert words["requested"] in main
    # One open request at a time: the button is gone.
    assert (
        page.locator(f"a[href='{reverse('maintenance:reschedule', args=[change.pk])}']").count()
        == 0
    )
    step("07-reschedule-requested")

    # 5. Capacity: a report above the approved capacity is refused, naming it (R-CAP-2).
    with navigation(page):
        page.click(f"nav.mainnav a[href='{reverse('capacity:index')}']")
    assert page.inner_text("h1") == words["capacity"]
    with navigation(page):
        page.click(f"a[href='{reverse('capacity:customer', args=[alpha.pk])}']")
    assert page.inner_text("h1") == words["capacity_of"]
    assert words["report_counts"] in page.inner_text("main")
    page.fill("#id_knowledge_workers", "1200")
    page.fill("#id_workspace_devices", "1100")
    submit(page)
    error = page.inner_text(".field.has-error .error")
    assert words["over_limit"] in error and "R-CAP-2" not in error  # plain language
    assert page.locator("#id_knowledge_workers").input_value() == "1200"
    step("08-capacity-gate")
    page.fill("#id_knowledge_workers", "900")
    submit(page)
    assert page.url == page.base + reverse("capacity:customer", args=[alpha.pk])
    assert words["recorded"] in page.inner_text(".messages")
    assert page.locator(".field.has-error").count() == 0
    step("09-capacity-recorded")

    # 6. Release compliance: Alpha Bank must upgrade CUCM, Atlas is on end of sale.
    with navigation(page):
        page.click(f"nav.mainnav a[href='{reverse('releases:index')}']")
    assert page.inner_text("h1") == words["releases"]
    customers = page.locator("table.table").first
    alpha_row = customers.locator(
        "tr", has=page.locator(f"a[href='{reverse('releases:customer', args=[alpha.pk])}']")
    )
    assert alpha_row.locator(".badge.warn").inner_text() == words["must_upgrade"]
    atlas_href = reverse("releases:customer", args=[atlas.pk])
    atlas_row = customers.locator("tr", has=page.locator(f"a[href='{atlas_href}']"))
    assert atlas_row.locator(".badge.bad").inner_text() == words["end_of_sale"]
    step("10-releases")
    with navigation(page):
        page.click(f"a[href='{atlas_href}']")
    assert "Atlas Logistics" in page.inner_text("h1")
    badges = page.locator("table.table").first.locator(".badge.bad")
    assert badges.count() == 5
    assert {badges.nth(i).inner_text() for i in range(5)} == {words["end_of_sale"]}
    assert words["end_of_sale_message"] in page.inner_text("main")
    step("11-compliance")
