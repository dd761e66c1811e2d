"""Releases portal pages: release table, compliance per customer, upgrade reschedule."""

import pytest
from django.utils import timezone

from tests.factories import CustomerFactory

from .factories import install, load_table, plan_upgrade, plan_upgrade_planned_earlier, weeknight

pytestmark = pytest.mark.django_db


def _local(dt):
    return dt.strftime("%Y-%m-%dT%H:%M")


def test_dashboard_shows_releases_card_and_nav(client_for, alice, staff, customer_a):
    load_table(staff)
    html = client_for(alice).get("/").content.decode()
    assert 'id="card-releases"' in html
    assert 'href="/releases/"' in html
    assert "v15.0 SU2" in html


def test_index_shows_the_r_rel_3_table_and_own_customers(
    client_for, alice, staff, customer_a, customer_b, django_assert_max_num_queries
):
    rows = load_table(staff)
    install(customer_a, staff, rows["12.5 SU7a"], "CUCM")
    for i in range(5):
        CustomerFactory(partner=customer_a.partner, name=f"Extra {i}")
    client = client_for(alice)
    with django_assert_max_num_queries(10):
        page = client.get("/releases/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "v14.0 SU3/SU4 (n-1)" in html and "must upgrade to v15 SU2" in html
    assert "Alpha Bank" in html and "Beta Retail" not in html
    assert "badge bad" in html


def test_compliance_page_per_customer(client_for, alice, staff, customer_a):
    rows = load_table(staff)
    install(customer_a, staff, rows["14.0 SU4"], "CUCM")
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"])
    page = client_for(alice).get(f"/releases/customers/{customer_a.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Must upgrade to v15 SU2" in html
    assert f"/releases/upgrades/{upgrade.pk}/" in html


def test_compliance_page_outsider_gets_404(client_for, charlie, customer_a):
    assert client_for(charlie).get(f"/releases/customers/{customer_a.pk}/").status_code == 404


def test_portal_reschedule_once(client_for, alice, staff, customer_a):
    rows = load_table(staff)
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"], days_ahead=21)
    client = client_for(alice)
    page = client.get(f"/releases/upgrades/{upgrade.pk}/")
    assert page.status_code == 200 and "<form" in page.content.decode()
    start, end = weeknight(28)
    done = client.post(
        f"/releases/upgrades/{upgrade.pk}/",
        {"start": _local(start), "end": _local(end), "reason": "Quarter close"},
    )
    assert done.status_code == 302
    upgrade.change.refresh_from_db()
    assert upgrade.change.start == start
    again = client.get(f"/releases/upgrades/{upgrade.pk}/").content.decode()
    assert 'role="status"' in again and 'name="start"' not in again  # the refusal, no form
    start2, end2 = weeknight(35)
    refused = client.post(
        f"/releases/upgrades/{upgrade.pk}/",
        {"start": _local(start2), "end": _local(end2), "reason": "Again"},
    )
    assert refused.status_code == 400
    assert "only once" in refused.content.decode() or "once" in refused.content.decode()


def test_portal_reschedule_within_a_week_is_refused_with_the_rule(
    client_for, alice, staff, customer_a
):
    rows = load_table(staff)
    upgrade = plan_upgrade_planned_earlier(customer_a, staff, rows["15.0 SU2"], days_ahead=3)
    start, end = weeknight(28)
    page = client_for(alice).post(
        f"/releases/upgrades/{upgrade.pk}/",
        {"start": _local(start), "end": _local(end), "reason": "Busy"},
    )
    assert page.status_code == 400
    assert "one week" in page.content.decode()


def test_upgrade_page_outsider_gets_404(client_for, charlie, staff, customer_a):
    rows = load_table(staff)
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"])
    client = client_for(charlie)
    assert client.get(f"/releases/upgrades/{upgrade.pk}/").status_code == 404
    assert client.post(f"/releases/upgrades/{upgrade.pk}/", {}).status_code == 404
    assert "Alpha Bank" not in client.get("/releases/").content.decode()


def test_admin_pages(client_for, staff, customer_a):
    rows = load_table(staff)
    install(customer_a, staff, rows["14.0 SU4"], "CUCM")
    plan_upgrade(customer_a, staff, rows["15.0 SU2"])
    client = client_for(staff)
    for url in (
        "/admin/releases/release/",
        f"/admin/releases/release/{rows['14.0 SU4'].pk}/change/",
        "/admin/releases/installedversion/",
        "/admin/releases/installedversion/?compliance_state__exact=must_upgrade",
        "/admin/releases/upgrade/",
        "/admin/releases/upgrade/add/",
    ):
        assert client.get(url).status_code == 200, url


def test_admin_plans_an_upgrade(client_for, staff, customer_a):
    from releases.models import Upgrade

    rows = load_table(staff)
    start, end = weeknight(21)
    response = client_for(staff).post(
        "/admin/releases/upgrade/add/",
        {
            "partner": customer_a.partner.pk,
            "customers": [customer_a.pk],
            "target": rows["15.0 SU2"].pk,
            "reason": "security_vulnerability",
            "advisory": "cisco-sa-cucm-2026-0001",
            "start_0": start.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d"),
            "start_1": start.astimezone(timezone.get_current_timezone()).strftime("%H:%M:%S"),
            "end_0": end.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d"),
            "end_1": end.astimezone(timezone.get_current_timezone()).strftime("%H:%M:%S"),
            "application_list": ["CUCM"],
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    upgrade = Upgrade.objects.get()
    assert upgrade.change.kind == "upgrade" and upgrade.applications == ["CUCM"]


def test_upgrade_page_shows_the_reason_with_its_advisory_r_mnt_7(
    client_for, alice, staff, customer_a
):
    from .factories import ADVISORY

    rows = load_table(staff)
    upgrade = plan_upgrade(customer_a, staff, rows["15.0 SU2"])
    html = client_for(alice).get(f"/releases/upgrades/{upgrade.pk}/").content.decode()
    assert "Security vulnerability" in html and ADVISORY in html
