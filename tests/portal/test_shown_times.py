"""Times shown on the portal and in messages carry their zone, in the reader's format: a
customer's instance times in its region's zone, other times in the viewer's zone (DOMAIN.md:
"Times shown to people")."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from cases import services as case_services
from cases.models import Case
from maintenance.models import Change
from portal import services
from portal.choices import Region
from portal.models import Customer
from tests.outbox import deliveries

from ..cases.factories import CaseFactory
from ..maintenance.factories import ChangeFactory

pytestmark = pytest.mark.django_db

OPENED = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
WINDOW = datetime(2027, 1, 13, 20, 0, tzinfo=UTC)  # Wed 21:00 in Paris


@pytest.fixture
def bob_in_brazil(bob):
    services.profile_update(user=bob, language="pt-br", time_zone="America/Sao_Paulo")
    return bob


def test_a_brazilian_viewer_sees_its_own_zone_and_the_customers_zone_for_windows(
    client_for, bob_in_brazil, customer_a
):
    case = CaseFactory(customer=customer_a, opened_at=OPENED)
    change = ChangeFactory(
        partner=customer_a.partner,
        customers=[customer_a],
        start=WINDOW,
        end=WINDOW + timedelta(hours=2),
    )
    client = client_for(bob_in_brazil)

    case_page = client.get(f"/cases/{case.pk}/").content.decode()
    # Opened: a viewer-zone time, in Brasília time and the Portuguese format.
    assert "01/12/2026 09:00 (horário de Brasília)" in case_page
    # Response due belongs to the customer's instance (EMEA): Paris time.
    due = case.response_due_at.astimezone(customer_a_zone())
    assert f"{due:%d/%m/%Y %H:%M} CET" in case_page

    change_page = client.get(f"/maintenance/changes/{change.pk}/").content.decode()
    assert "13/01/2027 21:00 CET" in change_page
    assert "13/01/2027 23:00 CET" in change_page
    assert "(UTC)" not in change_page


def customer_a_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Paris")


def test_an_english_viewer_defaults_to_the_first_customers_zone(client_for, alice, customer_a):
    case = CaseFactory(customer=customer_a, opened_at=OPENED)
    html = client_for(alice).get(f"/cases/{case.pk}/").content.decode()
    assert "1 Dec 2026, 13:00 CET" in html
    assert "+00:00" not in html.split("data-due")[0]


def test_an_upgrade_shows_its_time_in_the_customers_zone_with_the_right_label(
    client_for, alice, staff, customer_a
):
    """The upgrade page once showed 03:00 UTC labelled "America/New_York"."""
    from tests.releases.factories import load_table, plan_upgrade

    rows = load_table(staff)
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"])
    Customer.objects.filter(pk=customer_a.pk).update(region=Region.AMER)
    start = datetime(2026, 12, 23, 3, 0, tzinfo=UTC)
    Change.objects.filter(pk=upgrade.change_id).update(start=start, end=start + timedelta(hours=2))
    html = client_for(alice).get(f"/releases/upgrades/{upgrade.pk}/").content.decode()
    assert "22 Dec 2026, 22:00 EST" in html
    assert "23 Dec 2026, 00:00 EST" in html
    assert "03:00" not in html


def test_the_case_e_mail_gives_the_due_time_with_its_zone_not_an_iso_stamp(
    bob, customer_a, contact_a
):
    case = case_services.case_open(
        user=bob,
        customer=customer_a,
        title="All phones down",
        description="Nothing registers since 09:00.",
        category="common",
        urgency="critical",
        impact="widespread",
        contract_number=customer_a.contract_number,
        contact_name="Nina Ops",
        contact_phone="+33 1 23 45 67 89",
        contact_email="nina@acme.example",
        now=OPENED,
    )
    body = deliveries(recipient="noc@acme.example").get().body
    due = Case.objects.get(pk=case.pk).response_due_at
    assert due.isoformat() not in body and "+00:00" not in body
    line = next(row for row in body.splitlines() if row.startswith("Response due:"))
    # Paris (the customer's EMEA region) in December: CET, English format.
    assert re.fullmatch(r"Response due: \d{1,2} Dec 2026, \d\d:\d\d CET", line), line
    local = due.astimezone(customer_a_zone())
    assert line == f"Response due: {local.day} Dec 2026, {local:%H:%M} CET"


def test_the_waiting_time_reads_as_words(client_for, alice, staff, customer_a):
    case = CaseFactory(customer=customer_a)
    case_services.case_acknowledge(user=staff, case=case)
    Case.objects.filter(pk=case.pk).update(paused_total=timedelta(minutes=3, seconds=40.8))
    html = client_for(alice).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="waiting-on-partner">3 min 40 s' in html


def test_the_admin_shows_case_times_with_their_zone_and_the_countdown_in_words(
    client_for, staff, customer_a
):
    case = CaseFactory(customer=customer_a, opened_at=OPENED)
    client = client_for(staff)
    form = client.get(f"/admin/cases/case/{case.pk}/change/").content.decode()
    assert "1 Dec 2026, 12:00 UTC" in form  # opened: the staff viewer's zone (UTC)
    due = case.response_due_at.astimezone(customer_a_zone())
    assert f"{due.day} Dec 2026, {due:%H:%M} CET" in form  # due: the customer's region zone
    listing = client.get("/admin/cases/case/").content.decode()
    countdown = re.search(r'<span class="countdown[^"]*"[^>]*>([^<]+)</span>', listing)
    assert countdown and ":" not in countdown.group(1)
    assert re.fullmatch(r"−?\d+ (days?|h|min|s)( \d+ (h|min|s))?", countdown.group(1))


def test_the_admin_change_list_shows_a_windows_start_in_the_customers_zone(
    client_for, staff, customer_a
):
    ChangeFactory(
        partner=customer_a.partner,
        customers=[customer_a],
        start=WINDOW,
        end=WINDOW + timedelta(hours=2),
    )
    listing = client_for(staff).get("/admin/maintenance/change/").content.decode()
    assert "13 Jan 2027, 21:00 CET" in listing
