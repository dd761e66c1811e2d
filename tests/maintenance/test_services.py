"""Change management services: scheduling rules, notices, reschedules, emergencies, joint
review, certificates, patches, outages (R-MNT-1 … R-MNT-12)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from maintenance import services
from maintenance.choices import (
    ChangeKind,
    ChangeStatus,
    EmergencyReason,
    NoticeKind,
    PatchStatus,
    RescheduleStatus,
    UpgradeReason,
)
from maintenance.models import Change, ChangeNotice, SsoChecklist
from maintenance.signals import change_completed
from maintenance.windows import window_for_night
from portal.choices import Region
from portal.errors import DomainError
from tests.factories import CustomerFactory
from tests.outbox import deliveries

from .factories import CertificateFactory, ChangeFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)  # a Monday
WED = window_for_night("EMEA", datetime(2027, 3, 24).date())  # three weeks later
SAT = window_for_night("EMEA", datetime(2027, 3, 27).date())


def schedule(staff, partner, customers, **overrides):
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


def rule_of(excinfo) -> str | None:
    return excinfo.value.rule


# --- scheduling refusals ---------------------------------------------------------------------


def test_a_change_inside_a_weekday_window_is_scheduled(staff, partner_a, customer_a) -> None:
    change = schedule(staff, partner_a, [customer_a])

    assert change.status == ChangeStatus.SCHEDULED
    assert list(change.customers.all()) == [customer_a]


def test_a_change_outside_the_customer_region_window_is_refused_r_mnt_2(
    staff, partner_a, customer_a
) -> None:
    noon = WED.start.replace(hour=12)

    with pytest.raises(DomainError) as excinfo:
        schedule(staff, partner_a, [customer_a], start=noon, end=noon + timedelta(hours=1))

    assert rule_of(excinfo) == "R-MNT-2"
    assert excinfo.value.field == "start"
    assert "21:00–06:00" in str(excinfo.value)
    assert not Change.objects.exists()


def test_a_change_running_past_06_00_is_refused_r_mnt_2(staff, partner_a, customer_a) -> None:
    with pytest.raises(DomainError) as excinfo:
        schedule(staff, partner_a, [customer_a], end=WED.end + timedelta(minutes=1))

    assert rule_of(excinfo) == "R-MNT-2"


def test_every_customer_region_must_have_the_change_in_its_window(
    staff, partner_a, customer_a
) -> None:
    tokyo = CustomerFactory(partner=partner_a, region=Region.APJC)

    with pytest.raises(DomainError) as excinfo:
        schedule(staff, partner_a, [customer_a, tokyo])

    assert "APJC" in str(excinfo.value)


def test_a_weekend_window_is_refused_for_a_routine_change_r_mnt_1(
    staff, partner_a, customer_a
) -> None:
    with pytest.raises(DomainError) as excinfo:
        schedule(staff, partner_a, [customer_a], start=SAT.start, end=SAT.end)

    assert rule_of(excinfo) == "R-MNT-1"
    assert "infrastructure" in str(excinfo.value)


def test_an_infrastructure_change_may_use_a_weekend_window_r_mnt_1(
    staff, partner_a, customer_a
) -> None:
    change = schedule(
        staff, partner_a, [customer_a], kind=ChangeKind.INFRASTRUCTURE, start=SAT.start, end=SAT.end
    )

    assert change.status == ChangeStatus.SCHEDULED


def test_a_service_impacting_change_with_short_notice_is_refused_r_mnt_4(
    staff, partner_a, customer_a
) -> None:
    soon = window_for_night("EMEA", datetime(2027, 3, 10).date())

    with pytest.raises(DomainError) as excinfo:
        schedule(
            staff,
            partner_a,
            [customer_a],
            kind=ChangeKind.SERVICE_IMPACTING,
            start=soon.start,
            end=soon.start + timedelta(hours=1),
        )

    assert rule_of(excinfo) == "R-MNT-4"
    assert "10 business days" in str(excinfo.value)


def test_a_service_impacting_change_three_weeks_ahead_is_scheduled_r_mnt_4(
    staff, partner_a, customer_a
) -> None:
    change = schedule(staff, partner_a, [customer_a], kind=ChangeKind.SERVICE_IMPACTING)

    assert change.kind == ChangeKind.SERVICE_IMPACTING


def test_two_changes_overlapping_on_one_customer_are_refused(staff, partner_a, customer_a) -> None:
    schedule(staff, partner_a, [customer_a], title="Database upgrade")

    with pytest.raises(DomainError) as excinfo:
        schedule(
            staff,
            partner_a,
            [customer_a],
            start=WED.start + timedelta(hours=1),
            end=WED.start + timedelta(hours=3),
        )

    assert "Database upgrade" in str(excinfo.value)
    assert customer_a.name in str(excinfo.value)


def test_back_to_back_changes_and_other_customers_do_not_conflict(
    staff, partner_a, customer_a
) -> None:
    schedule(staff, partner_a, [customer_a])
    other = CustomerFactory(partner=partner_a)

    schedule(staff, partner_a, [customer_a], start=WED.start + timedelta(hours=2), end=WED.end)
    schedule(staff, partner_a, [other])

    assert Change.objects.count() == 3


def test_a_cancelled_change_frees_its_slot(staff, partner_a, customer_a) -> None:
    first = schedule(staff, partner_a, [customer_a])
    services.change_cancel(actor=staff, change=first, now=NOW)

    assert schedule(staff, partner_a, [customer_a]).pk != first.pk


def test_sme_group_changes_follow_the_publisher_region_r_mnt_2(
    staff, partner_a, customer_a
) -> None:
    amer = window_for_night("AMER", datetime(2027, 3, 24).date())

    change = schedule(
        staff,
        partner_a,
        [customer_a],
        sme_publisher_region=Region.AMER,
        start=amer.start,
        end=amer.start + timedelta(hours=1),
    )
    assert change.sme_publisher_region == "AMER"
    with pytest.raises(DomainError):
        schedule(staff, partner_a, [customer_a], sme_publisher_region=Region.AMER, title="x")


def test_an_upgrade_needs_a_reason_r_mnt_7(staff, partner_a, customer_a) -> None:
    with pytest.raises(DomainError) as excinfo:
        schedule(staff, partner_a, [customer_a], kind=ChangeKind.UPGRADE)

    assert rule_of(excinfo) == "R-MNT-7"
    assert excinfo.value.field == "reason"
    change = schedule(
        staff,
        partner_a,
        [customer_a],
        kind=ChangeKind.UPGRADE,
        reason=UpgradeReason.VERSION_BELOW_N_MINUS_1,
    )
    assert change.reason == "version_below_n_minus_1"


def test_customers_of_another_partner_are_refused(staff, partner_a, customer_b) -> None:
    with pytest.raises(DomainError) as excinfo:
        schedule(staff, partner_a, [customer_b])

    assert excinfo.value.field == "customers"


def test_partner_users_cannot_schedule(alice, partner_a, customer_a) -> None:
    with pytest.raises(DomainError):
        schedule(alice, partner_a, [customer_a])


# --- notices (R-MNT-4) -----------------------------------------------------------------------


def test_the_notice_reaches_each_subscribed_contact_once_r_mnt_4(
    staff, partner_a, customer_a, contacts_a
) -> None:
    change = schedule(staff, partner_a, [customer_a], kind=ChangeKind.SERVICE_IMPACTING)

    services.change_send_notice(actor=staff, change=change, now=NOW)

    recipients = sorted(deliveries().values_list("recipient", flat=True))
    assert recipients == ["it@alpha.example", "noc@acme.example"]
    change.refresh_from_db()
    assert change.status == ChangeStatus.NOTIFIED
    assert change.notice_sent_at == NOW
    assert change.reschedule_deadline == NOW + timedelta(days=3)
    assert change.reschedule_open is True
    notice = change.notices.get()
    assert (notice.kind, notice.recipients) == (NoticeKind.NOTICE, 2)


def test_a_notice_is_sent_only_once(staff, partner_a, customer_a, noc_a) -> None:
    change = schedule(staff, partner_a, [customer_a])
    services.change_send_notice(actor=staff, change=change, now=NOW)

    with pytest.raises(DomainError):
        services.change_send_notice(actor=staff, change=change, now=NOW)

    assert deliveries().count() == 1


def test_a_late_notice_for_a_service_impacting_change_is_refused_r_mnt_4(
    staff, partner_a, customer_a, noc_a
) -> None:
    change = schedule(staff, partner_a, [customer_a], kind=ChangeKind.SERVICE_IMPACTING)

    with pytest.raises(DomainError) as excinfo:
        services.change_send_notice(actor=staff, change=change, now=NOW + timedelta(days=10))

    assert rule_of(excinfo) == "R-MNT-4"
    assert not deliveries().exists()
    change.refresh_from_db()
    assert change.status == ChangeStatus.SCHEDULED


def test_a_notice_names_the_local_window_times(staff, partner_a, customer_a, noc_a) -> None:
    change = schedule(staff, partner_a, [customer_a])
    services.change_send_notice(actor=staff, change=change, now=NOW)

    body = deliveries().get().body
    assert "EMEA: 24 Mar 2027, 21:00 CET – 24 Mar 2027, 23:00 CET" in body
    assert f"/maintenance/changes/{change.pk}/" in body


# --- reschedules (R-MNT-5) -------------------------------------------------------------------


@pytest.fixture
def notified(staff, partner_a, customer_a, noc_a):
    change = schedule(staff, partner_a, [customer_a], kind=ChangeKind.SERVICE_IMPACTING)
    return services.change_send_notice(actor=staff, change=change, now=NOW)


def test_a_reschedule_request_within_three_days_is_accepted_r_mnt_5(alice, notified) -> None:
    request = services.reschedule_request_create(
        actor=alice, change=notified, reason="Quarter-end closing.", now=NOW + timedelta(days=3)
    )

    assert request.status == RescheduleStatus.REQUESTED
    assert deliveries(dedupe_key=f"reschedule:{request.pk}:requested").exists()


def test_a_reschedule_request_after_the_deadline_is_refused_r_mnt_5(alice, notified) -> None:
    with pytest.raises(DomainError) as excinfo:
        services.reschedule_request_create(
            actor=alice, change=notified, reason="Too late.", now=NOW + timedelta(days=3, seconds=1)
        )

    assert rule_of(excinfo) == "R-MNT-5"


def test_a_reschedule_request_needs_a_reason_r_mnt_5(alice, notified) -> None:
    with pytest.raises(DomainError) as excinfo:
        services.reschedule_request_create(actor=alice, change=notified, reason="  ", now=NOW)

    assert excinfo.value.field == "reason"


def test_only_one_open_reschedule_request_per_change(alice, bob, notified) -> None:
    services.reschedule_request_create(actor=alice, change=notified, reason="A", now=NOW)

    with pytest.raises(DomainError):
        services.reschedule_request_create(actor=bob, change=notified, reason="B", now=NOW)


def test_an_outsider_cannot_ask_to_reschedule(charlie, notified) -> None:
    with pytest.raises(DomainError):
        services.reschedule_request_create(actor=charlie, change=notified, reason="x", now=NOW)


def test_staff_alternatives_must_be_windows_and_the_partner_picks_one_r_mnt_5(
    staff, alice, notified
) -> None:
    request = services.reschedule_request_create(
        actor=alice, change=notified, reason="Our busiest week.", now=NOW
    )
    later_wed = window_for_night("EMEA", datetime(2027, 3, 31).date())
    weekend = window_for_night("EMEA", datetime(2027, 4, 3).date())
    with pytest.raises(DomainError) as excinfo:
        services.reschedule_offer_alternatives(
            actor=staff,
            request=request,
            alternatives=[(later_wed.start.replace(hour=12), later_wed.start.replace(hour=13))],
            now=NOW,
        )
    assert rule_of(excinfo) == "R-MNT-2"
    with pytest.raises(DomainError) as excinfo:  # a service-impacting change: no weekend
        services.reschedule_offer_alternatives(
            actor=staff,
            request=request,
            alternatives=[(weekend.start, weekend.start + timedelta(hours=2))],
            now=NOW,
        )
    assert rule_of(excinfo) == "R-MNT-1"
    assert excinfo.value.field == "alternatives"

    services.reschedule_offer_alternatives(
        actor=staff,
        request=request,
        alternatives=[(later_wed.start, later_wed.start + timedelta(hours=2))],
        now=NOW,
    )
    request.refresh_from_db()
    assert [a.window_kind for a in request.alternatives.all()] == ["weekday"]
    chosen = request.alternatives.get()

    services.reschedule_choose(
        actor=alice, request=request, alternative_id=chosen.pk, now=NOW + timedelta(days=1)
    )

    notified.refresh_from_db()
    request.refresh_from_db()
    assert notified.start == later_wed.start
    assert request.status == RescheduleStatus.ACCEPTED
    assert request.chosen == chosen
    assert notified.notices.filter(kind=NoticeKind.RESCHEDULED).count() == 1


def test_the_offered_alternatives_reach_the_partner_as_such_r_mnt_5(
    staff, alice, notified
) -> None:
    """The partner's message says alternatives are offered and lists them, each in the
    region's time (it had been sent as a "Planned maintenance" notice without them)."""
    from portal.notifications import render_delivery

    request = services.reschedule_request_create(
        actor=alice, change=notified, reason="Our busiest week.", now=NOW
    )
    later_wed = window_for_night("EMEA", datetime(2027, 3, 31).date())
    services.reschedule_offer_alternatives(
        actor=staff,
        request=request,
        alternatives=[(later_wed.start, later_wed.start + timedelta(hours=2))],
        note="The 31st suits the field team.",
        now=NOW,
    )
    (offer,) = deliveries(kind="change.alternatives_offered")
    message = render_delivery(offer)
    assert message.subject.startswith("[") and "Alternative windows offered: " in message.subject
    assert "Alternative window 1, EMEA: 31 Mar 2027, 21:00 CEST – 31 Mar 2027, 23:00 CEST" in (
        message.text
    )
    assert "The 31st suits the field team." in message.text
    assert "Alternative window 1, EMEA" in message.html
    assert "Planned maintenance" not in message.text


