"""Releases services: the R-REL-3 load, shifting positions, compliance, upgrades."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from maintenance import services as maintenance_services
from portal.errors import DomainError
from portal.models import Notification
from releases import selectors, services
from releases.choices import ComplianceState
from releases.models import InstalledVersion, Release
from tests.outbox import deliveries

from .factories import install, load_table, plan_upgrade, weeknight

pytestmark = pytest.mark.django_db

R_REL_3_TABLE = [
    ["", "v12.5 SU7a (n-2)", "v14.0 SU3/SU4 (n-1)", "v15.0 SU1/SU2 (n)"],
    ["new customer deployments", "not supported", "not supported", "supported"],
    ["upgrades supported", "must upgrade to v15 SU2", "must upgrade to v15 SU2", "supported"],
    ["customers may stay", "must upgrade to v15 SU2", "must upgrade to v15 SU2", "yes"],
]


def test_r_rel_3_loading_the_source_table_reproduces_it_exactly(staff):
    load_table(staff)
    assert selectors.catalogue().policy_table() == R_REL_3_TABLE


def test_r_rel_3_load_command_is_idempotent_and_prints_the_table(capsys):
    call_command("load_release_table")
    call_command("load_release_table")
    assert Release.objects.count() == 5
    out = capsys.readouterr().out
    assert "v14.0 SU3/SU4 (n-1) | v15.0 SU1/SU2 (n)" in out
    assert selectors.catalogue().policy_table() == R_REL_3_TABLE


def test_r_rel_3_loaded_rows_store_only_deviations(staff):
    rows = load_table(staff)
    assert rows["14.0 SU3"].may_stay is False
    assert rows["14.0 SU3"].new_deployments is None  # same as the n-1 default
    assert rows["12.5 SU7a"].may_stay is None
    assert rows["15.0 SU2"].upgrade_target is None


def test_r_rel_2_announcing_a_new_release_shifts_every_position(staff):
    rows = load_table(staff)
    new = Release.objects.create(version="16.0", service_update="SU1")
    services.release_announce(actor=staff, release=new)
    cat = selectors.catalogue()
    assert cat.position(new) == "n"
    assert cat.position(rows["15.0 SU1"]) == cat.position(rows["15.0 SU2"]) == "n-1"
    assert cat.position(rows["14.0 SU3"]) == cat.position(rows["14.0 SU4"]) == "n-2"
    assert cat.position(rows["12.5 SU7a"]) == "older"


def test_r_rel_2_announcing_starts_end_of_sale_of_the_new_n_2(staff):
    rows = load_table(staff)
    new = Release.objects.create(version="16.0", service_update="")
    services.release_announce(actor=staff, release=new)
    today = timezone.localdate()
    for key in ("14.0 SU3", "14.0 SU4"):
        rows[key].refresh_from_db()
        assert rows[key].end_of_sale == today + services.end_of_sale_grace()
    rows["15.0 SU2"].refresh_from_db()
    assert rows["15.0 SU2"].end_of_sale is None


def test_r_rel_2_announcing_notifies_partners_of_affected_customers_once(
    staff, customer_a, customer_b, contact_a
):
    rows = load_table(staff)
    install(customer_a, staff, rows["15.0 SU2"], "CUCM", "IMP")
    new = Release.objects.create(version="16.0", service_update="SU1")
    services.release_announce(actor=staff, release=new)
    [note] = deliveries(category="releases")
    assert note.partner == customer_a.partner
    assert "v16 SU1" in note.body and "Call manager" in note.body
    assert services.compliance_check()["notified"] == 0


def test_r_rel_2_announcing_notifies_customers_on_the_new_n_2_of_their_new_target(
    staff, customer_a, contact_a
):
    rows = load_table(staff)
    install(customer_a, staff, rows["14.0 SU4"], "CUCM")
    assert InstalledVersion.objects.get().compliance_state == "must_upgrade"
    new = Release.objects.create(version="16.0", service_update="SU1")
    services.release_announce(actor=staff, release=new)
    [note] = deliveries(category="releases")
    assert "v16 SU1" in note.body
    row = InstalledVersion.objects.get()
    assert row.compliance_target == new
    assert row.notified_state == row.compliance_state == "must_upgrade"


def test_r_rel_2_an_available_release_cannot_be_announced_again(staff):
    rows = load_table(staff)
    with pytest.raises(DomainError):
        services.release_announce(actor=staff, release=rows["15.0 SU2"])


def test_compliance_of_installed_versions_under_the_source_table(staff, customer_a):
    rows = load_table(staff)
    [n] = install(customer_a, staff, rows["15.0 SU1"], "CUCM")
    [n1] = install(customer_a, staff, rows["14.0 SU4"], "IMP")
    [n2] = install(customer_a, staff, rows["12.5 SU7a"], "CER")
    assert n.compliance_state == ComplianceState.OK
    assert n1.compliance_state == ComplianceState.MUST_UPGRADE
    assert n1.compliance_target == rows["15.0 SU2"]
    assert n2.compliance_state == ComplianceState.END_OF_SALE


def test_daily_check_notifies_once_per_change_of_state(staff, customer_a, contact_a):
    rows = load_table(staff)
    install(customer_a, staff, rows["14.0 SU4"], "CUCM")
    assert services.compliance_check() == {"changed": 0, "notified": 0}
    # Staff let n-1 customers stay again: MUST_UPGRADE → NOT_FOR_NEW_DEPLOYMENTS.
    for key in ("14.0 SU3", "14.0 SU4"):
        release = rows[key]
        release.may_stay = None
        release.upgrades_supported = None
        services.release_save(actor=staff, release=release)
    assert InstalledVersion.objects.get().compliance_state == "not_for_new_deployments"
    assert services.compliance_check()["notified"] == 1
    assert services.compliance_check()["notified"] == 0


def test_daily_check_notices_an_end_of_sale_date_passing(staff, customer_a, contact_a):
    rows = load_table(staff)
    new = Release.objects.create(version="16.0", service_update="")
    services.release_announce(actor=staff, release=new)
    install(customer_a, staff, rows["14.0 SU4"], "CUCM")
    assert InstalledVersion.objects.get().compliance_state == "must_upgrade"
    later = timezone.localdate() + services.end_of_sale_grace()
    result = services.compliance_check(today=later)
    assert result == {"changed": 1, "notified": 1}
    assert InstalledVersion.objects.get().compliance_state == "end_of_sale"


POLICY_KEYS = ("14.0 SU3", "14.0 SU4", "15.0 SU1")


def _set_policies(staff, policies: dict) -> None:
    for key, (may_stay, upgrades_supported) in policies.items():
        release = Release.objects.get(version=key.split()[0], service_update=key.split()[1])
        release.may_stay = may_stay
        release.upgrades_supported = upgrades_supported
        services.release_save(actor=staff, release=release)


def test_r_rel_2_r_rel_4_compliance_constant_statements(staff, partner_a, contact_a):
    """A run tells a batch of customers their changed states and stores each state as told in
    the same number of statements whether the batch holds 3 customers or 33."""
    from tests.factories import CustomerFactory
    from tests.outbox import statements

    def statements_telling(count: int) -> int:
        """The statements of one run that tells ``count`` customers."""
        results = []
        n = statements(lambda: results.append(services.compliance_notify()))
        assert results == [count]
        return n

    def customers_on_n_1_and_n(count: int) -> list:
        customers = [CustomerFactory(partner=partner_a) for _ in range(count)]
        for customer in customers:
            install(customer, staff, rows["14.0 SU4"], "CUCM")
            install(customer, staff, rows["15.0 SU1"], "IMP")
        return customers

    rows = load_table(staff)
    source = {key: (rows[key].may_stay, rows[key].upgrades_supported) for key in POLICY_KEYS}
    few = customers_on_n_1_and_n(3)
    # Staff let n-1 stay and stop n's SU1 from staying: both of each customer's states change.
    _set_policies(staff, {"14.0 SU3": (None, None), "14.0 SU4": (None, None)})
    _set_policies(staff, {"15.0 SU1": (False, None)})
    with_few = statements_telling(len(few))
    told = dict(
        InstalledVersion.objects.filter(customer=few[0]).values_list(
            "application", "notified_state"
        )
    )
    assert told == {"CUCM": "not_for_new_deployments", "IMP": "must_upgrade"}
    many = customers_on_n_1_and_n(30)
    _set_policies(staff, source)  # back to the source's table: every customer's states change
    with_many = statements_telling(len(few) + len(many))

    assert with_many == with_few
    assert services.compliance_notify() == 0
    told = dict(
        InstalledVersion.objects.filter(customer=many[-1]).values_list(
            "application", "notified_state"
        )
    )
    assert told == {"CUCM": "must_upgrade", "IMP": "ok"}


def test_r_rel_2_a_state_that_moves_while_told_is_told_by_the_next_run(
    staff, customer_a, contact_a, monkeypatch
):
    """Each row is stored as notified with the state its message told, not the state it has
    when the run stores it: a change that lands in between is the next run's news."""
    rows = load_table(staff)
    [cucm] = install(customer_a, staff, rows["14.0 SU4"], "CUCM")
    _set_policies(staff, {"14.0 SU3": (None, None), "14.0 SU4": (None, None)})
    told = services._compliance_event

    def told_while_the_state_moves(claimed, **kwargs):
        event = told(claimed, **kwargs)
        InstalledVersion.objects.filter(pk=cucm.pk).update(compliance_state="end_of_sale")
        return event

    monkeypatch.setattr(services, "_compliance_event", told_while_the_state_moves)
    assert services.compliance_notify() == 1
    monkeypatch.undo()

    cucm.refresh_from_db()
    assert (cucm.notified_state, cucm.compliance_state) == (
        "not_for_new_deployments",
        "end_of_sale",
    )
    assert services.compliance_notify() == 1
    assert services.compliance_notify() == 0
    contexts = [
        n.context["rows"][0][2]
        for n in Notification.objects.filter(kind="release.compliance").order_by("pk")
    ]
    assert contexts == ["not_for_new_deployments", "end_of_sale"]


