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


def test_the_viewer_is_read_once_per_request_with_partner_role_language_and_zone(alice, partner_a):
    """One query gives the middleware, the tenancy checks and the shown times what they need;
    a staff user without membership or profile gets no partner and the defaults."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal.middleware import language_for_user
    from portal.services import profile_update
    from portal.tenancy import partner_for, role_for
    from portal.timefmt import UTC, zone_for_user

    profile_update(user=alice, language="pt-br", time_zone="America/Sao_Paulo")
    fresh = get_user_model().objects.get(pk=alice.pk)
    with CaptureQueriesContext(connection) as queries:
        assert partner_for(fresh) == partner_a and partner_for(fresh).name == partner_a.name
        assert role_for(fresh) == "admin"
        assert language_for_user(fresh) == "pt-br"
        assert zone_for_user(fresh).key == "America/Sao_Paulo"
    assert len(queries) == 1
    staff = get_user_model().objects.create_user("tess-viewer", is_staff=True)
    assert partner_for(staff) is None and role_for(staff) is None
    assert language_for_user(staff) is None and zone_for_user(staff) == UTC