@pytest.mark.parametrize(
    ("kind", "reason", "urgent"),
    [
        (ChangeKind.CERTIFICATE_RENEWAL, "", False),
        (ChangeKind.ROUTINE, "", True),
    ],
)
def test_urgent_changes_cannot_be_rescheduled_r_mnt_5(
    staff, alice, partner_a, customer_a, kind, reason, urgent
) -> None:
    certificate = None
    if kind == ChangeKind.CERTIFICATE_RENEWAL:  # R-MNT-6: a renewal names its certificate
        certificate = CertificateFactory(
            customer=customer_a, expires_at=WED.start + timedelta(days=5)
        )
    change = schedule(
        staff,
        partner_a,
        [customer_a],
        kind=kind,
        reason=reason,
        urgent=urgent,
        certificate=certificate,
    )
    services.change_send_notice(actor=staff, change=change, now=NOW)

    with pytest.raises(DomainError) as excinfo:
        services.reschedule_request_create(actor=alice, change=change, reason="Please", now=NOW)

    assert rule_of(excinfo) == "R-MNT-5"
    assert "cannot be rescheduled" in str(excinfo.value)


# --- emergencies (R-MNT-8) ------------------------------------------------------------------


def test_an_emergency_starts_at_once_and_is_announced_immediately_r_mnt_8(
    staff, alice, partner_a, customer_a, noc_a
) -> None:
    change = services.change_declare_emergency(
        actor=staff,
        partner=partner_a,
        customers=[customer_a],
        title="Restore the voicemail cluster",
        reason=EmergencyReason.RESTORE_SERVICE,
        end=NOW + timedelta(hours=2),
        now=NOW,
    )

    assert change.status == ChangeStatus.IN_PROGRESS
    assert change.notices.get().kind == NoticeKind.EMERGENCY
    assert "Restore service" in deliveries().get().body
    with pytest.raises(DomainError):
        services.reschedule_request_create(actor=alice, change=change, reason="No", now=NOW)


