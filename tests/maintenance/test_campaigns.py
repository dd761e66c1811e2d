"""Campaigns (R-MNT-13): planning, moving, excluding and committing, through the services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from maintenance import services
from maintenance.choices import CampaignStatus, ChangeKind, ChangeStatus, SlotStatus
from maintenance.models import Campaign, Change, ChangeNotice
from maintenance.windows import window_containing
from portal.choices import Region
from portal.errors import DomainError
from portal.models import Delivery, Notification
from portal.notifications import fan_out
from tests.factories import ContactFactory, CustomerFactory, PartnerFactory
from tests.maintenance.factories import ChangeFactory

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)  # a Monday morning
M = "maintenance_and_outages"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def make_campaign(staff, **kwargs) -> Campaign:
    values = {
        "kind": ChangeKind.ROUTINE,
        "title": "Operating system patches",
        "duration_minutes": 120,
        "per_window_limit": 2,
        "deadline": NOW + timedelta(days=30),
    }
    values.update(kwargs)
    return services.campaign_create(actor=staff, **values)


def test_routine_campaign_places_customers_in_order_within_the_limit(staff, partner_a):
    customers = [CustomerFactory(partner=partner_a, name=f"C{i}", region=Region.EMEA) for i in range(5)]
    campaign = make_campaign(staff, selection={"partners": [partner_a.pk]})
    result = services.campaign_plan(actor=staff, campaign=campaign)
    assert result == {"planned": 5, "unplaceable": []}
    slots = list(campaign.slots.order_by("position"))
    assert [s.customer_id for s in slots] == [c.pk for c in customers]
    nights = [window_containing("EMEA", s.start, s.end).night for s in slots]
    # R-MNT-13: two per window, the earliest windows first (Monday 1 March: the same night).
    assert nights[0] == nights[1] < nights[2] == nights[3] < nights[4]
    assert all(window_containing("EMEA", s.start, s.end).kind == "weekday" for s in slots)


def test_service_impacting_campaign_waits_for_ten_business_days_of_notice(staff, customer_a):
    campaign = make_campaign(
        staff, kind=ChangeKind.SERVICE_IMPACTING, selection={"customers": [customer_a.pk]}
    )
    services.campaign_plan(actor=staff, campaign=campaign)
    slot = campaign.slots.get()
    assert slot.start >= NOW + timedelta(days=14)  # R-MNT-4


def test_customer_with_other_changes_goes_around_them(staff, partner_a, customer_a):
    campaign = make_campaign(staff, selection={"customers": [customer_a.pk]})
    first = services.campaign_plan(actor=staff, campaign=campaign)
    slot = campaign.slots.get()
    ChangeFactory(partner=partner_a, customers=[customer_a], start=slot.start, end=slot.end)
    services.campaign_plan(actor=staff, campaign=campaign)
    moved = campaign.slots.get()
    assert first["planned"] == 1
    assert moved.start >= slot.end  # R-MNT-2: no overlap with the other change


def test_unplaceable_customer_names_the_rule(staff, customer_a):
    campaign = make_campaign(
        staff,
        kind=ChangeKind.SERVICE_IMPACTING,
        deadline=NOW + timedelta(days=5),
        selection={"customers": [customer_a.pk]},
    )
    result = services.campaign_plan(actor=staff, campaign=campaign)
    assert result["planned"] == 0
    assert result["unplaceable"][0]["customer"] == customer_a.pk
    assert result["unplaceable"][0]["rule"] == "R-MNT-4"


def test_limit_reached_reports_no_window_with_room(staff, partner_a):
    for i in range(3):
        CustomerFactory(partner=partner_a, name=f"C{i}", region=Region.EMEA)
    campaign = make_campaign(
        staff, per_window_limit=1, deadline=NOW + timedelta(days=2),
        selection={"partners": [partner_a.pk]},
    )
    result = services.campaign_plan(actor=staff, campaign=campaign)
    assert result["planned"] == 2  # Monday and Tuesday nights
    assert [u["rule"] for u in result["unplaceable"]] == ["R-MNT-13"]


def test_commit_creates_notified_changes_with_notices(staff, partner_a, partner_b):
    a = CustomerFactory(partner=partner_a, name="A1", region=Region.EMEA)
    b = CustomerFactory(partner=partner_b, name="B1", region=Region.AMER)
    ContactFactory(partner=partner_a, email="noc@a.example", categories=[M])
    ContactFactory(partner=partner_b, email="noc@b.example", categories=[M])
    campaign = make_campaign(staff, selection={"customers": [a.pk, b.pk]})
    services.campaign_plan(actor=staff, campaign=campaign)
    services.campaign_commit(actor=staff, campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.COMMITTED
    changes = list(campaign.changes.order_by("partner_id"))
    assert [c.partner_id for c in changes] == [partner_a.pk, partner_b.pk]
    assert all(c.status == ChangeStatus.NOTIFIED for c in changes)
    assert [list(c.customers.all()) for c in changes] == [[a], [b]]
    history = Change.history.filter(campaign_id=campaign.pk)  # the audit trail's "created"
    assert sorted(history.values_list("history_type", "history_user_id", "id")) == sorted(
        ("+", staff.pk, c.pk) for c in changes
    )
    notices = ChangeNotice.objects.filter(change__campaign=campaign)
    assert [n.recipients for n in notices] == [1, 1]
    assert Notification.objects.filter(dedupe_key__endswith=":notice").count() == 2
    fan_out(now=NOW)
    assert set(Delivery.objects.values_list("recipient", flat=True)) == {
        "noc@a.example",
        "noc@b.example",
    }
    assert set(campaign.slots.values_list("status", flat=True)) == {SlotStatus.COMMITTED}


def test_a_committed_campaigns_notice_tells_the_reschedule_deadline_r_mnt_5(staff, partner_a):
    """The notice e-mail of a campaign's change says until when a reschedule may be asked,
    as the notice of a change sent on its own does (R-MNT-5), in the reader's language."""
    from tests.outbox import rendered_messages

    customer = CustomerFactory(partner=partner_a, name="A1", region=Region.EMEA)
    ContactFactory(partner=partner_a, email="noc@a.example", categories=[M])
    ContactFactory(partner=partner_a, email="pt@a.example", categories=[M], language="pt-br")
    campaign = make_campaign(staff, selection={"customers": [customer.pk]})
    services.campaign_plan(actor=staff, campaign=campaign)
    services.campaign_commit(actor=staff, campaign=campaign)
    (change,) = campaign.changes.all()
    assert change.reschedule_open and change.reschedule_deadline
    event = Notification.objects.get(dedupe_key=f"change:{change.pk}:notice")
    assert event.context["deadline_at"] == change.reschedule_deadline.isoformat()
    by_recipient = {m.recipient: m for m in rendered_messages(dedupe_key=event.dedupe_key)}
    assert "request a reschedule" in by_recipient["noc@a.example"].body
    assert "reagendamento" in by_recipient["pt@a.example"].body


