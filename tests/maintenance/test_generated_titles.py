"""Titles and descriptions the system writes are rendered in the reader's language (issue 12).

A certificate renewal planned by the daily scan stores its kind and values, not English text:
the same change reads "Certificate renewal: …" in English and "Renovação de certificado: …"
in Portuguese on the portal page, in the API (profile language or Accept-Language), in the
admin and in the calendar feed. Existing rows are migrated from either rendering.
"""

from __future__ import annotations

import importlib
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import translation

from maintenance import services
from maintenance.choices import ChangeKind, ChangeTextKind
from maintenance.models import CalendarFeed, Change
from portal.models import UserProfile
from tests.factories import token_client

from .factories import CertificateFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)  # a Monday
EN = "Certificate renewal: cucm.alpha.example (CUCM)"
PT = "Renovação de certificado: cucm.alpha.example (CUCM)"

migration = importlib.import_module(
    "maintenance.migrations.0010_generated_titles_as_kind_and_values"
)


@pytest.fixture
def renewal(customer_a) -> Change:
    cert = CertificateFactory(
        customer=customer_a, common_name="cucm.alpha.example", expires_at=NOW + timedelta(days=10)
    )
    services.certificates_scan(now=NOW)
    cert.refresh_from_db()
    return cert.renewal_change


def test_a_renewal_stores_its_kind_and_values_not_text(renewal) -> None:
    assert renewal.title == "" and renewal.description == ""
    assert renewal.text_kind == ChangeTextKind.CERTIFICATE_RENEWAL
    assert renewal.text_params["name"] == "cucm.alpha.example"
    assert renewal.text_params["app"] == "CUCM"


def test_the_title_renders_in_the_active_language(renewal) -> None:
    assert renewal.display_title == EN
    assert renewal.display_description == "The certificate expires on 11 Mar 2027, 10:00 CET."
    with translation.override("pt-br"):
        assert renewal.display_title == PT
        assert str(renewal) == PT
        assert renewal.display_description == "O certificado expira em 11/03/2027 10:00 CET."


def test_a_typed_title_wins_over_the_rendered_one(renewal) -> None:
    renewal.title = "Renewal agreed with Alpha's team"
    with translation.override("pt-br"):
        assert renewal.display_title == "Renewal agreed with Alpha's team"


@time_machine.travel(NOW, tick=False)
def test_the_portal_page_shows_the_readers_language(client_for, bob, renewal) -> None:
    client = client_for(bob)
    assert EN in client.get(f"/maintenance/changes/{renewal.pk}/").content.decode()

    UserProfile.objects.update_or_create(user=bob, defaults={"language": "pt-br"})
    page = client_for(bob).get(f"/maintenance/changes/{renewal.pk}/").content.decode()
    assert PT in page and EN not in page


@time_machine.travel(NOW, tick=False)
def test_the_calendar_lists_it_in_the_readers_language(client_for, bob, renewal) -> None:
    UserProfile.objects.update_or_create(user=bob, defaults={"language": "pt-br"})
    page = client_for(bob).get("/maintenance/", {"year": 2027, "month": 3}).content.decode()
    assert PT in page


def test_the_api_title_follows_the_profile_language(api, bob, renewal) -> None:
    assert token_client(bob).get(f"/api/v1/changes/{renewal.pk}/").json()["title"] == EN

    UserProfile.objects.update_or_create(user=bob, defaults={"language": "pt-br"})
    body = token_client(bob).get(f"/api/v1/changes/{renewal.pk}/").json()
    assert body["title"] == PT
    assert body["description"].startswith("O certificado expira em")


def test_the_api_title_follows_accept_language_without_a_preference(api, staff, renewal) -> None:
    client = token_client(staff)
    assert client.get(f"/api/v1/changes/{renewal.pk}/").json()["title"] == EN
    answer = client.get(f"/api/v1/changes/{renewal.pk}/", HTTP_ACCEPT_LANGUAGE="pt-br")
    assert answer.json()["title"] == PT