def test_an_emergency_needs_one_of_the_four_reasons_r_mnt_8(staff, partner_a, customer_a) -> None:
    with pytest.raises(DomainError) as excinfo:
        services.change_declare_emergency(
            actor=staff,
            partner=partner_a,
            customers=[customer_a],
            title="Tidy up",
            reason="convenience",
            end=NOW + timedelta(hours=1),
            now=NOW,
        )

    assert rule_of(excinfo) == "R-MNT-8"


# --- completion, cancellation ---------------------------------------------------------------


def test_completion_notifies_and_sends_the_signal(staff, partner_a, customer_a, noc_a) -> None:
    change = schedule(staff, partner_a, [customer_a])
    received = []
    handler = lambda sender, change, completed_at, **kw: received.append((change.pk, completed_at))  # noqa: E731
    change_completed.connect(handler)
    try:
        services.change_complete(actor=staff, change=change, now=WED.start + timedelta(hours=2))
    finally:
        change_completed.disconnect(handler)

    change.refresh_from_db()
    assert change.status == ChangeStatus.COMPLETED
    assert received == [(change.pk, WED.start + timedelta(hours=2))]
    assert change.notices.filter(kind=NoticeKind.COMPLETED).count() == 1


def test_cancelling_a_notified_change_tells_the_contacts(staff, notified) -> None:
    services.change_cancel(actor=staff, change=notified, note="Vendor fix withdrawn.", now=NOW)

    assert notified.notices.filter(kind=NoticeKind.CANCELLED).count() == 1
    assert sum("cancelled" in d.subject for d in deliveries()) == 1


