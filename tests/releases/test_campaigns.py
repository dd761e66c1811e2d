"""Upgrade campaigns (R-MNT-13 with R-REL-3, R-REL-4, R-MNT-7): releases registers the kind;
committing creates one upgrade per change; the partner's one reschedule stays in the campaign."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from maintenance import services as maintenance
from maintenance.choices import ChangeKind
from maintenance.models import Campaign
from maintenance.windows import next_windows
from portal.choices import Region
from portal.errors import DomainError
from portal.models import Notification
from releases import services
from releases.campaigns import campaign_prefill
from releases.models import Upgrade
from tests.factories import ContactFactory, CustomerFactory

from .factories import install, load_table

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def table(staff):
    return load_table(staff)


def upgrade_campaign(staff, target, **kwargs) -> Campaign:
    values = {
        "kind": ChangeKind.UPGRADE,
        "title": "Upgrade to 15 SU2",
        "target_release": target,
        "reason": "approaching_end_of_life",
        "duration_minutes": 180,
        "per_window_limit": 1,
        "deadline": NOW + timedelta(days=40),
    }
    values.update(kwargs)
    return maintenance.campaign_create(actor=staff, **values)


def test_selection_by_installed_release_and_one_upgrade_per_change(staff, partner_a, table):
    old, latest = table["12.5 SU7a"], table["15.0 SU2"]
    on_old = [CustomerFactory(partner=partner_a, name=f"Old {i}", region=Region.EMEA) for i in range(2)]
    current = CustomerFactory(partner=partner_a, name="Current", region=Region.EMEA)
    for customer in on_old:
        install(customer, staff, old)
    install(current, staff, latest)
    ContactFactory(partner=partner_a, email="noc@a.example", categories=["releases"])
    campaign = upgrade_campaign(staff, latest, selection={"releases": [old.pk]})
    result = maintenance.campaign_plan(actor=staff, campaign=campaign)
    assert result == {"planned": 2, "unplaceable": []}
    slot = campaign.slots.order_by("start").first()
    assert slot.start >= NOW + timedelta(days=10)  # R-REL-4: 10 days of notice
    maintenance.campaign_commit(actor=staff, campaign=campaign)
    upgrades = Upgrade.objects.filter(change__campaign=campaign)
    assert upgrades.count() == 2 and {u.target for u in upgrades} == {latest}
    assert Notification.objects.filter(dedupe_key__startswith="upgrade:").count() == 2


def test_target_older_than_what_a_customer_runs_makes_it_unplaceable(staff, partner_a, table):
    newer = CustomerFactory(partner=partner_a, name="Newer", region=Region.EMEA)
    install(newer, staff, table["15.0 SU2"])
    campaign = upgrade_campaign(
        staff, table["15.0 SU1"], reason="security_vulnerability", advisory="sa-1",
        selection={"customers": [newer.pk]},
    )
    result = maintenance.campaign_plan(actor=staff, campaign=campaign)
    assert result["planned"] == 0
    assert result["unplaceable"][0]["rule"] == "R-REL-4"


def test_target_without_upgrade_support_is_refused(staff, table):
    with pytest.raises(DomainError) as refused:
        upgrade_campaign(staff, table["14.0 SU4"])
    assert refused.value.rule == "R-REL-3" and refused.value.field == "target_release"


def test_prefill_selects_the_releases_that_must_upgrade(staff, partner_a, table):
    customer = CustomerFactory(partner=partner_a, region=Region.EMEA)
    install(customer, staff, table["12.5 SU7a"])
    services.compliance_refresh()
    values = campaign_prefill(table["15.0 SU2"])
    assert values["kind"] == "upgrade" and values["target_release"] == table["15.0 SU2"].pk
    assert table["12.5 SU7a"].pk in values["selection"]["releases"]


def test_release_page_offers_the_campaign(client_for, staff, table):
    page = client_for(staff).get(f"/admin/releases/release/{table['15.0 SU2'].pk}/change/")
    assert "/admin/maintenance/campaign/add/?" in page.content.decode()


def committed_pair(staff, partner_a, table, limit=1):
    old, latest = table["12.5 SU7a"], table["15.0 SU2"]
    customers = [
        CustomerFactory(partner=partner_a, name=f"C{i}", region=Region.EMEA) for i in range(2)
    ]
    for customer in customers:
        install(customer, staff, old)
    campaign = upgrade_campaign(
        staff, latest, per_window_limit=limit, selection={"releases": [old.pk]}
    )
    maintenance.campaign_plan(actor=staff, campaign=campaign)
    maintenance.campaign_commit(actor=staff, campaign=campaign)
    return campaign, list(Upgrade.objects.filter(change__campaign=campaign).order_by("change__start"))


def test_r_rel_4_reschedule_into_a_full_campaign_window_is_refused(staff, alice, partner_a, table):
    campaign, (first, second) = committed_pair(staff, partner_a, table)
    with pytest.raises(DomainError) as refused:
        services.upgrade_reschedule(
            actor=alice, upgrade=second, start=first.change.start, end=first.change.end,
            reason="Our sales week",
        )
    assert refused.value.rule == "R-MNT-13"
    second.refresh_from_db()
    assert second.reschedules_used == 0  # the refused attempt does not use the one reschedule


def test_r_rel_4_reschedule_into_a_campaign_window_with_room(staff, alice, partner_a, table):
    campaign, (first, second) = committed_pair(staff, partner_a, table)
    start = second.change.start + timedelta(days=7)  # the same weeknight, a week later
    moved = services.upgrade_reschedule(
        actor=alice, upgrade=second, start=start, end=start + timedelta(hours=3),
        reason="Our sales week",
    )
    assert moved.change.start == start and moved.reschedules_used == 1


def test_r_rel_4_reschedule_past_the_campaign_deadline_is_refused(staff, alice, partner_a, table):
    campaign, (first, second) = committed_pair(staff, partner_a, table)
    start = next_windows("EMEA", campaign.deadline, 1)[0].start  # a legal window, too late
    with pytest.raises(DomainError) as refused:
        services.upgrade_reschedule(
            actor=alice, upgrade=second, start=start, end=start + timedelta(hours=3),
            reason="Our sales week",
        )
    assert refused.value.rule == "R-MNT-13"


def test_upgrade_page_offers_campaign_windows_with_room(client_for, staff, alice, partner_a, table):
    campaign, (first, second) = committed_pair(staff, partner_a, table)
    page = client_for(alice).get(f"/releases/upgrades/{second.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and "Windows that still have room" in text