def test_only_staff_record_installed_versions(alice, customer_a, staff):
    rows = load_table(staff)
    with pytest.raises(DomainError):
        install(customer_a, alice, rows["15.0 SU2"])


# --- upgrades (R-REL-4, R-MNT-7) ---


def test_upgrade_is_a_maintenance_change_of_kind_upgrade(staff, customer_a, contact_a):
    rows = load_table(staff)
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"])
    assert upgrade.change.kind == "upgrade"
    assert upgrade.change.reason == "security_vulnerability"
    assert upgrade.advisory == "cisco-sa-cucm-2026-0001"
    assert list(upgrade.change.customers.all()) == [customer_a]
    note = deliveries(dedupe_key=f"upgrade:{upgrade.pk}:planned").get()
    assert "Alpha Bank" in note.body and "v15 SU2" in note.body


def test_upgrade_needs_an_r_mnt_7_reason(staff, customer_a):
    rows = load_table(staff)
    start, end = weeknight(21)
    with pytest.raises(DomainError) as exc:
        services.upgrade_schedule(
            actor=staff,
            partner=customer_a.partner,
            customers=[customer_a],
            target=rows["15.0 SU2"],
            reason="because",
            start=start,
            end=end,
        )
    assert exc.value.rule == "R-MNT-7"


