"""Emergency changes in the partner's own network (R-MNT-8): the partner reports them in the
portal or the API, staff see them in the admin beside their own changes, on-call is told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from maintenance import services
from maintenance.models import PartnerEmergency
from portal.errors import DomainError
from tests.cases.factories import CaseFactory
from tests.outbox import deliveries

from .factories import ChangeFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
URL = "/api/v1/partner-emergencies/"
PAGE = "/maintenance/partner-emergencies/"
ONCALL = "oncall@operator.example"


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.OPERATOR_ONCALL_EMAIL = ONCALL
    with time_machine.travel(NOW, tick=False):
        yield


def payload(customers, **extra) -> dict:
    data = {
        "title": "Replace our SBC",
        "description": "The session border controller in Lyon is replaced.",
        "start": NOW.isoformat(),
        "end": (NOW + timedelta(hours=2)).isoformat(),
        "customers": [c.pk for c in customers],
        "visible_impact": "Calls through Lyon fail over to Paris.",
    }
    data.update(extra)
    return data


def report(actor, customers, **extra) -> PartnerEmergency:
    data = {
        "title": "Replace our SBC",
        "description": "The SBC in Lyon is replaced.",
        "start": NOW,
        "end": NOW + timedelta(hours=2),
        "customers": customers,
        "visible_impact": "Calls fail over to Paris.",
    }
    data.update(extra)
    return services.partner_emergency_report(actor=actor, **data)


# --- the service ------------------------------------------------------------------------------


def test_a_report_tells_the_on_call_at_once_r_mnt_8(alice, partner_a, customer_a) -> None:
    emergency = report(alice, [customer_a])

    assert emergency.partner == partner_a
    assert emergency.reported_by == alice
    assert list(emergency.customers.all()) == [customer_a]
    note = deliveries(dedupe_key=f"partner-emergency:{emergency.pk}:reported").get()
    assert note.recipient == ONCALL
    assert "Acme Telecom" in note.subject
    assert "Calls fail over to Paris." in note.body


def test_a_report_names_only_the_partners_own_customers_and_case_r_mnt_8(
    alice, customer_a, customer_b
) -> None:
    with pytest.raises(DomainError) as excinfo:
        report(alice, [customer_b])
    assert excinfo.value.field == "customers"

    foreign_case = CaseFactory(customer=customer_b)
    with pytest.raises(DomainError) as excinfo:
        report(alice, [customer_a], case=foreign_case.pk)
    assert excinfo.value.field == "case"
    assert not PartnerEmergency.objects.exists()
    assert not deliveries().exists()


def test_a_report_ends_after_it_starts(alice, customer_a) -> None:
    with pytest.raises(DomainError) as excinfo:
        report(alice, [customer_a], end=NOW - timedelta(minutes=1))
    assert excinfo.value.field == "end"


def test_only_partner_users_report_their_own_emergencies_r_mnt_8(staff, customer_a) -> None:
    with pytest.raises(DomainError) as excinfo:
        report(staff, [customer_a])
    assert excinfo.value.rule == "R-MNT-8"


# --- the API ----------------------------------------------------------------------------------


def test_the_api_reports_lists_and_shows_the_partners_emergencies(api, alice, customer_a) -> None:
    case = CaseFactory(customer=customer_a)

    created = api(alice).post(URL, payload([customer_a], case=case.pk), format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert set(body) == {
        "id",
        "partner",
        "title",
        "description",
        "start",
        "end",
        "customers",
        "visible_impact",
        "case",
        "created_at",
    }
    assert (body["customers"], body["case"]) == ([customer_a.pk], case.pk)
    assert [e["id"] for e in api(alice).get(URL).json()["results"]] == [body["id"]]
    assert api(alice).get(f"{URL}{body['id']}/").json()["title"] == "Replace our SBC"
    assert deliveries(recipient=ONCALL).count() == 1


def test_an_outsider_neither_sees_nor_uses_another_partners_emergency(
    api, alice, charlie, customer_a
) -> None:
    emergency = report(alice, [customer_a])

    assert api(charlie).get(URL).json()["results"] == []
    assert api(charlie).get(f"{URL}{emergency.pk}/").status_code == 404


def test_another_partners_customer_or_case_is_a_400_naming_the_field(
    api, alice, charlie, customer_a, customer_b
) -> None:
    customer = api(charlie).post(URL, payload([customer_a]), format="json")
    assert customer.status_code == 400
    assert "customers" in customer.json()

    case = CaseFactory(customer=customer_b)
    linked = api(alice).post(URL, payload([customer_a], case=case.pk), format="json")
    assert linked.status_code == 400
    assert "case" in linked.json()
    assert not PartnerEmergency.objects.exists()


def test_staff_read_every_report_but_do_not_file_one(api, staff, alice, customer_a) -> None:
    emergency = report(alice, [customer_a])

    assert [e["id"] for e in api(staff).get(URL).json()["results"]] == [emergency.pk]
    refused = api(staff).post(URL, payload([customer_a]), format="json")
    assert refused.status_code == 400
    assert refused.json()["rule"] == "R-MNT-8"


# --- the portal page --------------------------------------------------------------------------


def _local(moment: datetime, user) -> str:
    """As the user types it: in the user's own zone, which the page names."""
    from portal.timefmt import zone_for_user

    return timezone.localtime(moment, zone_for_user(user)).strftime("%Y-%m-%dT%H:%M")


