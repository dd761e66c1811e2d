"""Freeze periods (R-MNT-14): the services, and every scheduling path avoiding them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from maintenance import services
from maintenance.choices import ChangeKind, ChangeStatus, EmergencyReason, RescheduleStatus
from maintenance.models import Change, FreezePeriod
from maintenance.windows import window_for_night
from portal.errors import DomainError

from .factories import CertificateFactory, FreezePeriodFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)  # a Monday
WED = window_for_night("EMEA", datetime(2027, 3, 24).date())  # three weeks later
THU = window_for_night("EMEA", datetime(2027, 3, 25).date())


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def freeze_over(customer, window, **kw) -> FreezePeriod:
    """A freeze covering the whole night of ``window``."""
    return FreezePeriodFactory(
        customer=customer, start=window.start - timedelta(hours=1), end=window.end, **kw
    )


def schedule(staff, partner, customers, window=WED, **overrides) -> Change:
    arguments = {
        "actor": staff,
        "partner": partner,
        "kind": ChangeKind.ROUTINE,
        "title": "Patch the call manager",
        "customers": customers,
        "start": window.start,
        "end": window.start + timedelta(hours=2),
        "now": NOW,
    }
    arguments.update(overrides)
    return services.change_create(**arguments)


# --- the services ---------------------------------------------------------------------------


def test_a_partner_user_declares_a_freeze_for_its_customer_r_mnt_14(bob, customer_a) -> None:
    freeze = services.freeze_period_create(
        actor=bob,
        customer=customer_a,
        start=NOW + timedelta(days=2),
        end=NOW + timedelta(days=5),
        reason="  Store opening  ",
    )
    assert freeze.reason == "Store opening"
    assert freeze.created_by == bob
    assert freeze.history.count() == 1


def test_staff_declare_a_freeze_for_any_customer_r_mnt_14(staff, customer_b) -> None:
    freeze = services.freeze_period_create(
        actor=staff,
        customer=customer_b,
        start=NOW + timedelta(days=2),
        end=NOW + timedelta(days=3),
        reason="Move",
    )
    assert freeze.customer == customer_b


def test_an_outsider_cannot_declare_a_freeze_for_another_partners_customer(
    charlie, customer_a
) -> None:
    with pytest.raises(DomainError) as excinfo:
        services.freeze_period_create(
            actor=charlie,
            customer=customer_a,
            start=NOW + timedelta(days=2),
            end=NOW + timedelta(days=3),
            reason="x",
        )
    assert excinfo.value.field == "customer"
    assert not FreezePeriod.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "reason", "field"),
    [
        (NOW - timedelta(hours=1), NOW + timedelta(days=1), "x", "start"),
        (NOW + timedelta(days=2), NOW + timedelta(days=1), "x", "end"),
        (NOW + timedelta(days=1), NOW + timedelta(days=40), "x", "end"),
        (NOW + timedelta(days=1), NOW + timedelta(days=2), "  ", "reason"),
    ],
)
def test_a_freeze_is_refused_naming_the_field_r_mnt_14(
    alice, customer_a, start, end, reason, field
) -> None:
    with pytest.raises(DomainError) as excinfo:
        services.freeze_period_create(
            actor=alice, customer=customer_a, start=start, end=end, reason=reason
        )
    assert excinfo.value.field == field
    assert excinfo.value.rule == "R-MNT-14"


def test_a_freeze_under_way_may_be_shortened_but_not_moved_into_the_past_r_mnt_14(
    alice, customer_a
) -> None:
    freeze = FreezePeriodFactory(
        customer=customer_a, start=NOW - timedelta(days=1), end=NOW + timedelta(days=2)
    )
    services.freeze_period_update(actor=alice, freeze=freeze, end=NOW + timedelta(days=1))
    freeze.refresh_from_db()
    assert freeze.end == NOW + timedelta(days=1)
    with pytest.raises(DomainError) as excinfo:
        services.freeze_period_update(actor=alice, freeze=freeze, start=NOW - timedelta(days=2))
    assert excinfo.value.field == "start"


def test_an_ended_freeze_can_no_longer_be_changed_r_mnt_14(alice, customer_a) -> None:
    freeze = FreezePeriodFactory(
        customer=customer_a, start=NOW - timedelta(days=3), end=NOW - timedelta(days=1)
    )
    with pytest.raises(DomainError) as excinfo:
        services.freeze_period_update(actor=alice, freeze=freeze, reason="Other")
    assert excinfo.value.field == "end"


def test_an_outsider_cannot_change_or_delete_a_freeze(charlie, customer_a, customer_b) -> None:
    freeze = FreezePeriodFactory(customer=customer_a)
    with pytest.raises(DomainError):
        services.freeze_period_update(actor=charlie, freeze=freeze, reason="Mine now")
    with pytest.raises(DomainError):
        services.freeze_period_delete(actor=charlie, freeze=freeze)
    assert FreezePeriod.objects.get().reason == "Year-end sales event"


def test_a_partner_cannot_move_a_freeze_to_another_partners_customer(
    alice, customer_a, customer_b
) -> None:
    freeze = FreezePeriodFactory(customer=customer_a)
    with pytest.raises(DomainError) as excinfo:
        services.freeze_period_update(actor=alice, freeze=freeze, customer=customer_b)
    assert excinfo.value.field == "customer"


def test_deleting_a_freeze_frees_its_time_r_mnt_14(staff, alice, partner_a, customer_a) -> None:
    freeze = freeze_over(customer_a, WED)
    with pytest.raises(DomainError):
        schedule(staff, partner_a, [customer_a])
    services.freeze_period_delete(actor=alice, freeze=freeze)
    assert schedule(staff, partner_a, [customer_a]).status == ChangeStatus.SCHEDULED


# --- enforcement: planned changes avoid freezes, emergencies ignore them ----------------------


def test_a_planned_change_into_a_freeze_of_any_customer_is_refused_r_mnt_14(
    staff, partner_a, customer_a
) -> None:
    from tests.factories import CustomerFactory

    other = CustomerFactory(partner=partner_a, name="Zeta")
    freeze_over(other, WED)
    with pytest.raises(DomainError) as excinfo:
        schedule(staff, partner_a, [customer_a, other])
    assert (excinfo.value.field, excinfo.value.rule) == ("start", "R-MNT-14")
    assert "Zeta" in str(excinfo.value.message)
    assert not Change.objects.exists()


def test_a_change_touching_the_freeze_edge_is_allowed_r_mnt_14(
    staff, partner_a, customer_a
) -> None:
    FreezePeriodFactory(
        customer=customer_a, start=WED.start + timedelta(hours=2), end=WED.end
    )
    assert schedule(staff, partner_a, [customer_a]).pk


def test_another_customers_freeze_does_not_block_r_mnt_14(
    staff, partner_a, customer_a, customer_b
) -> None:
    freeze_over(customer_b, WED)
    assert schedule(staff, partner_a, [customer_a]).pk


def test_an_emergency_change_ignores_freezes_r_mnt_14_r_mnt_8(
    staff, partner_a, customer_a
) -> None:
    freeze_over(customer_a, WED)
    change = schedule(
        staff,
        partner_a,
        [customer_a],
        kind=ChangeKind.EMERGENCY,
        reason=EmergencyReason.values[0],
    )
    assert change.kind == ChangeKind.EMERGENCY


def test_moving_a_change_into_a_freeze_is_refused_r_mnt_14(staff, partner_a, customer_a) -> None:
    change = schedule(staff, partner_a, [customer_a], window=THU)
    freeze_over(customer_a, WED)
    with pytest.raises(DomainError) as excinfo:
        services.change_plan(
            actor=staff, change=change, start=WED.start, end=WED.start + timedelta(hours=2)
        )
    assert excinfo.value.rule == "R-MNT-14"
    change.refresh_from_db()
    assert change.start == THU.start


@pytest.fixture
def requested(staff, alice, partner_a, customer_a):
    change = schedule(staff, partner_a, [customer_a], window=THU)
    services.change_send_notice(actor=staff, change=change, now=NOW)
    return services.reschedule_request_create(
        actor=alice, change=change, reason="Our busiest week.", now=NOW
    )


def test_alternatives_offered_skip_frozen_windows_r_mnt_14(staff, customer_a, requested) -> None:
    free = services.reschedule_alternatives_for(change=requested.change, now=NOW)
    freeze_over(customer_a, window_for_night("EMEA", free[0][0].astimezone(UTC).date()))
    after = services.reschedule_alternatives_for(change=requested.change, now=NOW)
    assert free[0] not in after
    assert after[0] == free[1]


def test_staff_cannot_offer_a_frozen_alternative_r_mnt_14(staff, customer_a, requested) -> None:
    freeze_over(customer_a, WED)
    with pytest.raises(DomainError) as excinfo:
        services.reschedule_offer_alternatives(
            actor=staff,
            request=requested,
            alternatives=[(WED.start, WED.start + timedelta(hours=2))],
            now=NOW,
        )
    assert (excinfo.value.field, excinfo.value.rule) == ("alternatives", "R-MNT-14")


def test_an_alternative_frozen_since_the_offer_cannot_be_chosen_r_mnt_14(
    staff, alice, customer_a, requested
) -> None:
    services.reschedule_offer_alternatives(
        actor=staff,
        request=requested,
        alternatives=[(WED.start, WED.start + timedelta(hours=2))],
        now=NOW,
    )
    freeze_over(customer_a, WED)
    with pytest.raises(DomainError) as excinfo:
        services.reschedule_choose(
            actor=alice,
            request=requested,
            alternative_id=requested.alternatives.get().pk,
            now=NOW,
        )
    assert (excinfo.value.field, excinfo.value.rule) == ("alternative", "R-MNT-14")
    requested.refresh_from_db()
    assert requested.status == RescheduleStatus.ALTERNATIVES_OFFERED


def test_the_renewal_scan_skips_a_frozen_window_r_mnt_6_r_mnt_14(customer_a) -> None:
    cert = CertificateFactory(customer=customer_a, expires_at=NOW + timedelta(days=10))
    # The first window of the 3–7-day band is frozen: the renewal takes a later one.
    first = window_for_night("EMEA", (NOW + timedelta(days=3)).date())
    FreezePeriodFactory(customer=customer_a, start=NOW, end=first.end)
    assert services.certificates_scan(now=NOW)["created"] == 1
    cert.refresh_from_db()
    assert cert.renewal_change.start == window_for_night("EMEA", first.night + timedelta(days=1)).start


def test_a_renewal_band_frozen_throughout_is_reported_unplaceable_r_mnt_6_r_mnt_14(
    customer_a,
) -> None:
    CertificateFactory(customer=customer_a, expires_at=NOW + timedelta(days=10))
    FreezePeriodFactory(customer=customer_a, start=NOW, end=NOW + timedelta(days=10))
    assert services.certificates_scan(now=NOW) == {"created": 0, "unplaceable": 1}