# --- joint review (R-MNT-9) -----------------------------------------------------------------


def test_a_partner_request_is_reviewed_before_it_is_scheduled_r_mnt_9(
    staff, alice, customer_a, noc_a
) -> None:
    change = services.change_request_by_partner(
        actor=alice,
        customers=[customer_a],
        title="New SIP trunk to the SBC",
        description="Adds a trunk to our boundary device.",
        partner_request_kind="boundary_device_configuration",
    )
    assert change.status == ChangeStatus.SUBMITTED

    with pytest.raises(DomainError) as excinfo:
        services.change_plan(
            actor=staff, change=change, start=WED.start, end=WED.start + timedelta(hours=1), now=NOW
        )
    assert excinfo.value.field == "status"

    services.change_review(actor=staff, change=change, decision="start", now=NOW)
    services.change_review(actor=staff, change=change, decision="approve", note="OK", now=NOW)
    services.change_plan(
        actor=staff, change=change, start=WED.start, end=WED.start + timedelta(hours=1), now=NOW
    )

    change.refresh_from_db()
    assert change.status == ChangeStatus.SCHEDULED
    assert change.review_note == "OK"


def test_a_request_cannot_be_approved_without_review_r_mnt_9(staff, alice, customer_a) -> None:
    change = services.change_request_by_partner(
        actor=alice,
        customers=[customer_a],
        title="Deactivate IM",
        description="We no longer use IM and presence.",
        partner_request_kind="service_deactivation",
    )

    with pytest.raises(DomainError) as excinfo:
        services.change_review(actor=staff, change=change, decision="approve", now=NOW)

    assert rule_of(excinfo) == "R-MNT-9"


