"""The campaigns API (R-MNT-13): staff only; every action, and the outsiders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from maintenance.models import Campaign
from portal.choices import Region
from tests.factories import CustomerFactory
from tests.maintenance.factories import ChangeFactory

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
URL = "/api/v1/campaigns/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def body(**kwargs):
    data = {
        "kind": "routine",
        "title": "Operating system patches",
        "duration_minutes": 90,
        "per_window_limit": 1,
        "deadline": (NOW + timedelta(days=20)).isoformat(),
        "selection": {"regions": ["EMEA"]},
    }
    data.update(kwargs)
    return data


@pytest.fixture
def campaign_id(api, staff, partner_a, partner_b):
    CustomerFactory(partner=partner_a, name="Alpha", region=Region.EMEA)
    CustomerFactory(partner=partner_b, name="Beta", region=Region.EMEA)
    CustomerFactory(partner=partner_b, name="Gamma", region=Region.AMER)
    answer = api(staff).post(URL, body(), format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()["id"]


def test_staff_create_read_update_and_delete(api, staff, campaign_id):
    client = api(staff)
    assert client.get(URL).json()["results"][0]["id"] == campaign_id
    read = client.get(f"{URL}{campaign_id}/").json()
    assert read["status"] == "draft" and read["selection"] == {"regions": ["EMEA"]}
    patched = client.patch(f"{URL}{campaign_id}/", {"per_window_limit": 3}, format="json")
    assert patched.status_code == 200 and patched.json()["per_window_limit"] == 3
    assert client.delete(f"{URL}{campaign_id}/").status_code == 204
    assert not Campaign.objects.exists()


def test_create_refuses_bad_terms_naming_field_and_rule(api, staff):
    answer = api(staff).post(URL, body(kind="emergency"), format="json")
    assert answer.status_code == 400
    assert "kind" in answer.json() and answer.json()["rule"] == "R-MNT-8"
    answer = api(staff).post(URL, body(selection={"planets": ["Mars"]}), format="json")
    assert answer.status_code == 400 and "selection" in answer.json()
    answer = api(staff).post(URL, body(kind="upgrade", reason="security_vulnerability",
                                       advisory="sa-1"), format="json")
    assert answer.status_code == 400 and answer.json()["rule"] == "R-REL-4"  # no target


def test_plan_slots_move_exclude_commit_progress(api, staff, campaign_id, partner_a):
    client = api(staff)
    plan = client.post(f"{URL}{campaign_id}/plan/").json()
    assert plan == {"planned": 2, "unplaceable": []}
    slots = client.get(f"{URL}{campaign_id}/slots/").json()["results"]
    assert [set(s) for s in slots] == [
        {"id", "customer", "start", "end", "window_kind", "status", "change"}
    ] * 2
    first, second = slots
    refused = client.post(
        f"{URL}{campaign_id}/slots/{second['id']}/move/", {"start": first["start"]}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["rule"] == "R-MNT-13"
    later = datetime.fromisoformat(second["start"]) + timedelta(days=7)
    moved = client.post(
        f"{URL}{campaign_id}/slots/{second['id']}/move/", {"start": later.isoformat()},
        format="json",
    )
    assert moved.status_code == 200 and datetime.fromisoformat(moved.json()["start"]) == later
    excluded = client.post(f"{URL}{campaign_id}/slots/{first['id']}/exclude/")
    assert excluded.json()["status"] == "excluded"
    committed = client.post(f"{URL}{campaign_id}/commit/")
    assert committed.status_code == 200 and committed.json()["status"] == "committed"
    progress = client.get(f"{URL}{campaign_id}/progress/").json()
    assert progress["total"]["notified"] == 1 and progress["total"]["excluded"] == 1
    assert progress["regions"]["EMEA"]["notified"] == 1
    assert progress["partners"][str(partner_a.pk)]["excluded"] == 1


def test_unplaceable_answer_names_customer_rule_and_reason(api, staff, partner_a):
    customer = CustomerFactory(partner=partner_a, name="Alpha", region=Region.EMEA)
    created = api(staff).post(
        URL, body(kind="service_impacting", selection={"customers": [customer.pk]},
                  deadline=(NOW + timedelta(days=4)).isoformat()), format="json"
    ).json()
    plan = api(staff).post(f"{URL}{created['id']}/plan/").json()
    assert plan["planned"] == 0
    assert plan["unplaceable"][0]["customer"] == customer.pk
    assert plan["unplaceable"][0]["rule"] == "R-MNT-4"
    assert plan["unplaceable"][0]["reason"]


def test_commit_refused_when_a_slot_broke_a_rule_since(api, staff, campaign_id, partner_a):
    client = api(staff)
    client.post(f"{URL}{campaign_id}/plan/")
    slot = client.get(f"{URL}{campaign_id}/slots/").json()["results"][0]
    customer = partner_a.customers.get()
    ChangeFactory(
        partner=partner_a, customers=[customer], start=datetime.fromisoformat(slot["start"]),
        end=datetime.fromisoformat(slot["end"]),
    )
    answer = client.post(f"{URL}{campaign_id}/commit/")
    assert answer.status_code == 400 and answer.json()["rule"] == "R-MNT-2"
    assert Campaign.objects.get().status == "planned"


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie"])
def test_partners_cannot_reach_campaigns(api, request, persona, campaign_id):
    client = api(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.post(URL, body(), format="json").status_code == 403
    for path in ("", "slots/", "progress/"):
        assert client.get(f"{URL}{campaign_id}/{path}").status_code in (403, 404)
    for path in ("plan/", "commit/"):
        assert client.post(f"{URL}{campaign_id}/{path}").status_code in (403, 404)
    assert Campaign.objects.get().status == "draft"


def test_anonymous_cannot_reach_campaigns(api, campaign_id):
    assert api().get(URL).status_code in (401, 403)


def test_slot_of_another_campaign_is_404(api, staff, campaign_id):
    client = api(staff)
    other = client.post(URL, body(title="Other"), format="json").json()["id"]
    client.post(f"{URL}{campaign_id}/plan/")
    slot = client.get(f"{URL}{campaign_id}/slots/").json()["results"][0]
    client.post(f"{URL}{other}/plan/")
    answer = client.post(f"{URL}{other}/slots/{slot['id']}/exclude/")
    assert answer.status_code == 404


def test_slot_list_query_count_is_constant(api, staff, campaign_id, django_assert_max_num_queries):
    client = api(staff)
    client.post(f"{URL}{campaign_id}/plan/")
    with django_assert_max_num_queries(8):
        client.get(f"{URL}{campaign_id}/slots/")