def test_upgrade_outside_a_window_is_refused(staff, customer_a):
    rows = load_table(staff)
    start, end = weeknight(21, hour=12)
    with pytest.raises(DomainError):
        services.upgrade_schedule(
            actor=staff,
            partner=customer_a.partner,
            customers=[customer_a],
            target=rows["15.0 SU2"],
            reason="security_vulnerability",
            start=start,
            end=end,
        )


def test_r_rel_4_partner_reschedules_once_more_than_a_week_ahead(staff, alice, customer_a):
    rows = load_table(staff)
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"], days_ahead=21)
    start, end = weeknight(28)
    services.upgrade_reschedule(actor=alice, upgrade=upgrade, start=start, end=end, reason="Busy")
    upgrade.change.refresh_from_db()
    assert upgrade.change.start == start
    assert upgrade.reschedules_used == 1
    start2, end2 = weeknight(35)
    with pytest.raises(DomainError) as exc:
        services.upgrade_reschedule(
            actor=alice, upgrade=upgrade, start=start2, end=end2, reason="Again"
        )
    assert exc.value.rule == "R-REL-4"
    upgrade.change.refresh_from_db()
    assert upgrade.change.start == start


def test_r_rel_4_reschedule_within_a_week_is_refused(staff, alice, customer_a):
    rows = load_table(staff)
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"], days_ahead=21)
    start, end = weeknight(28)
    with pytest.raises(DomainError) as exc:
        services.upgrade_reschedule(
            actor=alice,
            upgrade=upgrade,
            start=start,
            end=end,
            reason="Busy",
            now=upgrade.change.start - timedelta(days=6),
        )
    assert exc.value.rule == "R-REL-4" and "one week" in exc.value.message
    upgrade.refresh_from_db()
    assert upgrade.reschedules_used == 0