# --- certificates (R-MNT-6) -----------------------------------------------------------------


def test_the_scan_creates_one_renewal_3_to_7_days_before_expiry_r_mnt_6(
    partner_a, customer_a
) -> None:
    cert = CertificateFactory(customer=customer_a, expires_at=NOW + timedelta(days=10))

    first = services.certificates_scan(now=NOW)
    second = services.certificates_scan(now=NOW)

    assert (first["created"], second["created"]) == (1, 0)
    cert.refresh_from_db()
    change = cert.renewal_change
    assert change.kind == ChangeKind.CERTIFICATE_RENEWAL
    assert (
        cert.expires_at - timedelta(days=7) <= change.start <= cert.expires_at - timedelta(days=3)
    )
    assert change.start.astimezone(PARIS).hour == 21


def test_a_new_certificate_gets_its_own_renewal(partner_a, customer_a) -> None:
    cert = CertificateFactory(customer=customer_a, expires_at=NOW + timedelta(days=10))
    services.certificates_scan(now=NOW)
    cert.expires_at = NOW + timedelta(days=40)
    cert.save()

    assert services.certificates_scan(now=NOW + timedelta(days=30))["created"] == 1
    assert Change.objects.filter(kind=ChangeKind.CERTIFICATE_RENEWAL).count() == 2


