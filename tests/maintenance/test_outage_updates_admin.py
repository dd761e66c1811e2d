"""The staff console of an outage's timeline (R-MNT-12): the declaration names applications and
regions, "Post an update" goes through ``outage_update_post``, the timeline shows inline."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import pytest
import time_machine

from maintenance import services
from maintenance.models import Outage
from portal.models import Notification

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_declaration_form_names_applications_and_regions(client_for, staff, customer_a):
    data = {
        "title": "IM down",
        "description": "",
        "customers": [customer_a.pk],
        "applications": ["IMP", "CUCM"],
        "regions": ["EMEA"],
        "declared_at_0": "2027-03-01",
        "declared_at_1": "09:00:00",
    }
    response = client_for(staff).post("/admin/maintenance/outage/add/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    outage = Outage.objects.get()
    assert (outage.applications, outage.regions) == (["CUCM", "IMP"], ["EMEA"])


def test_post_an_update_calls_the_service_and_shows_on_the_timeline(
    client_for, staff, customer_a, noc_a
) -> None:
    outage = services.outage_declare(
        actor=staff, title="IM down", customers=[customer_a], applications=["IMP"]
    )
    page = f"/admin/maintenance/outage/{outage.pk}/"
    with mock.patch.object(
        services, "outage_update_post", wraps=services.outage_update_post
    ) as spy:
        response = client_for(staff).post(
            f"{page}do/post-update/", {"status": "identified", "text": "A fibre cut."}
        )

    assert response.status_code == 302
    assert spy.call_count == 1
    update = outage.updates.get(status="identified")
    assert Notification.objects.filter(dedupe_key=f"outage:{outage.pk}:update:{update.pk}").exists()
    html = client_for(staff).get(f"{page}change/").content.decode()
    assert "A fibre cut." in html and "post-update" in html
    assert "IM and presence (IMP)" in html


def test_a_refused_update_shows_on_the_form(client_for, staff, customer_a) -> None:
    outage = services.outage_declare(actor=staff, title="IM down", customers=[customer_a])
    url = f"/admin/maintenance/outage/{outage.pk}/do/post-update/"

    response = client_for(staff).post(url, {"status": "identified", "text": "   "})

    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert outage.updates.count() == 1
    services.outage_resolve(actor=staff, outage=outage)
    html = client_for(staff).get(f"/admin/maintenance/outage/{outage.pk}/change/").content
    assert b"do/post-update/" not in html  # no button on a resolved outage
