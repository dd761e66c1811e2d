"""The maintenance API: contract names, rule errors, outsiders, query counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from maintenance import services
from maintenance.choices import ChangeKind, ChangeStatus
from maintenance.models import Change, RescheduleRequest
from tests.factories import CustomerFactory
from tests.outbox import deliveries

from .factories import CertificateFactory, ChangeFactory, weekday_window, weekend_window

pytestmark = pytest.mark.django_db

WINDOWS = "/api/v1/maintenance-windows/"
CHANGES = "/api/v1/changes/"


# --- maintenance windows ---------------------------------------------------------------------


def test_windows_of_the_issue_example_cross_the_emea_dst_night(api, alice) -> None:
    response = api(alice).get(
        WINDOWS, {"region": "EMEA", "start": "2027-03-26", "end": "2027-03-29"}
    )

    assert response.status_code == 200
    assert response.json()[:3] == [
        {
            "region": "EMEA",
            "start": "2027-03-26T21:00:00+01:00",
            "end": "2027-03-27T06:00:00+01:00",
            "kind": "weekday",
            "infrastructure_only": False,
        },
        {
            "region": "EMEA",
            "start": "2027-03-27T21:00:00+01:00",
            "end": "2027-03-28T06:00:00+02:00",
            "kind": "weekend",
            "infrastructure_only": True,
        },
        {
            "region": "EMEA",
            "start": "2027-03-28T21:00:00+02:00",
            "end": "2027-03-29T06:00:00+02:00",
            "kind": "weekend",
            "infrastructure_only": True,
        },
    ]


def test_windows_accept_aware_datetimes(api, alice) -> None:
    response = api(alice).get(
        WINDOWS,
        {
            "region": "AMER",
            "start": "2027-11-06T12:00:00-04:00",
            "end": "2027-11-07T12:00:00-05:00",
        },
    )

    assert [w["start"] for w in response.json()] == ["2027-11-06T21:00:00-04:00"]
    assert response.json()[0]["end"] == "2027-11-07T06:00:00-05:00"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "MARS", "start": "2027-03-26", "end": "2027-03-29"}, "region"),
        ({"region": "EMEA", "start": "26/03/2027", "end": "2027-03-29"}, "start"),
        ({"region": "EMEA", "start": "2027-03-26", "end": "2027-03-26T10:00:00+01:00"}, "end"),
        ({"region": "EMEA", "start": "2027-03-26", "end": "2029-03-26"}, "end"),
        ({"region": "EMEA", "start": "2027-03-26"}, "end"),
    ],
)
def test_bad_window_queries_are_400_naming_the_field(api, alice, params, field) -> None:
    response = api(alice).get(WINDOWS, params)

    assert response.status_code == 400
    assert field in response.json()


def test_windows_need_a_logged_in_user(api) -> None:
    assert api().get(
        WINDOWS, {"region": "EMEA", "start": "2027-03-26", "end": "2027-03-29"}
    ).status_code in (401, 403)


# --- changes -------------------------------------------------------------------------------


def create_payload(partner, customer, **overrides) -> dict:
    window = weekday_window(customer.region)
    payload = {
        "partner": partner.pk,
        "kind": "routine",
        "title": "Patch the call manager",
        "customers": [customer.pk],
        "start": window.start.isoformat(),
        "end": (window.start + timedelta(hours=2)).isoformat(),
    }
    payload.update(overrides)
    return payload


def test_staff_create_a_change_with_the_contract_fields(api, staff, partner_a, customer_a) -> None:
    response = api(staff).post(CHANGES, create_payload(partner_a, customer_a), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {"kind", "title", "customers", "start", "end", "status"} <= set(body)
    assert body["status"] == "scheduled"
    assert body["customers"] == [customer_a.pk]


def test_a_change_outside_the_window_is_400_naming_field_and_rule(
    api, staff, partner_a, customer_a
) -> None:
    window = weekday_window("EMEA")
    noon = window.start.replace(hour=12)
    payload = create_payload(
        partner_a,
        customer_a,
        start=noon.isoformat(),
        end=(noon + timedelta(hours=1)).isoformat(),
    )

    response = api(staff).post(CHANGES, payload, format="json")

    assert response.status_code == 400
    assert response.json()["rule"] == "R-MNT-2"
    assert "start" in response.json()


def test_a_weekend_routine_change_is_400_citing_r_mnt_1(api, staff, partner_a, customer_a) -> None:
    window = weekend_window("EMEA")
    payload = create_payload(
        partner_a, customer_a, start=window.start.isoformat(), end=window.end.isoformat()
    )

    response = api(staff).post(CHANGES, payload, format="json")

    assert response.status_code == 400
    assert response.json()["rule"] == "R-MNT-1"


def test_an_upgrade_for_features_links_a_case_of_the_same_partner_r_mnt_7(
    api, staff, partner_a, customer_a
) -> None:
    payload = create_payload(
        partner_a, customer_a, kind="upgrade", reason="partner_feature_request"
    )

    response = api(staff).post(CHANGES, payload, format="json")

    assert response.status_code == 400
    assert response.json()["rule"] == "R-MNT-7"
    assert "case" in response.json()


def test_partners_cannot_create_changes(api, alice, partner_a, customer_a) -> None:
    response = api(alice).post(CHANGES, create_payload(partner_a, customer_a), format="json")

    assert response.status_code == 403


def test_partners_list_their_own_changes_and_not_drafts(
    api, alice, charlie, partner_a, customer_a
) -> None:
    mine = ChangeFactory(partner=partner_a, customers=[customer_a])
    ChangeFactory(
        partner=partner_a,
        customers=[customer_a],
        status=ChangeStatus.DRAFT,
        start=mine.start + timedelta(hours=2),
        end=mine.start + timedelta(hours=3),
    )
    ChangeFactory()  # another partner's

    assert [c["id"] for c in api(alice).get(CHANGES).json()["results"]] == [mine.pk]
    assert api(charlie).get(CHANGES).json()["results"] == []


def test_an_outsider_gets_404_for_a_change(api, charlie, partner_a, customer_a) -> None:
    change = ChangeFactory(partner=partner_a, customers=[customer_a])

    assert api(charlie).get(f"{CHANGES}{change.pk}/").status_code == 404
    assert (
        api(charlie).post(f"{CHANGES}{change.pk}/reschedule-requests/", {"reason": "x"}).status_code
        == 404
    )
    assert api(charlie).get(f"{CHANGES}{change.pk}/notices/").status_code == 404


def test_change_list_queries_do_not_grow_with_rows(
    api, alice, partner_a, customer_a, django_assert_max_num_queries
) -> None:
    client = api(alice)
    ChangeFactory(partner=partner_a, customers=[customer_a])
    with django_assert_max_num_queries(8) as one:
        client.get(CHANGES)
    base = weekday_window("EMEA", days=60)
    for i in range(20):
        start = base.start + timedelta(days=i)
        ChangeFactory(
            partner=partner_a, customers=[customer_a], start=start, end=start + timedelta(hours=1)
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(CHANGES)
    assert response.json()["count"] == 21


def test_send_notice_is_staff_only_and_writes_the_outbox(
    api, staff, alice, partner_a, customer_a, noc_a
) -> None:
    change = ChangeFactory(partner=partner_a, customers=[customer_a])

    assert api(alice).post(f"{CHANGES}{change.pk}/send-notice/").status_code == 403
    response = api(staff).post(f"{CHANGES}{change.pk}/send-notice/")

    assert response.status_code == 200
    assert response.json()["status"] == "notified"
    assert response.json()["reschedule_deadline"] is not None
    assert deliveries(recipient="noc@acme.example").count() == 1
    again = api(staff).post(f"{CHANGES}{change.pk}/send-notice/")
    assert again.status_code == 400
    assert again.json()["rule"] == "R-MNT-4"


@time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=UTC), tick=False)  # a Monday
def test_the_reschedule_round_trip_through_the_api_r_mnt_5(
    api, staff, alice, charlie, partner_a, customer_a, noc_a
) -> None:
    change = ChangeFactory(partner=partner_a, customers=[customer_a])
    services.change_send_notice(actor=staff, change=change)

    missing = api(alice).post(f"{CHANGES}{change.pk}/reschedule-requests/", {"reason": ""})
    assert missing.status_code == 400
    assert missing.json()["rule"] == "R-MNT-5"
    assert "reason" in missing.json()

    created = api(alice).post(
        f"{CHANGES}{change.pk}/reschedule-requests/", {"reason": "Month end."}
    )
    assert created.status_code == 201
    rr = created.json()["id"]
    assert api(charlie).get(f"/api/v1/reschedule-requests/{rr}/").status_code == 404
    assert api(alice).post(f"/api/v1/reschedule-requests/{rr}/alternatives/", {}).status_code == 403

    weekday = weekday_window("EMEA", days=40)
    weekend = weekend_window("EMEA", days=40)

    def offer(*windows):
        return api(staff).post(
            f"/api/v1/reschedule-requests/{rr}/alternatives/",
            {
                "alternatives": [
                    {
                        "start": w.start.isoformat(),
                        "end": (w.start + timedelta(hours=2)).isoformat(),
                    }
                    for w in windows
                ]
            },
            format="json",
        )

    # R-MNT-5 (Decision): a routine change is offered weekday windows only.
    refused = offer(weekday, weekend)
    assert refused.status_code == 400
    assert refused.json()["rule"] == "R-MNT-1"
    assert "alternatives" in refused.json()
    assert RescheduleRequest.objects.get(pk=rr).alternatives.count() == 0

    offered = offer(weekday)
    assert offered.status_code == 200, offered.json()
    alternatives = offered.json()["alternatives"]
    assert [a["window_kind"] for a in alternatives] == ["weekday"]

    assert (
        api(charlie)
        .post(f"/api/v1/reschedule-requests/{rr}/choose/", {"alternative": alternatives[0]["id"]})
        .status_code
        == 404
    )
    chosen = api(alice).post(
        f"/api/v1/reschedule-requests/{rr}/choose/", {"alternative": alternatives[0]["id"]}
    )
    assert chosen.status_code == 200
    assert chosen.json()["status"] == "accepted"
    change.refresh_from_db()
    assert change.start == weekday.start


@time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=UTC), tick=False)  # a Monday
def test_staff_offer_the_suggested_alternatives_through_the_api_r_mnt_5(
    api, staff, alice, partner_a, customer_a, noc_a
) -> None:
    change = ChangeFactory(partner=partner_a, customers=[customer_a])
    services.change_send_notice(actor=staff, change=change)
    rr = services.reschedule_request_create(actor=alice, change=change, reason="Month end")

    offered = api(staff).post(
        f"/api/v1/reschedule-requests/{rr.pk}/alternatives/", {}, format="json"
    )

    assert offered.status_code == 200, offered.json()
    kinds = [a["window_kind"] for a in offered.json()["alternatives"]]
    assert kinds == ["weekday", "weekday", "weekday"]


def test_reschedule_after_the_deadline_is_400(api, staff, alice, partner_a, customer_a) -> None:
    change = ChangeFactory(partner=partner_a, customers=[customer_a])
    services.change_send_notice(actor=staff, change=change, now=timezone.now() - timedelta(days=4))

    response = api(alice).post(f"{CHANGES}{change.pk}/reschedule-requests/", {"reason": "Late"})

    assert response.status_code == 400
    assert response.json()["rule"] == "R-MNT-5"
    assert not RescheduleRequest.objects.exists()


def test_emergency_changes_are_created_through_the_same_endpoint_r_mnt_8(
    api, staff, partner_a, customer_a, noc_a
) -> None:
    now = timezone.now()
    response = api(staff).post(
        CHANGES,
        {
            "partner": partner_a.pk,
            "kind": "emergency",
            "title": "Stop the failing node",
            "customers": [customer_a.pk],
            "reason": "prevent_outage",
            "end": (now + timedelta(hours=1)).isoformat(),
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "in_progress"
    assert deliveries().count() == 1


def test_partner_requests_and_staff_review_r_mnt_9(api, staff, alice, charlie, customer_a) -> None:
    response = api(alice).post(
        f"{CHANGES}partner-requests/",
        {
            "customers": [customer_a.pk],
            "partner_request_kind": "integration_configuration",
            "title": "New CRM integration",
            "description": "Connect our CRM to the call manager.",
        },
        format="json",
    )
    assert response.status_code == 201
    change_id = response.json()["id"]
    assert response.json()["status"] == "submitted"

    outsider = api(charlie).post(
        f"{CHANGES}partner-requests/",
        {
            "customers": [customer_a.pk],
            "partner_request_kind": "service_deactivation",
            "title": "x",
            "description": "y",
        },
        format="json",
    )
    assert outsider.status_code == 400
    assert "customers" in outsider.json()

    skipped = api(staff).post(f"{CHANGES}{change_id}/review/", {"decision": "approve"})
    assert skipped.status_code == 400
    assert skipped.json()["rule"] == "R-MNT-9"
    assert (
        api(staff).post(f"{CHANGES}{change_id}/review/", {"decision": "start"}).status_code == 200
    )
    assert (
        api(staff).post(f"{CHANGES}{change_id}/review/", {"decision": "approve"}).json()["status"]
        == "approved"
    )


def test_staff_move_a_change_with_patch(api, staff, partner_a, customer_a) -> None:
    change = ChangeFactory(partner=partner_a, customers=[customer_a])
    later = weekday_window("EMEA", days=45)

    response = api(staff).patch(
        f"{CHANGES}{change.pk}/",
        {"start": later.start.isoformat(), "end": (later.start + timedelta(hours=1)).isoformat()},
        format="json",
    )

    assert response.status_code == 200
    change.refresh_from_db()
    assert change.start == later.start


def test_staff_complete_and_cancel(api, staff, partner_a, customer_a) -> None:
    done = ChangeFactory(partner=partner_a, customers=[customer_a])
    start = done.start + timedelta(days=1)
    dropped = ChangeFactory(
        partner=partner_a, customers=[customer_a], start=start, end=start + timedelta(hours=1)
    )

    early = api(staff).post(f"{CHANGES}{done.pk}/complete/")
    assert early.status_code == 400  # R-MNT-2: not before its start
    assert early.json()["rule"] == "R-MNT-2"
    with time_machine.travel(done.start + timedelta(minutes=30), tick=False):
        assert api(staff).post(f"{CHANGES}{done.pk}/complete/").json()["status"] == "completed"
    assert (
        api(staff).post(f"{CHANGES}{dropped.pk}/cancel/", {"note": "Not needed"}).json()["status"]
        == "cancelled"
    )


# --- the rest --------------------------------------------------------------------------------


def test_certificates_are_scoped_and_staff_only_to_write(
    api, staff, alice, charlie, customer_a
) -> None:
    cert = CertificateFactory(customer=customer_a)

    assert [c["id"] for c in api(alice).get("/api/v1/certificates/").json()["results"]] == [cert.pk]
    assert api(charlie).get("/api/v1/certificates/").json()["results"] == []
    assert api(charlie).get(f"/api/v1/certificates/{cert.pk}/").status_code == 404
    payload = {
        "customer": customer_a.pk,
        "application": "IMP",
        "common_name": "imp.example.net",
        "expires_at": (timezone.now() + timedelta(days=90)).isoformat(),
    }
    assert api(alice).post("/api/v1/certificates/", payload).status_code == 403
    assert api(staff).post("/api/v1/certificates/", payload).status_code == 201


def test_patch_requests_flow_and_isolation_r_mnt_11(api, staff, alice, charlie, customer_a) -> None:
    created = api(alice).post(
        "/api/v1/patch-requests/",
        {"customer": customer_a.pk, "kind": "phone_firmware", "file_name": "sip88xx.cop"},
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    assert (
        api(charlie)
        .post(
            "/api/v1/patch-requests/",
            {"customer": customer_a.pk, "kind": "other", "file_name": "x"},
        )
        .status_code
        == 400
    )
    assert api(charlie).get(f"/api/v1/patch-requests/{pk}/").status_code == 404
    assert api(charlie).post(f"/api/v1/patch-requests/{pk}/installed/").status_code == 404
    assert api(alice).post(f"/api/v1/patch-requests/{pk}/uploaded/").status_code == 403
    assert api(staff).post(f"/api/v1/patch-requests/{pk}/uploaded/").json()["status"] == "uploaded"
    assert (
        api(alice).post(f"/api/v1/patch-requests/{pk}/installed/").json()["status"] == "installed"
    )


def test_vulnerability_scan_requests_are_refused_r_mnt_10(api, alice, customer_a) -> None:
    response = api(alice).post("/api/v1/vulnerability-scan-requests/", {"customer": customer_a.pk})

    assert response.status_code == 400
    assert response.json()["rule"] == "R-MNT-10"
    assert "penetration tests" in response.json()["non_field_errors"][0]


def test_outages_are_declared_by_staff_and_partners_see_only_their_customers(
    api, staff, alice, charlie, customer_a, customer_b, partner_a
) -> None:
    other_a = CustomerFactory(partner=partner_a)
    declared = api(staff).post(
        "/api/v1/outages/",
        {"title": "Core routing down", "customers": [customer_a.pk, other_a.pk, customer_b.pk]},
        format="json",
    )
    assert declared.status_code == 201
    pk = declared.json()["id"]
    assert (
        api(alice)
        .post("/api/v1/outages/", {"title": "x", "customers": [customer_a.pk]}, format="json")
        .status_code
        == 403
    )

    mine = api(alice).get("/api/v1/outages/").json()["results"]
    assert len(mine) == 1
    assert sorted(mine[0]["customers"]) == sorted([customer_a.pk, other_a.pk])
    assert api(charlie).get(f"/api/v1/outages/{pk}/").json()["customers"] == [customer_b.pk]
    assert api(alice).post(f"/api/v1/outages/{pk}/resolve/").status_code == 403
    assert (
        api(staff).post(f"/api/v1/outages/{pk}/resolve/", {"resolution": "Fixed"}).json()["status"]
        == "resolved"
    )


def test_outage_invisible_to_unaffected_partner(api, staff, charlie, customer_a) -> None:
    outage = services.outage_declare(actor=staff, title="EMEA SBC", customers=[customer_a])

    assert api(charlie).get("/api/v1/outages/").json()["results"] == []
    assert api(charlie).get(f"/api/v1/outages/{outage.pk}/").status_code == 404


def test_sso_checklists_are_ticked_by_their_partner_only(
    api, staff, alice, charlie, partner_a
) -> None:
    sso = CustomerFactory(partner=partner_a, sso_enabled=True)
    change = ChangeFactory(partner=partner_a, kind=ChangeKind.CERTIFICATE_RENEWAL, customers=[sso])
    services.change_complete(actor=staff, change=change, now=change.end)
    checklist = api(alice).get("/api/v1/sso-checklists/").json()["results"][0]
    step = checklist["steps"][0]["id"]

    assert api(charlie).get("/api/v1/sso-checklists/").json()["results"] == []
    assert (
        api(charlie)
        .post(f"/api/v1/sso-checklists/{checklist['id']}/tick/", {"step": step})
        .status_code
        == 404
    )
    ticked = api(alice).post(
        f"/api/v1/sso-checklists/{checklist['id']}/tick/", {"step": step, "done": True}
    )
    assert ticked.status_code == 200
    assert ticked.json()["steps"][0]["done_at"] is not None


def test_calendar_feed_address_and_rotation(api, alice, charlie, staff) -> None:
    first = api(alice).get("/api/v1/calendar-feed/").json()["url"]
    rotated = api(alice).post("/api/v1/calendar-feed/", {"include_windows": True}).json()

    assert first != rotated["url"]
    assert rotated["include_windows"] is True
    assert api(charlie).get("/api/v1/calendar-feed/").json()["url"] not in (first, rotated["url"])
    assert api(staff).get("/api/v1/calendar-feed/").status_code == 403


def test_changes_cannot_be_deleted_through_the_api(api, staff, partner_a, customer_a) -> None:
    change = ChangeFactory(partner=partner_a, customers=[customer_a])

    assert api(staff).delete(f"{CHANGES}{change.pk}/").status_code == 405
    assert Change.objects.filter(pk=change.pk).exists()


def _grow(kind: str, partner, customer, staff, alice, n: int) -> None:
    for _ in range(n):
        if kind == "certificates":
            CertificateFactory(customer=customer)
        elif kind == "patch-requests":
            services.patch_request_create(
                actor=alice, customer=customer, kind="other", file_name="f.cop"
            )
        elif kind == "outages":
            services.outage_declare(actor=staff, title="Down", customers=[customer])
        elif kind == "reschedule-requests":
            change = ChangeFactory(partner=partner, customers=[CustomerFactory(partner=partner)])
            services.change_send_notice(actor=staff, change=change)
            services.reschedule_request_create(actor=alice, change=change, reason="Busy")


@pytest.mark.parametrize(
    "kind", ["certificates", "patch-requests", "outages", "reschedule-requests"]
)
def test_list_queries_do_not_grow_with_rows(
    api, staff, alice, charlie, partner_a, customer_a, kind, django_assert_max_num_queries
) -> None:
    client = api(alice)
    _grow(kind, partner_a, customer_a, staff, alice, 1)
    with django_assert_max_num_queries(10) as one:
        first = client.get(f"/api/v1/{kind}/")
    _grow(kind, partner_a, customer_a, staff, alice, 15)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(f"/api/v1/{kind}/")

    assert first.json()["count"] == 1
    assert response.json()["count"] == 16
    assert api(charlie).get(f"/api/v1/{kind}/").json()["results"] == []


@pytest.mark.parametrize(
    "bounds", ["start=9999-12-01&end=9999-12-31", "start=0001-01-01&end=0001-01-02"]
)
def test_windows_of_an_unsupported_year_are_a_400_naming_the_bound(api, alice, bounds):
    """Security review: the year 9999 used to be a 500."""
    response = api(alice).get(f"/api/v1/maintenance-windows/?region=EMEA&{bounds}")
    assert response.status_code == 400
    assert "start" in response.json()


def test_only_a_partner_admin_may_rotate_the_calendar_feed(api, alice, bob) -> None:
    """Security review: an engineer silently broke colleagues' subscriptions."""
    before = api(alice).get("/api/v1/calendar-feed/").json()["url"]
    refused = api(bob).post("/api/v1/calendar-feed/", {}, format="json")
    assert refused.status_code == 403
    assert api(bob).get("/api/v1/calendar-feed/").json()["url"] == before
    assert api(alice).post("/api/v1/calendar-feed/", {}, format="json").status_code == 200


def test_a_flood_of_partner_requests_is_refused_with_429_and_retry_after(
    api, alice, charlie, customer_a, customer_b, settings
) -> None:
    """Security review: 210 change requests in a few seconds all reached change management."""

    settings.PARTNER_REQUESTS_PER_HOUR = 3
    payload = {
        "customers": [customer_a.pk],
        "partner_request_kind": "integration_configuration",
        "title": "Integration",
        "description": "Connect our CRM.",
    }
    codes = [
        api(alice).post(f"{CHANGES}partner-requests/", payload, format="json").status_code
        for _ in range(3)
    ]
    refused = api(alice).post(f"{CHANGES}partner-requests/", payload, format="json")
    assert codes == [201, 201, 201]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "requests" in refused.json()["detail"]
    assert deliveries().count() == 3  # the refused one wrote nothing
    other = api(charlie).post(
        f"{CHANGES}partner-requests/", {**payload, "customers": [customer_b.pk]}, format="json"
    )
    assert other.status_code == 201  # the limit is per partner