def test_commit_is_all_or_nothing(staff, partner_a):
    a = CustomerFactory(partner=partner_a, name="A1")
    b = CustomerFactory(partner=partner_a, name="B1")
    campaign = make_campaign(staff, selection={"customers": [a.pk, b.pk]})
    services.campaign_plan(actor=staff, campaign=campaign)
    slot = campaign.slots.get(customer=b)
    ChangeFactory(partner=partner_a, customers=[b], start=slot.start, end=slot.end)
    with pytest.raises(DomainError) as refused:
        services.campaign_commit(actor=staff, campaign=campaign)
    assert refused.value.rule == "R-MNT-2"
    assert campaign.changes.count() == 0


def test_move_checks_the_rules_and_the_room(staff, partner_a):
    a = CustomerFactory(partner=partner_a, name="A1")
    b = CustomerFactory(partner=partner_a, name="B1")
    campaign = make_campaign(staff, per_window_limit=1, selection={"customers": [a.pk, b.pk]})
    services.campaign_plan(actor=staff, campaign=campaign)
    first, second = campaign.slots.order_by("position")
    with pytest.raises(DomainError) as full:
        services.campaign_slot_move(actor=staff, campaign=campaign, slot=second, start=first.start)
    assert full.value.rule == "R-MNT-13"
    with pytest.raises(DomainError) as daytime:
        services.campaign_slot_move(
            actor=staff, campaign=campaign, slot=second, start=first.start - timedelta(hours=6)
        )
    assert daytime.value.rule == "R-MNT-2"
    later = second.start + timedelta(days=1)
    moved = services.campaign_slot_move(actor=staff, campaign=campaign, slot=second, start=later)
    assert moved.start == later and moved.end == later + timedelta(minutes=120)