def test_the_portal_page_lists_and_reports_emergencies(client_for, alice, customer_a) -> None:
    page = client_for(alice).get(PAGE)
    assert page.status_code == 200
    assert "Europe/Paris" in page.content.decode()  # the zone the times are read in
    assert PAGE in client_for(alice).get("/maintenance/outages/").content.decode()  # navigation

    response = client_for(alice).post(
        PAGE,
        {
            "title": "Replace our SBC",
            "description": "The SBC in Lyon is replaced.",
            "start": _local(NOW, alice),
            "end": _local(NOW + timedelta(hours=2), alice),
            "customers": [customer_a.pk],
            "visible_impact": "Calls fail over to Paris.",
            "case": "",
        },
    )

    assert response.status_code == 302
    emergency = PartnerEmergency.objects.get()
    assert emergency.start == NOW
    assert deliveries(recipient=ONCALL).exists()
    assert "Replace our SBC" in client_for(alice).get(PAGE).content.decode()


def test_the_portal_page_of_an_outsider_shows_nothing_of_another_partner(
    client_for, alice, charlie, customer_a
) -> None:
    report(alice, [customer_a], title="Acme's SBC")

    page = client_for(charlie).get(PAGE).content.decode()

    assert "Acme&#x27;s SBC" not in page and "Acme's SBC" not in page
    assert "Alpha Bank" not in page  # not even offered as a customer
    refused = client_for(charlie).post(
        PAGE,
        {
            "title": "x",
            "description": "x",
            "start": _local(NOW, charlie),
            "end": _local(NOW + timedelta(hours=1), charlie),
            "customers": [customer_a.pk],
            "visible_impact": "x",
        },
    )
    assert refused.status_code == 400
    assert PartnerEmergency.objects.count() == 1


def test_a_report_ending_before_it_starts_shows_the_message_on_the_page(
    client_for, alice, customer_a
) -> None:
    response = client_for(alice).post(
        PAGE,
        {
            "title": "x",
            "description": "x",
            "start": _local(NOW, alice),
            "end": _local(NOW - timedelta(hours=1), alice),
            "customers": [customer_a.pk],
            "visible_impact": "x",
        },
    )

    assert response.status_code == 400
    assert "The end must be after the start." in response.content.decode()
    assert not PartnerEmergency.objects.exists()


# --- the admin --------------------------------------------------------------------------------


def test_staff_see_reports_in_the_admin_and_beside_their_changes(
    client_for, staff, alice, partner_a, customer_a
) -> None:
    emergency = report(alice, [customer_a])
    change = ChangeFactory(
        partner=partner_a,
        customers=[customer_a],
        start=NOW + timedelta(hours=12),
        end=NOW + timedelta(hours=14),
    )
    client = client_for(staff)

    assert "Replace our SBC" in client.get("/admin/maintenance/partneremergency/").content.decode()
    detail = client.get(f"/admin/maintenance/partneremergency/{emergency.pk}/change/")
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    beside = client.get(f"/admin/maintenance/change/{change.pk}/change/").content.decode()
    assert f"/admin/maintenance/partneremergency/{emergency.pk}/change/" in beside
