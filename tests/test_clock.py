"""The session clock of ``PORTAL_TEST_CLOCK`` (tests/conftest.py) holds in every process."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine
from django.utils import timezone

from tests.conftest import _test_clock
from tests.outbox import deliveries


def test_the_session_starts_at_portal_test_clock_or_today() -> None:
    moment = _test_clock()
    now = timezone.now()
    if moment is None:
        assert not time_machine.escape_hatch.is_travelling()
        return
    assert time_machine.escape_hatch.is_travelling()
    # The clock ticks from the moment the process started; the suite is shorter than 2 hours.
    assert moment <= now < moment + dt.timedelta(hours=2), (now, os.environ["PORTAL_TEST_CLOCK"])
    assert dt.date.today() == now.astimezone().date()


@time_machine.travel(dt.datetime(2030, 1, 2, 3, 4, tzinfo=dt.UTC), tick=False)
def test_a_test_that_pins_its_own_clock_sees_it() -> None:
    assert timezone.now() == dt.datetime(2030, 1, 2, 3, 4, tzinfo=dt.UTC)
    assert dt.date.today() == dt.date(2030, 1, 2)


def test_a_nested_travel_returns_to_the_session_clock() -> None:
    before = timezone.now()
    with time_machine.travel(dt.datetime(2031, 5, 6, tzinfo=dt.UTC), tick=False):
        assert timezone.now() == dt.datetime(2031, 5, 6, tzinfo=dt.UTC)
    assert before <= timezone.now() < before + dt.timedelta(minutes=1)


# --- services and jobs take ``now`` (STYLE.md habit 10): a given clock reaches every line ------

LATER = dt.datetime(2031, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_delivery_stamps_the_given_now_on_sent_and_retried_rows(partner_a, contact_a) -> None:
    from unittest import mock

    from portal import notifications
    from portal.choices import Category, NotificationStatus
    from portal.notifications import deliver_due, notification_retry, notify

    notify(partner=partner_a, category=Category.CASES, subject="s", body="b", dedupe_key="k:1")
    with mock.patch.object(
        notifications.EmailMultiAlternatives, "send", side_effect=OSError("smtp down")
    ):
        assert deliver_due(now=LATER) == {"sent": 0, "failed": 1}
    row = deliveries().get()
    assert row.next_attempt_at == LATER + dt.timedelta(seconds=30)
    assert deliver_due(now=LATER + dt.timedelta(seconds=29)) == {"sent": 0, "failed": 0}

    assert notification_retry(ids=[row.pk], now=LATER + dt.timedelta(seconds=1)) == 1
    assert deliver_due(now=LATER + dt.timedelta(seconds=2)) == {"sent": 1, "failed": 0}
    row.refresh_from_db()
    assert (row.status, row.sent_at) == (NotificationStatus.SENT, LATER + dt.timedelta(seconds=2))


@pytest.mark.django_db
def test_confirming_contacts_records_the_given_now_r_not_3(alice, partner_a) -> None:
    from portal.services import contacts_confirm

    assert contacts_confirm(user=alice, partner=partner_a, now=LATER).contacts_confirmed_at == LATER
    partner_a.refresh_from_db()
    assert partner_a.contacts_confirmed_at == LATER


@pytest.mark.django_db
def test_case_events_carry_the_given_now(alice, staff, customer_a, contact_a) -> None:
    from cases import services
    from cases.choices import EventKind, Status
    from tests.cases.factories import CaseFactory

    case = CaseFactory(customer=customer_a, status=Status.IN_PROGRESS)
    services.case_comment(user=alice, case=case, text="Still down.", now=LATER)
    services.case_resolve(user=staff, case=case, note="Fixed.", now=LATER)
    case.refresh_from_db()
    assert case.events.get(kind=EventKind.COMMENT).at == LATER
    assert case.resolved_at == LATER

    opened = services.case_open(
        user=alice,
        customer=customer_a,
        title="All phones down",
        description="No phone registers.",
        category="common",
        urgency="critical",
        impact="widespread",
        contract_number=customer_a.contract_number,
        contact_name="Alice",
        contact_phone="+1 555 0100",
        contact_email="alice@acme.example",
        now=LATER,
    )
    assert opened.events.get(kind=EventKind.NOTIFICATION_SENT).at == LATER


@pytest.mark.django_db
def test_capacity_request_events_carry_the_given_now_r_cap_3(customer_a, staff, alice) -> None:
    from capacity import services
    from capacity.choices import RequestStatus
    from tests.capacity.factories import open_case, set_baseline

    set_baseline(customer_a, staff)
    request = services.capacity_request_submit(
        customer=customer_a,
        knowledge_workers=1200,
        workspace_devices=1600,
        reason="New office",
        case=open_case(customer_a, alice),
        actor=alice,
        now=LATER,
    )
    services.capacity_request_transition(
        request=request,
        status=RequestStatus.UNDER_ANALYSIS,
        actor=staff,
        now=LATER + dt.timedelta(hours=1),
    )
    assert [e.at for e in request.events.order_by("at")] == [
        LATER,
        LATER + dt.timedelta(hours=1),
    ]


@pytest.mark.django_db
def test_rotating_the_calendar_feed_records_the_given_now(alice, partner_a) -> None:
    from maintenance.services import calendar_feed_rotate

    feed = calendar_feed_rotate(actor=alice, partner=partner_a, now=LATER)
    assert feed.rotated_at == LATER