def test_the_admin_lists_and_finds_it_in_the_staff_language(client_for, staff, renewal) -> None:
    client = client_for(staff)
    assert EN in client.get("/admin/maintenance/change/").content.decode()
    page = client.get("/admin/maintenance/change/", HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()
    assert PT in page
    detail = client.get(f"/admin/maintenance/change/{renewal.pk}/change/").content.decode()
    assert EN in detail

    for term in ("renewal", "renovação", "cucm.alpha"):
        found = client.get("/admin/maintenance/change/", {"q": term}).content.decode()
        assert EN in found, term
    assert EN not in client.get("/admin/maintenance/change/", {"q": "nothing"}).content.decode()


def test_the_calendar_feed_speaks_the_partners_language(client, partner_a, renewal) -> None:
    feed = CalendarFeed.objects.create(partner=partner_a)
    partner_a.language = "pt-br"
    partner_a.save()
    with time_machine.travel(NOW, tick=False):
        body = client.get(f"/maintenance/feed/{feed.token}.ics").content.decode()
    assert "Renovação de certificado" in body.replace("\r\n ", "")


def test_notices_of_the_renewal_carry_the_rendered_title(renewal) -> None:
    services.change_send_notice(actor=None, change=renewal, now=NOW)
    notice = renewal.notices.get()
    assert EN in notice.subject


@time_machine.travel(NOW, tick=False)
def test_the_renewal_s_notice_e_mail_carries_its_title_in_each_reader_s_language_r_mnt_4(
    partner_a, renewal
) -> None:
    """The e-mail of a generated change names it (its title is rendered, not stored): in
    English for an English contact, in Portuguese for a Portuguese one."""
    from portal.choices import Category
    from portal.notifications import render_delivery
    from tests.factories import ContactFactory
    from tests.outbox import deliveries

    ContactFactory(
        partner=partner_a,
        email="en@acme.example",
        language="en",
        categories=[Category.MAINTENANCE_AND_OUTAGES],
    )
    ContactFactory(
        partner=partner_a,
        email="pt@acme.example",
        language="pt-br",
        categories=[Category.MAINTENANCE_AND_OUTAGES],
    )
    services.change_send_notice(actor=None, change=renewal, now=NOW)
    sent = {d.recipient: render_delivery(d) for d in deliveries(kind="change.notice")}
    assert sent["en@acme.example"].subject.endswith(f": {EN}")
    assert "The certificate expires on 11 Mar 2027, 10:00 CET." in sent["en@acme.example"].text
    assert sent["pt@acme.example"].subject.endswith(f": {PT}")
    assert "Manutenção planejada" in sent["pt@acme.example"].subject
    assert "O certificado expira em 11/03/2027 10:00 CET." in sent["pt@acme.example"].html


@time_machine.travel(NOW, tick=False)
def test_the_change_page_lists_its_notices_in_the_reader_s_language_r_mnt_4(
    client_for, bob, renewal
) -> None:
    """A notice sent while English was active (a job, an English-speaking operator) is
    listed on the change's page in the reader's language, rendered from its kind."""
    with translation.override("en"):
        services.change_send_notice(actor=None, change=renewal, now=NOW)
    assert "Planned maintenance" in renewal.notices.get().subject  # the record, as sent

    url = f"/maintenance/changes/{renewal.pk}/"
    assert f"Planned maintenance: {EN}" in client_for(bob).get(url).content.decode()
    UserProfile.objects.update_or_create(user=bob, defaults={"language": "pt-br"})
    page = client_for(bob).get(url).content.decode()
    assert f"Manutenção planejada: {PT}" in page
    assert "Planned maintenance" not in page


# --- the data migration ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "title, description",
    [
        (EN, "The certificate expires on 11 Mar 2027, 10:00 CET."),
        (PT, "O certificado expira em 11/03/2027 10:00 CET."),
    ],
)
def test_the_migration_reads_renewals_in_either_language(title, description) -> None:
    new = migration.convert(
        kind=ChangeKind.CERTIFICATE_RENEWAL, title=title, description=description, region="EMEA"
    )
    assert new["title"] == "" and new["description"] == ""
    assert new["text_kind"] == "certificate_renewal"
    assert new["text_params"]["name"] == "cucm.alpha.example"
    assert datetime.fromisoformat(new["text_params"]["expires_at"]) == NOW + timedelta(days=10)


