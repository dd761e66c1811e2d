"""Security review: a filter on another partner's id answers exactly as an unknown id does
(400 naming the filter), so the ids of other tenants cannot be probed."""

from __future__ import annotations

import pytest

from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

CUSTOMER_FILTERS = [
    "/api/v1/changes/?customer={id}",
    "/api/v1/contacts/?customer={id}",
    "/api/v1/certificates/?customer={id}",
    "/api/v1/patch-requests/?customer={id}",
    "/api/v1/capacity-requests/?customer={id}",
    "/api/v1/installed-versions/?customer={id}",
    "/api/v1/cases/?customer={id}",
]


@pytest.mark.parametrize("url", CUSTOMER_FILTERS)
def test_another_partners_customer_is_refused_like_an_unknown_one(api, alice, customer_b, url):
    other = api(alice).get(url.format(id=customer_b.pk))
    unknown = api(alice).get(url.format(id=999_999))
    assert other.status_code == unknown.status_code == 400
    assert list(other.json()) == list(unknown.json()) == ["customer"]


@pytest.mark.parametrize("url", CUSTOMER_FILTERS)
def test_the_callers_own_customer_filters_as_before(api, alice, customer_a, url):
    assert api(alice).get(url.format(id=customer_a.pk)).status_code == 200


def test_another_partner_is_refused_on_the_customer_list(api, alice, partner_b, partner_a):
    CustomerFactory(partner=partner_a)
    response = api(alice).get(f"/api/v1/customers/?partner={partner_b.pk}")
    assert response.status_code == 400 and "partner" in response.json()
    assert api(alice).get(f"/api/v1/customers/?partner={partner_a.pk}").status_code == 200
