"""Upgrades avoid the customer's freeze periods (R-MNT-14), when staff schedule them and when
the partner reschedules one (R-REL-4)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from portal.errors import DomainError
from releases import services
from tests.maintenance.factories import FreezePeriodFactory

from .factories import load_table, plan_upgrade, weeknight

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def freeze_over(customer, start, end):
    return FreezePeriodFactory(
        customer=customer, start=start - timedelta(hours=2), end=end + timedelta(hours=2)
    )


def test_an_upgrade_into_a_freeze_is_refused_r_mnt_14(staff, customer_a) -> None:
    rows = load_table(staff)
    freeze_over(customer_a, *weeknight(21))
    with pytest.raises(DomainError) as excinfo:
        plan_upgrade(customer_a, staff, rows["15.0 SU2"], days_ahead=21)
    assert (excinfo.value.field, excinfo.value.rule) == ("start", "R-MNT-14")


def test_rescheduling_an_upgrade_into_a_freeze_is_refused_and_not_counted_r_mnt_14(
    staff, alice, customer_a
) -> None:
    rows = load_table(staff)
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"], days_ahead=21)
    start, end = weeknight(28)
    freeze_over(customer_a, start, end)
    with pytest.raises(DomainError) as excinfo:
        services.upgrade_reschedule(
            actor=alice, upgrade=upgrade, start=start, end=end, reason="Busy"
        )
    assert excinfo.value.rule == "R-MNT-14"
    upgrade.refresh_from_db()
    assert upgrade.reschedules_used == 0