def test_far_away_expiries_are_not_scanned_yet(customer_a) -> None:
    CertificateFactory(customer=customer_a, expires_at=NOW + timedelta(days=60))

    assert services.certificates_scan(now=NOW)["created"] == 0


def test_renewal_on_an_sso_customer_creates_the_partner_checklist_r_mnt_6(
    staff, alice, partner_a, noc_a
) -> None:
    sso = CustomerFactory(partner=partner_a, sso_enabled=True)
    plain = CustomerFactory(partner=partner_a, sso_enabled=False)
    change = ChangeFactory(
        partner=partner_a, kind=ChangeKind.CERTIFICATE_RENEWAL, customers=[sso, plain]
    )

    services.change_complete(actor=staff, change=change, now=change.end)
    with pytest.raises(DomainError):
        services.change_complete(actor=staff, change=change, now=change.end)

    checklist = SsoChecklist.objects.get()
    assert checklist.customer == sso
    assert [s.item for s in checklist.steps.all()] == [
        "disable_sso",
        "reimport_idp_metadata",
        "reenable_sso",
        "validate_sso",
    ]
    assert deliveries(dedupe_key=f"sso-checklist:{checklist.pk}").count() == 1
    for step in checklist.steps.all():
        services.sso_step_set(actor=alice, step=step, done=True, now=NOW)
    checklist.refresh_from_db()
    assert checklist.completed_at == NOW


# --- patches, scans, outages ----------------------------------------------------------------


def test_a_patch_file_is_requested_uploaded_then_installed_r_mnt_11(
    staff, alice, customer_a, noc_a
) -> None:
    patch = services.patch_request_create(
        actor=alice, customer=customer_a, kind="device_pack", file_name="cmterm-devicepack.cop"
    )
    with pytest.raises(DomainError):
        services.patch_mark_installed(actor=alice, patch=patch)

    services.patch_mark_uploaded(actor=staff, patch=patch)
    patch = services.patch_mark_installed(actor=alice, patch=patch)

    assert patch.status == PatchStatus.INSTALLED
    assert deliveries(dedupe_key=f"patch:{patch.pk}:uploaded").count() == 1


def test_partners_cannot_mark_uploads(alice, customer_a) -> None:
    patch = services.patch_request_create(
        actor=alice, customer=customer_a, kind="locale_pack", file_name="pt_BR.cop"
    )

    with pytest.raises(DomainError):
        services.patch_mark_uploaded(actor=alice, patch=patch)


