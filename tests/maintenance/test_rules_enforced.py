"""Rules enforced on every face: R-MNT-2 (future start, no early completion), R-MNT-6
(a renewal's certificate), R-MNT-1/4/5 (reschedule alternatives) and R-MNT-7/R-REL-4 (the
upgrade notice). The clock is pinned to Monday 1 March 2027, 09:00 UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from maintenance import rules, services
from maintenance.choices import ChangeKind, ChangeStatus
from maintenance.models import Change
from maintenance.windows import window_containing, window_for_night
from portal.business_time import BusinessCalendarSpec
from portal.calendars import calendar_spec_for_region
from portal.errors import DomainError
from portal.models import BusinessCalendar, Holiday
from tests.factories import CustomerFactory

from .factories import CertificateFactory, ChangeFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)  # a Monday
WED = window_for_night("EMEA", date(2027, 3, 24))
SAT = window_for_night("EMEA", date(2027, 3, 27))
CHANGES = "/api/v1/changes/"
PARIS = ZoneInfo("Europe/Paris")
EMEA_SPEC = BusinessCalendarSpec(timezone="Europe/Paris")


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def schedule(staff, partner, customers, **overrides) -> Change:
    arguments = {
        "actor": staff,
        "partner": partner,
        "kind": ChangeKind.ROUTINE,
        "title": "Patch the call manager",
        "customers": customers,
        "start": WED.start,
        "end": WED.start + timedelta(hours=2),
        "now": NOW,
    }
    arguments.update(overrides)
    return services.change_schedule(**arguments)


def nights(pairs) -> list[date]:
    return [start.astimezone(PARIS).date() for start, _end in pairs]


# --- R-MNT-2: planned changes start in the future and are not done before they start --------


def test_rule_a_planned_change_starts_in_the_future_r_mnt_2() -> None:
    assert rules.future_start_violation(kind="routine", start=NOW, now=NOW).rule == "R-MNT-2"
    assert (
        rules.future_start_violation(kind="routine", start=NOW + timedelta(seconds=1), now=NOW)
        is None
    )
    assert rules.future_start_violation(kind="emergency", start=NOW, now=NOW) is None


def test_rule_nothing_is_recorded_before_the_start_except_emergencies_r_mnt_2() -> None:
    start = NOW + timedelta(days=55)
    assert (
        rules.record_violation(kind="certificate_renewal", start=start, now=NOW).rule == "R-MNT-2"
    )
    assert rules.record_violation(kind="routine", start=start, now=start) is None
    assert rules.record_violation(kind="emergency", start=start, now=NOW) is None


def test_a_change_in_the_past_is_refused_r_mnt_2(staff, partner_a, customer_a) -> None:
    past = window_for_night("EMEA", date(2027, 2, 24))
    with pytest.raises(DomainError) as excinfo:
        schedule(
            staff, partner_a, [customer_a], start=past.start, end=past.start + timedelta(hours=1)
        )

    assert (excinfo.value.rule, excinfo.value.field) == ("R-MNT-2", "start")
    assert not Change.objects.exists()


def test_a_change_55_days_ahead_cannot_be_completed_now_r_mnt_2(
    staff, partner_a, customer_a
) -> None:
    later = window_for_night("EMEA", date(2027, 4, 26))
    change = schedule(
        staff, partner_a, [customer_a], start=later.start, end=later.start + timedelta(hours=1)
    )

    with pytest.raises(DomainError) as excinfo:
        services.change_complete(actor=staff, change=change, now=NOW)
    assert excinfo.value.rule == "R-MNT-2"
    change.refresh_from_db()
    assert change.status == ChangeStatus.SCHEDULED

    services.change_complete(actor=staff, change=change, now=later.start)
    change.refresh_from_db()
    assert change.status == ChangeStatus.COMPLETED


def test_an_emergency_may_start_and_finish_at_once_r_mnt_8(staff, partner_a, customer_a) -> None:
    change = services.change_declare_emergency(
        actor=staff,
        partner=partner_a,
        customers=[customer_a],
        title="Restore voicemail",
        reason="restore_service",
        start=NOW + timedelta(hours=1),
        end=NOW + timedelta(hours=3),
        now=NOW,
    )
    services.change_complete(actor=staff, change=change, now=NOW)
    change.refresh_from_db()
    assert change.status == ChangeStatus.COMPLETED


def test_the_api_refuses_a_change_in_the_past_r_mnt_2(api, staff, partner_a, customer_a) -> None:
    past = window_for_night("EMEA", date(2027, 2, 24))
    response = api(staff).post(
        CHANGES,
        {
            "partner": partner_a.pk,
            "kind": "routine",
            "title": "Too late",
            "customers": [customer_a.pk],
            "start": past.start.isoformat(),
            "end": (past.start + timedelta(hours=1)).isoformat(),
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["rule"] == "R-MNT-2"
    assert "start" in response.json()
    assert not Change.objects.exists()


# --- R-MNT-6: a renewal names one of its customers' certificates, in its band ----------------


def test_a_renewal_must_name_its_certificate_r_mnt_6(staff, partner_a, customer_a) -> None:
    with pytest.raises(DomainError) as excinfo:
        schedule(staff, partner_a, [customer_a], kind=ChangeKind.CERTIFICATE_RENEWAL)
    assert (excinfo.value.rule, excinfo.value.field) == ("R-MNT-6", "certificate")


def test_only_a_renewal_names_a_certificate_r_mnt_6(staff, partner_a, customer_a) -> None:
    cert = CertificateFactory(customer=customer_a, expires_at=WED.start + timedelta(days=5))
    with pytest.raises(DomainError) as excinfo:
        schedule(staff, partner_a, [customer_a], certificate=cert)
    assert excinfo.value.rule == "R-MNT-6"


def test_the_certificate_belongs_to_one_of_the_changes_customers_r_mnt_6(
    staff, partner_a, customer_a
) -> None:
    sibling = CustomerFactory(partner=partner_a, name="Sibling")
    cert = CertificateFactory(customer=sibling, expires_at=WED.start + timedelta(days=5))

    with pytest.raises(DomainError) as excinfo:
        schedule(
            staff, partner_a, [customer_a], kind=ChangeKind.CERTIFICATE_RENEWAL, certificate=cert
        )

    assert (excinfo.value.rule, excinfo.value.field) == ("R-MNT-6", "certificate")
    cert.refresh_from_db()
    assert cert.renewal_change is None


def test_the_renewal_lies_in_the_certificates_band_r_mnt_6(staff, partner_a, customer_a) -> None:
    cert = CertificateFactory(customer=customer_a, expires_at=WED.start + timedelta(days=20))
    with pytest.raises(DomainError) as excinfo:
        schedule(
            staff, partner_a, [customer_a], kind=ChangeKind.CERTIFICATE_RENEWAL, certificate=cert
        )
    assert excinfo.value.rule == "R-MNT-6"


def test_linking_never_repoints_another_open_changes_certificate_r_mnt_6(
    staff, partner_a, customer_a
) -> None:
    cert = CertificateFactory(customer=customer_a, expires_at=WED.start + timedelta(days=5))
    first = schedule(
        staff, partner_a, [customer_a], kind=ChangeKind.CERTIFICATE_RENEWAL, certificate=cert
    )
    thu = window_for_night("EMEA", date(2027, 3, 25))

    with pytest.raises(DomainError) as excinfo:
        schedule(
            staff,
            partner_a,
            [customer_a],
            kind=ChangeKind.CERTIFICATE_RENEWAL,
            certificate=cert,
            start=thu.start,
            end=thu.start + timedelta(hours=1),
        )
    assert (excinfo.value.rule, excinfo.value.field) == ("R-MNT-6", "certificate")
    cert.refresh_from_db()
    assert cert.renewal_change == first

    services.change_cancel(actor=staff, change=first, now=NOW)
    second = schedule(
        staff,
        partner_a,
        [customer_a],
        kind=ChangeKind.CERTIFICATE_RENEWAL,
        certificate=cert,
        start=thu.start,
        end=thu.start + timedelta(hours=1),
    )
    cert.refresh_from_db()
    assert cert.renewal_change == second


def test_the_api_refuses_another_partners_certificate_r_mnt_6(
    api, staff, partner_a, customer_a, customer_b
) -> None:
    foreign = CertificateFactory(customer=customer_b, expires_at=WED.start + timedelta(days=5))
    response = api(staff).post(
        CHANGES,
        {
            "partner": partner_a.pk,
            "kind": "certificate_renewal",
            "title": "Renew",
            "customers": [customer_a.pk],
            "start": WED.start.isoformat(),
            "end": (WED.start + timedelta(hours=1)).isoformat(),
            "certificate": foreign.pk,
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["rule"] == "R-MNT-6"
    assert "certificate" in response.json()
    foreign.refresh_from_db()
    assert foreign.renewal_change is None


def test_the_daily_scan_still_links_each_renewal_r_mnt_6(customer_a) -> None:
    cert = CertificateFactory(customer=customer_a, expires_at=NOW + timedelta(days=10))

    assert services.certificates_scan(now=NOW)["created"] == 1

    cert.refresh_from_db()
    assert cert.renewal_change.kind == ChangeKind.CERTIFICATE_RENEWAL


# --- R-MNT-1/4/5: alternatives satisfy the change's own rules --------------------------------


def test_rule_weekend_alternatives_only_for_infrastructure_and_upgrades_r_mnt_5() -> None:
    allowed = {k for k in ChangeKind.values if rules.kind_may_be_offered_weekend(k)}
    assert allowed == {ChangeKind.INFRASTRUCTURE, ChangeKind.UPGRADE}


def test_a_routine_change_is_offered_weekday_windows_only_r_mnt_5(partner_a, customer_a) -> None:
    change = ChangeFactory(
        partner=partner_a,
        customers=[customer_a],
        start=WED.start,
        end=WED.start + timedelta(hours=2),
    )

    offered = services.reschedule_alternatives_for(change=change, now=NOW)

    assert nights(offered) == [date(2027, 3, 1), date(2027, 3, 2), date(2027, 3, 3)]
    assert all(end - start == timedelta(hours=2) for start, end in offered)


def test_an_upgrade_may_be_offered_weekends_after_its_notice_period_r_mnt_5_r_rel_4(
    partner_a, customer_a
) -> None:
    change = ChangeFactory(
        partner=partner_a,
        customers=[customer_a],
        kind=ChangeKind.UPGRADE,
        reason="version_below_n_minus_1",
        start=WED.start,
        end=WED.start + timedelta(hours=2),
    )

    offered = services.reschedule_alternatives_for(change=change, now=NOW)

    kinds = [window_containing("EMEA", s, e).kind for s, e in offered]
    assert sorted(kinds) == ["weekday"] * 3 + ["weekend"] * 2
    assert all(start - NOW >= timedelta(days=10) for start, _ in offered)


def test_alternatives_keep_the_notice_period_counted_from_now_r_mnt_4(
    partner_a, customer_a
) -> None:
    change = ChangeFactory(
        partner=partner_a,
        customers=[customer_a],
        kind=ChangeKind.SERVICE_IMPACTING,
        start=WED.start,
        end=WED.start + timedelta(hours=2),
    )
    spec = calendar_spec_for_region("EMEA")

    offered = services.reschedule_alternatives_for(change=change, now=NOW)

    assert offered
    assert all(rules.notice_is_sufficient(spec, NOW, start) for start, _ in offered)
    assert nights(offered)[0] == date(2027, 3, 15)  # 10 business days after Monday 09:00


def test_alternatives_skip_the_customers_holidays_and_other_changes_r_mnt_5(
    partner_a, customer_a
) -> None:
    calendar, _ = BusinessCalendar.objects.get_or_create(
        region="EMEA", defaults={"timezone": "Europe/Paris"}
    )
    Holiday.objects.create(calendar=calendar, date=date(2027, 3, 2), name="Company day")
    busy = window_for_night("EMEA", date(2027, 3, 3))
    ChangeFactory(
        partner=partner_a,
        customers=[customer_a],
        start=busy.start,
        end=busy.start + timedelta(hours=3),
    )
    change = ChangeFactory(
        partner=partner_a,
        customers=[customer_a],
        start=WED.start,
        end=WED.start + timedelta(hours=2),
    )

    offered = services.reschedule_alternatives_for(change=change, now=NOW)

    assert nights(offered) == [date(2027, 3, 1), date(2027, 3, 4), date(2027, 3, 5)]


def test_staff_cannot_offer_a_window_busy_with_another_change_r_mnt_5(
    api, staff, alice, partner_a, customer_a, noc_a
) -> None:
    busy = window_for_night("EMEA", date(2027, 3, 31))
    ChangeFactory(
        partner=partner_a,
        customers=[customer_a],
        start=busy.start,
        end=busy.start + timedelta(hours=3),
    )
    change = ChangeFactory(
        partner=partner_a,
        customers=[customer_a],
        start=WED.start,
        end=WED.start + timedelta(hours=2),
    )
    services.change_send_notice(actor=staff, change=change)
    rr = services.reschedule_request_create(actor=alice, change=change, reason="Month end")

    response = api(staff).post(
        f"/api/v1/reschedule-requests/{rr.pk}/alternatives/",
        {
            "alternatives": [
                {
                    "start": busy.start.isoformat(),
                    "end": (busy.start + timedelta(hours=1)).isoformat(),
                }
            ]
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["rule"] == "R-MNT-2"
    assert "alternatives" in response.json()
    assert not rr.alternatives.exists()


def test_the_partner_sees_only_weekday_alternatives_in_the_portal_r_mnt_5(
    client_for, staff, alice, partner_a, customer_a, noc_a
) -> None:
    change = ChangeFactory(
        partner=partner_a,
        customers=[customer_a],
        start=WED.start,
        end=WED.start + timedelta(hours=2),
    )
    services.change_send_notice(actor=staff, change=change)
    rr = services.reschedule_request_create(actor=alice, change=change, reason="Month end")
    services.reschedule_offer_alternatives(actor=staff, request=rr)

    page = client_for(alice).get(f"/maintenance/changes/{change.pk}/")

    assert page.status_code == 200
    assert [a.window_kind for a in rr.alternatives.all()] == ["weekday"] * 3
    assert page.content.decode().count(f"/maintenance/reschedule-requests/{rr.pk}/choose/") >= 1


# --- R-MNT-7 / R-REL-4: an upgrade's notice at least 10 days before its window ----------------


def test_rule_an_upgrade_notice_is_at_least_ten_calendar_days_ahead_r_rel_4() -> None:
    notice = datetime(2027, 3, 1, 9, tzinfo=PARIS)
    too_soon = rules.notice_violation(
        kind="upgrade", spec=EMEA_SPEC, notice_at=notice, start=notice + timedelta(days=9, hours=23)
    )
    assert too_soon is not None and too_soon.rule == "R-REL-4"
    assert (
        rules.notice_violation(
            kind="upgrade", spec=EMEA_SPEC, notice_at=notice, start=notice + timedelta(days=10)
        )
        is None
    )


def test_rule_an_upgrade_that_interrupts_calling_also_needs_ten_business_days_r_rel_4() -> None:
    notice = datetime(2027, 3, 1, 9, tzinfo=PARIS)  # Monday
    start = datetime(2027, 3, 12, 21, tzinfo=PARIS)  # 11.5 days, under 10 business days
    assert (
        rules.notice_violation(kind="upgrade", spec=EMEA_SPEC, notice_at=notice, start=start)
        is None
    )
    violation = rules.notice_violation(
        kind="upgrade", spec=EMEA_SPEC, notice_at=notice, start=start, interrupts_calling=True
    )
    assert violation is not None and violation.rule == "R-MNT-4"


def test_an_upgrade_cannot_be_planned_or_notified_too_late_r_rel_4(
    staff, partner_a, customer_a, noc_a
) -> None:
    soon = window_for_night("EMEA", date(2027, 3, 8))
    with pytest.raises(DomainError) as excinfo:
        schedule(
            staff,
            partner_a,
            [customer_a],
            kind=ChangeKind.UPGRADE,
            reason="version_below_n_minus_1",
            start=soon.start,
            end=soon.start + timedelta(hours=2),
        )
    assert excinfo.value.rule == "R-REL-4"

    change = schedule(
        staff, partner_a, [customer_a], kind=ChangeKind.UPGRADE, reason="version_below_n_minus_1"
    )
    with pytest.raises(DomainError) as excinfo:
        services.change_send_notice(actor=staff, change=change, now=WED.start - timedelta(days=9))
    assert excinfo.value.rule == "R-REL-4"
    services.change_send_notice(actor=staff, change=change, now=WED.start - timedelta(days=10))
    change.refresh_from_db()
    assert change.status == ChangeStatus.NOTIFIED


def test_the_api_refuses_an_upgrade_too_soon_r_rel_4(api, staff, partner_a, customer_a) -> None:
    soon = window_for_night("EMEA", date(2027, 3, 8))
    late = window_for_night("EMEA", date(2027, 3, 12))
    payload = {
        "partner": partner_a.pk,
        "kind": "upgrade",
        "reason": "version_below_n_minus_1",
        "title": "Upgrade",
        "customers": [customer_a.pk],
    }

    def post(window, **extra):
        return api(staff).post(
            CHANGES,
            {
                **payload,
                "start": window.start.isoformat(),
                "end": (window.start + timedelta(hours=2)).isoformat(),
                **extra,
            },
            format="json",
        )

    assert post(soon).json()["rule"] == "R-REL-4"
    interrupting = post(late, interrupts_calling=True)
    assert interrupting.status_code == 400
    assert interrupting.json()["rule"] == "R-MNT-4"
    created = post(late)
    assert created.status_code == 201, created.json()
    assert created.json()["interrupts_calling"] is False


# --- R-MNT-6: the inventory keeps an open renewal true ----------------------------------------


@pytest.fixture
def renewing(staff, partner_a, customer_a):
    cert = CertificateFactory(customer=customer_a, expires_at=WED.start + timedelta(days=5))
    schedule(staff, partner_a, [customer_a], kind=ChangeKind.CERTIFICATE_RENEWAL, certificate=cert)
    cert.refresh_from_db()
    return cert


def test_an_expiry_that_moves_the_open_renewal_out_of_its_band_is_refused_r_mnt_6(
    api, staff, renewing
) -> None:
    url = f"/api/v1/certificates/{renewing.pk}/"
    moved = api(staff).patch(
        url, {"expires_at": (WED.start + timedelta(days=30)).isoformat()}, format="json"
    )
    assert moved.status_code == 400
    assert moved.json()["rule"] == "R-MNT-6"
    assert "expires_at" in moved.json()

    fine = api(staff).patch(
        url, {"expires_at": (WED.start + timedelta(days=6)).isoformat()}, format="json"
    )
    assert fine.status_code == 200, fine.json()
    renewing.refresh_from_db()
    assert renewing.expires_at == WED.start + timedelta(days=6)


def test_a_certificate_with_an_open_renewal_is_not_deleted_r_mnt_6(
    api, client_for, staff, renewing
) -> None:
    assert api(staff).delete(f"/api/v1/certificates/{renewing.pk}/").status_code == 400
    page = client_for(staff).post(
        f"/admin/maintenance/certificate/{renewing.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert "Cancel the open renewal change" in page.content.decode()
    assert type(renewing).objects.filter(pk=renewing.pk).exists()


def test_the_admin_edits_a_certificate_through_its_service_r_mnt_6(
    client_for, staff, renewing
) -> None:
    later = (WED.start + timedelta(days=30)).astimezone(UTC)
    response = client_for(staff).post(
        f"/admin/maintenance/certificate/{renewing.pk}/change/",
        {
            "customer": renewing.customer_id,
            "application": renewing.application,
            "common_name": renewing.common_name,
            "expires_at_0": later.strftime("%Y-%m-%d"),
            "expires_at_1": later.strftime("%H:%M:%S"),
        },
    )

    assert response.status_code == 200
    assert "outside 3 to 7 days before expiry" in response.content.decode()
    renewing.refresh_from_db()
    assert renewing.expires_at == WED.start + timedelta(days=5)


def test_the_daily_scan_never_unlinks_an_open_renewal_r_mnt_6(staff, renewing) -> None:
    renewal = renewing.renewal_change
    services.certificate_save(
        actor=staff,
        certificate=renewing,
        customer=renewing.customer,
        application=renewing.application,
        common_name=renewing.common_name,
        expires_at=renewing.expires_at + timedelta(hours=12),  # the renewal stays in its band
    )
    scan_at = renewing.expires_at - timedelta(days=12)

    assert services.certificates_scan(now=scan_at)["created"] == 0

    renewing.refresh_from_db()
    assert renewing.renewal_change == renewal
    assert Change.objects.filter(kind=ChangeKind.CERTIFICATE_RENEWAL).count() == 1
