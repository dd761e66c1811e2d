"""The campaign admin (R-MNT-13): terms through the services, plan and commit buttons, slots
moved and excluded from their own pages, progress on the campaign's page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from maintenance import services
from maintenance.choices import CampaignStatus, ChangeKind, SlotStatus
from maintenance.models import Campaign
from portal.choices import Region
from tests.factories import CustomerFactory

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def campaign(staff, partner_a):
    for i in range(3):
        CustomerFactory(partner=partner_a, name=f"C{i}", region=Region.EMEA)
    return services.campaign_create(
        actor=staff,
        kind=ChangeKind.ROUTINE,
        title="Patches",
        duration_minutes=60,
        per_window_limit=2,
        deadline=NOW + timedelta(days=20),
        selection={"partners": [partner_a.pk]},
    )


def test_add_form_creates_through_the_service(client_for, staff, partner_a):
    client = client_for(staff)
    page = client.get("/admin/maintenance/campaign/add/?kind=upgrade&selection=%7B%22releases%22%3A%5B1%5D%7D")
    assert page.status_code == 200
    answer = client.post(
        "/admin/maintenance/campaign/add/",
        {
            "kind": "routine",
            "title": "Patches",
            "duration_minutes": 60,
            "per_window_limit": 2,
            "selection": '{"regions": ["EMEA"]}',
            "deadline_0": "2027-03-20",
            "deadline_1": "10:00:00",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert Campaign.objects.get().selection == {"regions": ["EMEA"]}


def test_add_form_shows_the_rule_refused(client_for, staff):
    answer = client_for(staff).post(
        "/admin/maintenance/campaign/add/",
        {
            "kind": "emergency",
            "title": "Nope",
            "duration_minutes": 60,
            "per_window_limit": 2,
            "selection": "{}",
            "deadline_0": "2027-03-20",
            "deadline_1": "10:00:00",
        },
    )
    assert answer.status_code == 200 and "R-MNT-8" in answer.content.decode()
    assert not Campaign.objects.exists()


def test_plan_commit_and_progress_from_the_admin(client_for, staff, campaign):
    client = client_for(staff)
    url = f"/admin/maintenance/campaign/{campaign.pk}/"
    assert client.post(f"{url}do/plan/").status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PLANNED and campaign.slots.count() == 3
    page = client.get(f"{url}change/").content.decode()
    assert "do/commit/" in page and "C0" in page
    slot = campaign.slots.order_by("position").last()
    slot_url = f"/admin/maintenance/campaignslot/{slot.pk}/"
    assert client.get(f"{slot_url}change/").status_code == 200
    assert client.post(f"{slot_url}do/exclude/").status_code == 302
    assert campaign.slots.get(pk=slot.pk).status == SlotStatus.EXCLUDED
    assert client.post(f"{url}do/commit/").status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.COMMITTED
    page = client.get(f"{url}change/").content.decode()
    assert "Notified" in page and "Excluded" in page  # the progress table


def test_slot_move_refused_shows_the_rule(client_for, staff, campaign):
    services.campaign_plan(actor=staff, campaign=campaign)
    slot = campaign.slots.order_by("position").first()
    answer = client_for(staff).post(
        f"/admin/maintenance/campaignslot/{slot.pk}/do/move/",
        {"start_0": "2027-03-02", "start_1": "12:00:00"},
    )
    assert answer.status_code == 400 and "R-MNT-2" in answer.content.decode()


def test_partner_users_cannot_open_the_campaign_admin(client_for, alice, campaign):
    answer = client_for(alice).get(f"/admin/maintenance/campaign/{campaign.pk}/change/")
    assert answer.status_code == 302 and "/login" in answer["Location"]