def test_r_rel_4_reschedule_into_no_window_is_refused_and_not_counted(staff, alice, customer_a):
    rows = load_table(staff)
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"], days_ahead=21)
    start, end = weeknight(28, hour=12)
    with pytest.raises(DomainError):
        services.upgrade_reschedule(actor=alice, upgrade=upgrade, start=start, end=end, reason="x")
    upgrade.refresh_from_db()
    assert upgrade.reschedules_used == 0


def test_r_rel_4_outsider_cannot_reschedule(staff, charlie, customer_a):
    rows = load_table(staff)
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"])
    start, end = weeknight(28)
    with pytest.raises(DomainError):
        services.upgrade_reschedule(
            actor=charlie, upgrade=upgrade, start=start, end=end, reason="x"
        )


def test_r_rel_4_completion_updates_installed_versions_and_notifies(staff, customer_a, contact_a):
    rows = load_table(staff)
    install(customer_a, staff, rows["14.0 SU4"], "CUCM", "IMP")
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"], applications=["CUCM"])
    maintenance_services.change_complete(
        actor=staff,
        change=upgrade.change,
        now=upgrade.change.start,  # R-MNT-2: not before
    )
    cucm = InstalledVersion.objects.get(customer=customer_a, application="CUCM")
    imp = InstalledVersion.objects.get(customer=customer_a, application="IMP")
    assert cucm.release == rows["15.0 SU2"] and cucm.compliance_state == "ok"
    assert imp.release == rows["14.0 SU4"]
    upgrade.refresh_from_db()
    assert upgrade.completed_at is not None
    note = deliveries(dedupe_key=f"upgrade:{upgrade.pk}:completed:{customer_a.pk}").get()
    assert "v15 SU2" in note.subject
    assert services.compliance_check()["notified"] == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_compliance_runs_notify_each_change_once(staff, partner_a, contact_a):
    import threading

    from django.db import connection

    from tests.factories import CustomerFactory

    rows = load_table(staff)
    customers = [CustomerFactory(partner=partner_a, name=f"Load {i}") for i in range(15)]
    for customer in customers:
        install(customer, staff, rows["14.0 SU4"], "CUCM", "IMP")
    # Staff let n-1 customers stay: every installed version changes state.
    for key in ("14.0 SU3", "14.0 SU4"):
        release = rows[key]
        release.may_stay = None
        release.upgrades_supported = None
        services.release_save(actor=staff, release=release)
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(services.compliance_check()["notified"])
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    notes = deliveries(category="releases", dedupe_key__startswith="releases:")
    # Each customer's two changed applications reach the partner's contact, and only once.
    listed = [line for n in notes for line in n.body.splitlines() if " on v14 SU4: " in line]
    assert len(listed) == len(customers) * 2
    assert sum(results) == notes.count()
    assert not InstalledVersion.objects.exclude(notified_state="not_for_new_deployments").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_reschedules_only_one_succeeds(staff, alice, customer_a):
    import threading

    from django.db import connection

    rows = load_table(staff)
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"], days_ahead=21)
    barrier = threading.Barrier(2)
    outcomes = []

    def run(days):
        try:
            start, end = weeknight(days)
            barrier.wait()
            try:
                services.upgrade_reschedule(
                    actor=alice,
                    upgrade=type(upgrade).objects.get(pk=upgrade.pk),
                    start=start,
                    end=end,
                    reason="x",
                )
                outcomes.append("ok")
            except DomainError:
                outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(d,)) for d in (28, 35)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    upgrade.refresh_from_db()
    assert upgrade.reschedules_used == 1


def test_r_rel_2_a_release_cannot_be_announced_for_a_future_date(staff):
    load_table(staff)
    new = Release.objects.create(version="16.0", service_update="SU1")
    with pytest.raises(DomainError) as exc:
        services.release_announce(
            actor=staff, release=new, available_on=timezone.localdate() + timedelta(days=1)
        )
    assert exc.value.field == "available_on"
    new.refresh_from_db()
    assert new.available_on is None


def test_compliance_command_and_task(staff, customer_a, capsys):
    from releases.tasks import check_release_compliance

    load_table(staff)
    call_command("releases_check_compliance")
    assert "0 states changed" in capsys.readouterr().out
    assert check_release_compliance() == {"changed": 0, "notified": 0}