def test_excluded_slot_gets_no_change(staff, partner_a):
    a = CustomerFactory(partner=partner_a, name="A1")
    b = CustomerFactory(partner=partner_a, name="B1")
    campaign = make_campaign(staff, selection={"customers": [a.pk, b.pk]})
    services.campaign_plan(actor=staff, campaign=campaign)
    services.campaign_slot_exclude(
        actor=staff, campaign=campaign, slot=campaign.slots.get(customer=b)
    )
    services.campaign_commit(actor=staff, campaign=campaign)
    assert [list(c.customers.all()) for c in campaign.changes.all()] == [[a]]


def test_partners_cannot_write_campaigns(alice, customer_a):
    with pytest.raises(DomainError):
        make_campaign(alice, selection={"customers": [customer_a.pk]})


def test_emergency_campaigns_are_refused(staff):
    with pytest.raises(DomainError) as refused:
        make_campaign(staff, kind=ChangeKind.EMERGENCY)
    assert refused.value.rule == "R-MNT-8"


def test_weekend_windows_only_for_infrastructure(staff, partner_a):
    customers = [CustomerFactory(partner=partner_a, name=f"C{i}") for i in range(12)]
    campaign = make_campaign(
        staff, kind=ChangeKind.INFRASTRUCTURE, per_window_limit=1,
        selection={"customers": [c.pk for c in customers]},
    )
    services.campaign_plan(actor=staff, campaign=campaign)
    kinds = set(campaign.slots.values_list("window_kind", flat=True))
    assert kinds == {"weekday", "weekend"}  # R-MNT-1: infrastructure may use weekends
    PartnerFactory()


def test_r_mnt_5_alternatives_of_a_campaign_change_are_windows_with_room(staff, alice, partner_a):
    a = CustomerFactory(partner=partner_a, name="A1")
    b = CustomerFactory(partner=partner_a, name="B1")
    campaign = make_campaign(staff, per_window_limit=1, selection={"customers": [a.pk, b.pk]})
    services.campaign_plan(actor=staff, campaign=campaign)
    services.campaign_commit(actor=staff, campaign=campaign)
    first, second = campaign.changes.order_by("start")
    request = services.reschedule_request_create(
        actor=alice, change=second, reason="Our year-end closing runs that night."
    )
    offered = services.reschedule_offer_alternatives(actor=staff, request=request)
    starts = [alt.start for alt in offered.alternatives.all()]
    assert starts and first.start not in starts  # R-MNT-13: that window is full
    assert all(alt.end <= campaign.deadline for alt in offered.alternatives.all())
    with pytest.raises(DomainError) as refused:
        services.reschedule_offer_alternatives(
            actor=staff, request=request, alternatives=[(first.start, first.end)]
        )
    assert refused.value.rule == "R-MNT-13"


def test_partner_sees_its_campaign_change_as_an_ordinary_change(staff, api, alice, charlie, partner_a):
    a = CustomerFactory(partner=partner_a, name="A1")
    campaign = make_campaign(staff, selection={"customers": [a.pk]})
    services.campaign_plan(actor=staff, campaign=campaign)
    services.campaign_commit(actor=staff, campaign=campaign)
    change = campaign.changes.get()
    assert api(alice).get(f"/api/v1/changes/{change.pk}/").status_code == 200
    assert api(charlie).get(f"/api/v1/changes/{change.pk}/").status_code == 404