@pytest.mark.parametrize(
    "title, description",
    [
        ("Upgrade to v15.0 SU2", "Upgrade of CUCM, IMP to v15.0 SU2."),
        (
            "Atualização de versão para v15.0 SU2",
            "Atualização de versão de CUCM, IMP para v15.0 SU2.",
        ),
    ],
)
def test_the_migration_reads_upgrades_in_either_language(title, description) -> None:
    new = migration.convert(kind="upgrade", title=title, description=description, region="EMEA")
    assert new == {
        "title": "",
        "description": "",
        "text_kind": "upgrade",
        "text_params": {"release": "v15.0 SU2", "apps": ["CUCM", "IMP"]},
    }


def test_the_migration_keeps_what_a_person_typed() -> None:
    assert (
        migration.convert(
            kind="routine", title="Upgrade to v15.0 SU2", description="", region="EMEA"
        )
        is None
    )
    assert (
        migration.convert(
            kind="certificate_renewal",
            title="Renew the CUCM certificate",
            description="",
            region="EMEA",
        )
        is None
    )
    typed = migration.convert(
        kind="upgrade", title="Upgrade to v15.0 SU2", description="Agreed with the NOC.", region=""
    )
    assert typed["title"] == "" and typed["description"] == "Agreed with the NOC."


def test_the_migration_converts_stored_rows(partner_a, customer_a) -> None:
    from django.apps import apps as live_apps

    change = Change.objects.create(
        partner=partner_a,
        kind=ChangeKind.CERTIFICATE_RENEWAL,
        title=PT,
        description="O certificado expira em 11/03/2027 10:00 CET.",
        start=NOW + timedelta(days=5),
        end=NOW + timedelta(days=5, hours=2),
    )
    change.customers.set([customer_a])
    typed = Change.objects.create(
        partner=partner_a, kind=ChangeKind.ROUTINE, title="Database maintenance"
    )

    migration.forwards(live_apps, None)

    change.refresh_from_db()
    typed.refresh_from_db()
    assert (change.title, change.text_kind) == ("", "certificate_renewal")
    assert change.display_title == EN
    assert change.display_description == "The certificate expires on 11 Mar 2027, 10:00 CET."
    assert (typed.title, typed.text_kind) == ("Database maintenance", "")

    migration.backwards(live_apps, None)
    change.refresh_from_db()
    assert change.title == EN and change.text_kind == ""


def test_a_named_api_token_gets_the_title_in_the_profile_language(bob, renewal) -> None:
    from rest_framework.test import APIClient

    from portal.tokens import api_token_create

    UserProfile.objects.update_or_create(user=bob, defaults={"language": "pt-br"})
    _token, key = api_token_create(actor=bob, user=bob, name="automation")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(f"/api/v1/changes/{renewal.pk}/").json()["title"] == PT


def test_a_change_webhook_carries_the_title_in_the_partners_language(partner_a, renewal) -> None:
    from maintenance.services._common import change_webhook_data

    assert change_webhook_data(renewal)["title"] == EN
    partner_a.language = "pt-br"
    partner_a.save()
    renewal.refresh_from_db()
    assert change_webhook_data(renewal)["title"] == PT


@time_machine.travel(NOW, tick=False)
def test_the_admin_lists_the_notices_in_the_staff_language_with_zoned_times_r_mnt_4(
    client_for, staff, renewal
) -> None:
    with translation.override("en"):
        services.change_send_notice(actor=None, change=renewal, now=NOW)
    url = f"/admin/maintenance/change/{renewal.pk}/change/"
    page = client_for(staff).get(url).content.decode()
    assert f"Planned maintenance: {EN}" in page
    # the notice's time, with its zone
    assert re.search(r'sent_shown">\s*<p>1 Mar 2027, \d\d:\d\d [A-Z]{3,4}</p>', page)
    UserProfile.objects.update_or_create(user=staff, defaults={"language": "pt-br"})
    page = client_for(staff).get(url).content.decode()
    assert f"Manutenção planejada: {PT}" in page
    assert re.search(r'sent_shown">\s*<p>01/03/2027 \d\d:\d\d [A-Z]{3,4}</p>', page)
    assert "Planned maintenance" not in page and "Certificate renewal" not in page
