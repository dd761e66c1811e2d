"""The outage timeline through the API (R-MNT-12): staff post updates, partners read those of
outages affecting their customers, outsiders get 404."""

from __future__ import annotations

import pytest

from maintenance import services
from maintenance.models import OutageUpdate
from portal.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def outage(staff, customer_a):
    return services.outage_declare(
        actor=staff,
        title="SBC cluster down",
        customers=[customer_a],
        applications=["CUCM"],
        regions=["EMEA"],
    )


def url(outage) -> str:
    return f"/api/v1/outages/{outage.pk}/updates/"


def test_staff_post_an_update_and_subscribers_are_told_r_mnt_12(api, staff, outage, noc_a):
    response = api(staff).post(
        url(outage), {"status": "identified", "text": "A fibre cut."}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["text"], body["outage"]) == (
        "identified",
        "A fibre cut.",
        outage.pk,
    )
    assert (
        Notification.objects.filter(dedupe_key=f"outage:{outage.pk}:update:{body['id']}").count()
        == 1
    )
    detail = api(staff).get(f"/api/v1/outages/{outage.pk}/").json()
    assert detail["current_status"] == "identified"


def test_a_resolved_update_resolves_the_outage(api, staff, outage) -> None:
    response = api(staff).post(url(outage), {"status": "resolved", "text": "Fixed."})

    assert response.status_code == 201
    detail = api(staff).get(f"/api/v1/outages/{outage.pk}/").json()
    assert (detail["status"], detail["resolution"], detail["current_status"]) == (
        "resolved",
        "Fixed.",
        "resolved",
    )
    again = api(staff).post(url(outage), {"status": "monitoring", "text": "More."})
    assert again.status_code == 400
    assert again.json()["rule"] == "R-MNT-12" and "status" in again.json()


def test_a_bad_status_or_an_empty_text_is_a_400_naming_the_field(api, staff, outage) -> None:
    assert "status" in api(staff).post(url(outage), {"status": "fixed", "text": "x"}).json()
    assert "text" in api(staff).post(url(outage), {"status": "identified", "text": ""}).json()
    blank = api(staff).post(url(outage), {"status": "identified", "text": "   "})
    assert blank.status_code == 400 and "text" in blank.json()
    assert OutageUpdate.objects.count() == 1


def test_partners_read_the_timeline_but_may_not_post(api, staff, alice, bob, outage) -> None:
    services.outage_update_post(actor=staff, outage=outage, status="identified", text="Cause.")

    rows = api(bob).get(url(outage)).json()["results"]
    assert [r["status"] for r in rows] == ["investigating", "identified"]
    assert api(alice).post(url(outage), {"status": "monitoring", "text": "x"}).status_code == 403
    assert OutageUpdate.objects.count() == 2


def test_an_outsider_gets_404_reading_or_posting(api, charlie, outage) -> None:
    assert api(charlie).get(url(outage)).status_code == 404
    assert api(charlie).post(url(outage), {"status": "monitoring", "text": "x"}).status_code == 404
    assert OutageUpdate.objects.count() == 1


def test_the_outage_shows_its_affected_applications_and_regions(api, alice, outage) -> None:
    detail = api(alice).get(f"/api/v1/outages/{outage.pk}/").json()

    assert (detail["applications"], detail["regions"]) == (["CUCM"], ["EMEA"])
    assert detail["current_status"] == "investigating"


def test_staff_declare_with_applications_and_regions(api, staff, customer_a) -> None:
    payload = {
        "title": "IM down",
        "customers": [customer_a.pk],
        "applications": ["IMP", "CUCM"],
        "regions": ["EMEA"],
    }
    response = api(staff).post("/api/v1/outages/", payload, format="json")

    assert response.status_code == 201
    assert response.json()["applications"] == ["CUCM", "IMP"]
    bad = api(staff).post("/api/v1/outages/", {**payload, "applications": ["PBX"]}, format="json")
    assert bad.status_code == 400 and "applications" in bad.json()


def test_the_timeline_list_does_not_grow_in_queries(
    api, staff, alice, outage, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(10) as one:
        api(alice).get(url(outage))
    for n in range(10):
        services.outage_update_post(actor=staff, outage=outage, status="monitoring", text=f"{n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert api(alice).get(url(outage)).json()["count"] == 11