def test_vulnerability_scan_requests_are_refused_with_the_explanation_r_mnt_10(alice) -> None:
    with pytest.raises(DomainError) as excinfo:
        services.vulnerability_scan_request(actor=alice)

    assert rule_of(excinfo) == "R-MNT-10"
    assert "penetration tests" in str(excinfo.value)


def test_an_outage_reaches_subscribers_of_every_affected_customer_r_mnt_12(
    staff, customer_a, customer_b, noc_a, noc_b
) -> None:
    outage = services.outage_declare(
        actor=staff, title="Core routing down", customers=[customer_a, customer_b], now=NOW
    )
    services.outage_resolve(actor=staff, outage=outage, resolution="Router replaced.", now=NOW)

    keys = sorted(deliveries().values_list("notification__dedupe_key", "recipient"))
    a, b = customer_a.partner_id, customer_b.partner_id
    assert keys == [  # one event per outage, event and partner
        (f"outage:{outage.pk}:declared:{a}", "noc@acme.example"),
        (f"outage:{outage.pk}:declared:{b}", "noc@borealis.example"),
        (f"outage:{outage.pk}:resolved:{a}", "noc@acme.example"),
        (f"outage:{outage.pk}:resolved:{b}", "noc@borealis.example"),
    ]
    with pytest.raises(DomainError):
        services.outage_resolve(actor=staff, outage=outage)


def test_notices_are_recorded_once_per_event(staff, partner_a, customer_a, noc_a) -> None:
    change = schedule(staff, partner_a, [customer_a])
    services.change_send_notice(actor=staff, change=change, now=NOW)

    assert ChangeNotice.objects.filter(change=change).count() == 1


def test_a_renewal_outside_the_3_to_7_day_band_is_refused_r_mnt_6(
    staff, partner_a, customer_a
) -> None:
    cert = CertificateFactory(customer=customer_a, expires_at=WED.start + timedelta(days=20))

    with pytest.raises(DomainError) as excinfo:
        schedule(
            staff, partner_a, [customer_a], kind=ChangeKind.CERTIFICATE_RENEWAL, certificate=cert
        )

    assert rule_of(excinfo) == "R-MNT-6"


def test_moving_a_renewal_out_of_its_band_is_refused_r_mnt_6(staff, partner_a, customer_a) -> None:
    cert = CertificateFactory(customer=customer_a, expires_at=WED.start + timedelta(days=5))
    change = schedule(
        staff, partner_a, [customer_a], kind=ChangeKind.CERTIFICATE_RENEWAL, certificate=cert
    )
    later = window_for_night("EMEA", datetime(2027, 3, 29).date())

    with pytest.raises(DomainError) as excinfo:
        services.change_plan(
            actor=staff,
            change=change,
            start=later.start,
            end=later.start + timedelta(hours=1),
            now=NOW,
        )

    assert rule_of(excinfo) == "R-MNT-6"


def test_a_failing_completion_receiver_does_not_stop_the_others(partner_a, customer_a) -> None:
    first = ChangeFactory(
        partner=partner_a, customers=[customer_a], status=ChangeStatus.IN_PROGRESS
    )
    later = first.end + timedelta(minutes=10)
    second = ChangeFactory(
        partner=partner_a,
        customers=[customer_a],
        status=ChangeStatus.IN_PROGRESS,
        start=later,
        end=later + timedelta(minutes=30),
    )

    def explode(sender, change, **kwargs):
        if change.pk == first.pk:
            raise RuntimeError("receiver broke")

    change_completed.connect(explode)
    try:
        assert services.changes_complete_due(now=second.end) == 1
    finally:
        change_completed.disconnect(explode)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (ChangeStatus.IN_PROGRESS, ChangeStatus.COMPLETED)
    assert not first.notices.exists()
