"""R-NOT-3: partners are asked to confirm their contacts every CONTACT_REVIEW_DAYS."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.services import contact_review_request_due
from tests.outbox import deliveries

pytestmark = pytest.mark.django_db


def test_admins_of_unconfirmed_partners_are_asked_once(alice, bob, charlie):
    assert contact_review_request_due() == 2
    assert contact_review_request_due() == 0
    assert sorted(deliveries().values_list("recipient", flat=True)) == [
        "alice@example.com",
        "charlie@example.com",
    ]


def test_recently_confirmed_partner_is_not_asked(alice, partner_a, charlie):
    partner_a.contacts_confirmed_at = timezone.now() - timedelta(days=10)
    partner_a.save()
    assert contact_review_request_due() == 1
    assert deliveries().get().recipient == "charlie@example.com"


def test_asked_again_after_the_period(alice, partner_a):
    now = timezone.now()
    assert contact_review_request_due(now=now) == 1
    assert contact_review_request_due(now=now + timedelta(days=30)) == 0
    assert contact_review_request_due(now=now + timedelta(days=91)) == 1
