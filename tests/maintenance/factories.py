"""factory_boy factories and time helpers of the maintenance tests."""

from __future__ import annotations

from datetime import datetime, timedelta

import factory
from django.utils import timezone

from maintenance.choices import ChangeKind, ChangeStatus
from maintenance.models import Certificate, Change, FreezePeriod
from maintenance.windows import Window, next_windows
from portal.choices import Application
from tests.factories import CustomerFactory, PartnerFactory


def weekday_window(region: str, *, after: datetime | None = None, days: int = 30) -> Window:
    """A weekday window of ``region`` at least ``days`` days after ``after`` (default now)."""
    return next_windows(region, (after or timezone.now()) + timedelta(days=days), 1)[0]


def weekend_window(region: str, *, after: datetime | None = None, days: int = 30) -> Window:
    found = next_windows(region, (after or timezone.now()) + timedelta(days=days), 7, True)
    return next(w for w in found if w.infrastructure_only)


class ChangeFactory(factory.django.DjangoModelFactory):
    """A scheduled routine change in a weekday window about a month ahead.

    Pass ``customers=[...]`` to attach customers (defaults to one new customer of ``partner``).
    """

    class Meta:
        model = Change
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    kind = ChangeKind.ROUTINE
    title = factory.Sequence(lambda n: f"Routine maintenance {n}")
    description = "Apply the monthly operating system patches."
    status = ChangeStatus.SCHEDULED
    start = factory.LazyFunction(lambda: weekday_window("EMEA").start)
    end = factory.LazyAttribute(lambda c: c.start + timedelta(hours=2))

    @factory.post_generation
    def customers(self, create: bool, extracted, **kwargs) -> None:
        if not create:
            return
        if extracted is None:
            extracted = [CustomerFactory(partner=self.partner)]
        self.customers.set(extracted)


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate

    customer = factory.SubFactory(CustomerFactory)
    application = Application.CUCM
    common_name = factory.Sequence(lambda n: f"cucm{n}.example.net")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))


class FreezePeriodFactory(factory.django.DjangoModelFactory):
    """A three-day freeze period starting a week from now (R-MNT-14)."""

    class Meta:
        model = FreezePeriod

    customer = factory.SubFactory(CustomerFactory)
    start = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    end = factory.LazyAttribute(lambda f: f.start + timedelta(days=3))
    reason = "Year-end sales event"
