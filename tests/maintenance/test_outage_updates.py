"""The timeline of an outage (R-MNT-12): updates by status, the resolution through the one
path that resolves, refusals, and each update sent once per subscribed contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from maintenance import rules, services
from maintenance.choices import OutageStatus, OutageUpdateStatus
from maintenance.models import OutageUpdate
from portal.errors import DomainError
from portal.models import Notification
from tests.outbox import deliveries

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
OPEN = ["investigating", "identified", "monitoring"]


def declare(staff, customers, **extra):
    return services.outage_declare(
        actor=staff, title="SBC cluster down", customers=customers, now=NOW, **extra
    )


# --- the pure rule --------------------------------------------------------------------------


@pytest.mark.parametrize("status", [*OPEN, "resolved"])
def test_every_status_may_be_posted_on_an_open_outage_r_mnt_12(status) -> None:
    assert rules.outage_update_violation(resolved=False, status=status, text="x") is None


@pytest.mark.parametrize("status", [*OPEN, "resolved"])
def test_a_resolved_outage_takes_no_update_r_mnt_12(status) -> None:
    violation = rules.outage_update_violation(resolved=True, status=status, text="x")
    assert violation is not None and violation.field == "status" and violation.rule == "R-MNT-12"


def test_an_unknown_status_and_an_empty_text_are_refused_naming_the_field() -> None:
    assert rules.outage_update_violation(resolved=False, status="fixed", text="x").field == "status"
    assert rules.outage_update_violation(resolved=False, status="identified", text=" ").field == (
        "text"
    )


def test_applications_and_regions_come_from_the_portal_s_lists() -> None:
    assert rules.outage_scope_violation(applications=["CUCM", "IMP"], regions=["EMEA"]) is None
    assert rules.outage_scope_violation(applications=["PBX"], regions=[]).field == "applications"
    assert rules.outage_scope_violation(applications=[], regions=["MARS"]).field == "regions"


# --- the service ----------------------------------------------------------------------------


def test_the_declaration_opens_the_timeline_with_its_scope_r_mnt_12(staff, customer_a) -> None:
    outage = declare(
        staff,
        [customer_a],
        description="Calls fail.",
        applications=["IMP", "CUCM", "CUCM"],
        regions=["EMEA"],
    )

    assert outage.applications == ["CUCM", "IMP"] and outage.regions == ["EMEA"]
    [first] = outage.updates.all()
    assert (first.status, first.text, first.created_at, first.created_by) == (
        "investigating",
        "Calls fail.",
        NOW,
        staff,
    )


def test_an_unknown_application_is_refused_at_declaration(staff, customer_a) -> None:
    with pytest.raises(DomainError) as excinfo:
        declare(staff, [customer_a], applications=["PBX"])

    assert excinfo.value.field == "applications"


@pytest.mark.parametrize(("first", "second"), list(product(OPEN, OPEN)))
def test_every_open_status_may_follow_every_other_r_mnt_12(staff, customer_a, first, second):
    outage = declare(staff, [customer_a])
    services.outage_update_post(
        actor=staff, outage=outage, status=first, text="a", now=NOW + timedelta(minutes=5)
    )
    update = services.outage_update_post(
        actor=staff, outage=outage, status=second, text="b", now=NOW + timedelta(minutes=9)
    )

    assert update.status == second
    assert list(outage.updates.values_list("status", flat=True)) == [
        "investigating",
        first,
        second,
    ]
    outage.refresh_from_db()
    assert outage.status == OutageStatus.DECLARED


@pytest.mark.parametrize("before", OPEN)
def test_a_resolved_update_resolves_the_outage_through_outage_resolve_r_mnt_12(
    staff, customer_a, before, monkeypatch
) -> None:
    outage = declare(staff, [customer_a])
    services.outage_update_post(
        actor=staff, outage=outage, status=before, text="Looking.", now=NOW + timedelta(hours=1)
    )
    calls = []
    resolve = services.outages.outage_resolve
    monkeypatch.setattr(
        services.outages, "outage_resolve", lambda **kw: calls.append(kw) or resolve(**kw)
    )
    at = NOW + timedelta(hours=2)

    update = services.outage_update_post(
        actor=staff, outage=outage, status="resolved", text=" Router replaced. ", now=at
    )

    assert len(calls) == 1
    outage.refresh_from_db()
    assert (outage.status, outage.resolved_at, outage.resolution) == (
        "resolved",
        at,
        "Router replaced.",
    )
    assert (update.status, update.text, update.created_at) == ("resolved", "Router replaced.", at)
    assert outage.updates.filter(status="resolved").count() == 1


@pytest.mark.parametrize("status", [*OPEN, "resolved"])
def test_no_update_after_resolved_r_mnt_12(staff, customer_a, status) -> None:
    outage = declare(staff, [customer_a])
    services.outage_resolve(actor=staff, outage=outage, resolution="Fixed.", now=NOW)

    with pytest.raises(DomainError) as excinfo:
        services.outage_update_post(actor=staff, outage=outage, status=status, text="More.")

    assert (excinfo.value.field, excinfo.value.rule) == ("status", "R-MNT-12")
    assert outage.updates.count() == 2  # the declaration and the resolution


def test_resolving_from_the_admin_path_also_closes_the_timeline(staff, customer_a) -> None:
    outage = declare(staff, [customer_a])
    services.outage_resolve(actor=staff, outage=outage, now=NOW + timedelta(hours=1))

    assert list(outage.updates.values_list("status", flat=True)) == ["investigating", "resolved"]


def test_an_empty_update_and_an_unknown_status_name_their_field(staff, customer_a) -> None:
    outage = declare(staff, [customer_a])
    for status, text, field in [("identified", "  ", "text"), ("fixed", "x", "status")]:
        with pytest.raises(DomainError) as excinfo:
            services.outage_update_post(actor=staff, outage=outage, status=status, text=text)
        assert excinfo.value.field == field
    assert outage.updates.count() == 1


def test_partners_cannot_post_updates(alice, staff, customer_a) -> None:
    outage = declare(staff, [customer_a])

    with pytest.raises(DomainError):
        services.outage_update_post(actor=alice, outage=outage, status="identified", text="x")
    assert OutageUpdate.objects.count() == 1


def test_each_update_reaches_each_subscribed_contact_once_r_mnt_12(
    staff, customer_a, customer_b, noc_a, noc_b, contacts_a
) -> None:
    outage = declare(staff, [customer_a, customer_b])
    first = services.outage_update_post(
        actor=staff, outage=outage, status="identified", text="A fibre cut.", now=NOW
    )
    second = services.outage_update_post(
        actor=staff, outage=outage, status="monitoring", text="Traffic rerouted.", now=NOW
    )
    services.outage_notify(outage=outage, event="update", update=first)  # again: nothing new

    def sent(update) -> list[str]:
        # one event per partner and update (an outage may hit several partners' customers)
        return sorted(
            deliveries(
                dedupe_key__startswith=f"outage:{outage.pk}:update:{update.pk}:"
            ).values_list("recipient", flat=True)
        )

    expected = ["it@alpha.example", "noc@acme.example", "noc@borealis.example"]
    assert sent(first) == expected
    assert sent(second) == expected
    message = deliveries(
        dedupe_key__startswith=f"outage:{outage.pk}:update:{first.pk}:", recipient="noc@acme.example"
    ).get()
    assert "Identified" in message.subject and "SBC cluster down" in message.subject
    assert "A fibre cut." in message.body and f"/maintenance/outages/{outage.pk}/" in message.body
    assert "A fibre cut." in message.html


def test_a_resolved_update_sends_the_resolution_once_not_twice(staff, customer_a, noc_a) -> None:
    outage = declare(staff, [customer_a])
    services.outage_update_post(actor=staff, outage=outage, status="resolved", text="Fixed.")

    keys = sorted(Notification.objects.values_list("dedupe_key", flat=True))
    partner = customer_a.partner_id
    assert keys == [
        f"outage:{outage.pk}:declared:{partner}",
        f"outage:{outage.pk}:resolved:{partner}",
    ]


def test_the_statuses_are_the_four_of_a_status_page() -> None:
    assert OutageUpdateStatus.values == ["investigating", "identified", "monitoring", "resolved"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_never_land_after_the_resolution_r_mnt_12(
    staff, customer_a, noc_a
) -> None:
    import threading

    from django.db import connections

    outage = services.outage_declare(actor=staff, title="Down", customers=[customer_a])
    barrier = threading.Barrier(6)
    refused: list[DomainError] = []
    errors: list[Exception] = []

    def post(status: str) -> None:
        try:
            barrier.wait()
            services.outage_update_post(actor=staff, outage=outage, status=status, text=status)
        except DomainError as exc:
            refused.append(exc)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=("resolved",)) for _ in range(2)]
    threads += [threading.Thread(target=post, args=("monitoring",)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    timeline = list(outage.updates.order_by("created_at", "pk").values_list("status", flat=True))
    assert timeline[-1] == "resolved" and timeline.count("resolved") == 1
    assert len(timeline) + len(refused) == 7  # the declaration and the six posts
    assert all(exc.field == "status" for exc in refused)
    assert (
        Notification.objects.filter(dedupe_key__startswith=f"outage:{outage.pk}:resolved:").count()
        == 1
    )
