"""Portal pages of the core: login, dashboard, customers, languages."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_require_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_partner_logs_in_and_sees_the_dashboard(client, alice):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "password"}, follow=True
    )
    assert response.status_code == 200
    assert b"Dashboard" in response.content and b"Acme Telecom" in response.content


def test_staff_are_sent_to_the_admin(client_for, staff):
    response = client_for(staff).get("/")
    assert response.status_code == 302 and response.url == reverse("admin:index")


def test_no_partner_can_reach_the_admin(client_for, alice):
    response = client_for(alice).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_customer_list_and_detail_are_scoped(client_for, alice, charlie, customer_a, customer_b):
    page = client_for(alice).get("/customers/")
    assert b"Alpha Bank" in page.content and b"Beta Retail" not in page.content
    assert client_for(alice).get(f"/customers/{customer_a.pk}/").status_code == 200
    assert client_for(charlie).get(f"/customers/{customer_a.pk}/").status_code == 404


def test_language_switch_to_brazilian_portuguese(client_for, alice):
    client = client_for(alice)
    response = client.post(
        "/i18n/setlang/", {"language": "pt-br", "next": "/customers/"}, follow=True
    )
    assert response.status_code == 200
    assert b'lang="pt-br"' in response.content
    assert b"Clientes" in response.content


def test_the_api_docs_and_schema_are_served_without_internet(client_for, alice):
    client = client_for(alice)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"openapi: 3" in schema.content
    docs = client.get("/api/docs/")
    assert (
        docs.status_code == 200
        and b"//cdn" not in docs.content
        and b"/static/drf_spectacular_sidecar/" in docs.content
    )


def test_drf_create_token_prints_a_token(alice):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("drf_create_token", "alice", stdout=out)
    assert "Generated token" in out.getvalue()
