"""The freeze periods API (R-MNT-14): /api/v1/freeze-periods/, and planned changes through the
changes API refused in a freeze while emergencies are not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from maintenance.choices import ChangeKind, EmergencyReason
from maintenance.models import Change, FreezePeriod
from maintenance.windows import window_for_night
from tests.factories import CustomerFactory

from .factories import FreezePeriodFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/freeze-periods/"
NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
WED = window_for_night("EMEA", datetime(2027, 3, 24).date())


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def body(customer, **overrides) -> dict:
    data = {
        "customer": customer.pk,
        "start": "2027-03-10T00:00:00+01:00",
        "end": "2027-03-13T00:00:00+01:00",
        "reason": "Spring sales event",
    }
    data.update(overrides)
    return data


def test_a_partner_declares_lists_changes_and_withdraws_a_freeze(api, alice, customer_a) -> None:
    client = api(alice)
    response = client.post(URL, body(customer_a), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert set(data) == {"id", "customer", "start", "end", "reason", "created_at"}
    assert data["customer"] == customer_a.pk
    assert datetime.fromisoformat(data["start"]) == datetime(2027, 3, 9, 23, tzinfo=UTC)

    listed = client.get(URL).json()
    assert [row["id"] for row in listed["results"]] == [data["id"]]

    url = f"{URL}{data['id']}/"
    patched = client.patch(url, {"reason": "Store move"}, format="json")
    assert patched.status_code == 200 and patched.json()["reason"] == "Store move"
    assert client.put(url, body(customer_a, reason="Both"), format="json").status_code == 200

    assert client.delete(url).status_code == 204
    assert not FreezePeriod.objects.exists()


def test_a_freeze_in_the_past_is_a_400_naming_field_and_rule_r_mnt_14(
    api, alice, customer_a
) -> None:
    response = api(alice).post(
        URL, body(customer_a, start="2027-02-27T00:00:00+00:00"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["rule"] == "R-MNT-14"
    assert "start" in response.json()


def test_a_naive_time_is_a_400(api, alice, customer_a) -> None:
    response = api(alice).post(URL, body(customer_a, start="2027-03-10T00:00:00"), format="json")
    assert response.status_code == 400
    assert "start" in response.json()


def test_another_tenants_customer_in_the_payload_is_a_400(api, charlie, customer_a) -> None:
    response = api(charlie).post(URL, body(customer_a), format="json")
    assert response.status_code == 400
    assert "customer" in response.json()
    assert not FreezePeriod.objects.exists()


def test_another_tenants_customer_in_the_filter_is_a_400(api, charlie, customer_a) -> None:
    response = api(charlie).get(URL, {"customer": customer_a.pk})
    assert response.status_code == 400
    assert "customer" in response.json()


def test_the_customer_filter_narrows_the_list(api, alice, partner_a, customer_a) -> None:
    mine = FreezePeriodFactory(customer=customer_a)
    FreezePeriodFactory(customer=CustomerFactory(partner=partner_a))
    rows = api(alice).get(URL, {"customer": customer_a.pk}).json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]


def test_an_outsider_gets_404_on_another_partners_freeze(api, charlie, customer_a) -> None:
    freeze = FreezePeriodFactory(customer=customer_a)
    client = api(charlie)
    url = f"{URL}{freeze.pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"reason": "x"}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    assert client.get(URL).json()["results"] == []
    assert FreezePeriod.objects.get().reason == "Year-end sales event"


def test_anonymous_callers_are_refused(api) -> None:
    assert api().get(URL).status_code in (401, 403)


def test_staff_see_every_partners_freezes(api, staff, customer_a, customer_b) -> None:
    FreezePeriodFactory(customer=customer_a)
    FreezePeriodFactory(customer=customer_b)
    assert api(staff).get(URL).json()["count"] == 2


def test_the_freeze_list_queries_do_not_grow_with_rows(
    api, alice, partner_a, customer_a, django_assert_max_num_queries
) -> None:
    client = api(alice)
    FreezePeriodFactory(customer=customer_a)
    with django_assert_max_num_queries(10) as one:
        client.get(URL)
    for _ in range(10):
        FreezePeriodFactory(customer=CustomerFactory(partner=partner_a))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(URL).json()["count"] == 11


# --- enforcement through the changes API ----------------------------------------------------


def change_body(customer, **overrides) -> dict:
    data = {
        "partner": customer.partner_id,
        "kind": ChangeKind.ROUTINE,
        "title": "Patch",
        "customers": [customer.pk],
        "start": WED.start.isoformat(),
        "end": (WED.start + timedelta(hours=2)).isoformat(),
    }
    data.update(overrides)
    return data


def test_a_planned_change_into_a_freeze_is_a_400_r_mnt_14(api, staff, customer_a) -> None:
    FreezePeriodFactory(customer=customer_a, start=WED.start, end=WED.end)
    response = api(staff).post("/api/v1/changes/", change_body(customer_a), format="json")
    assert response.status_code == 400
    assert response.json()["rule"] == "R-MNT-14"
    assert "start" in response.json()
    assert not Change.objects.exists()


def test_an_emergency_change_in_a_freeze_is_accepted_r_mnt_14(api, staff, customer_a) -> None:
    FreezePeriodFactory(customer=customer_a, start=WED.start, end=WED.end)
    response = api(staff).post(
        "/api/v1/changes/",
        change_body(customer_a, kind=ChangeKind.EMERGENCY, reason=EmergencyReason.values[0]),
        format="json",
    )
    assert response.status_code == 201, response.json()
