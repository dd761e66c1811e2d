"""The operator console's index: every partner at a glance, in a constant number of queries."""

import pytest

from tests.factories import CustomerFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def test_staff_see_every_partner_with_figures(client_for, staff, customer_a, customer_b):
    page = client_for(staff).get("/admin/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Partners at a glance" in html
    assert "Acme Telecom" in html and "Borealis Networks" in html
    assert "Open cases" in html


def test_overview_query_count_does_not_grow_with_partners(
    client_for, staff, django_assert_max_num_queries
):
    client = client_for(staff)
    for _n in range(3):
        CustomerFactory(partner=PartnerFactory())
    client.get("/admin/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/admin/")
    for _n in range(20):
        CustomerFactory(partner=PartnerFactory())
    with CaptureQueriesContext(connection) as many:
        client.get("/admin/")
    assert len(many) == len(few)


def test_partners_cannot_open_the_console(client_for, alice):
    response = client_for(alice).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response.url


def _sidebar(html: str) -> str:
    start = html.index('id="nav-sidebar"')
    return html[start : html.index("</nav>", start)]


def test_the_sidebar_follows_a_change_of_the_staff_user_s_permissions(client_for, customer_a):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_case"))
    client = client_for(clerk)
    sidebar = _sidebar(client.get("/admin/cases/case/").content.decode())
    assert "/admin/cases/case/" in sidebar and "/admin/portal/partner/" not in sidebar
    clerk.user_permissions.add(Permission.objects.get(codename="view_partner"))
    sidebar = _sidebar(client.get("/admin/cases/case/").content.decode())
    assert "/admin/portal/partner/" in sidebar  # the list is not the one built before


def test_the_sidebar_is_built_once_per_user_and_language(
    client_for, staff, customer_a, monkeypatch
):
    from django.contrib import admin

    built = []
    build = admin.AdminSite._build_app_dict

    def counting(self, request, label=None):
        built.append(label)
        return build(self, request, label)

    monkeypatch.setattr(admin.AdminSite, "_build_app_dict", counting)
    admin.site._app_lists.clear()
    client = client_for(staff)
    english = _sidebar(client.get("/admin/cases/case/").content.decode())
    assert _sidebar(client.get("/admin/cases/case/").content.decode()) == english
    client.get("/admin/portal/partner/")
    portuguese = _sidebar(
        client.get("/admin/cases/case/", HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()
    )
    assert built == [None, None]  # once in English, once in Portuguese
    assert "Casos" in portuguese and "Casos" not in english


def test_the_rendered_sidebar_is_djangos_own_with_the_page_s_entry_marked(
    client_for, staff, customer_a
):
    """The sidebar rendered once per app list and marked entry is exactly what Django's own
    template renders for that page: the model of a list or of one object's page is marked,
    another model's page marks that one instead."""
    from pathlib import Path

    import django.contrib.admin
    from django.contrib import admin
    from django.template import engines
    from django.test import RequestFactory

    from cases.models import Case
    from tests.cases.factories import CaseFactory

    # Django's own template, read from the admin app (the portal's copy must not drift).
    djangos = (
        Path(django.contrib.admin.__file__).parent / "templates/admin/nav_sidebar.html"
    ).read_text()
    template = engines["django"].from_string(djangos)
    case = CaseFactory(customer=customer_a)
    admin.site._sidebars.clear()
    client = client_for(staff)
    pages = [
        "/admin/cases/case/",
        f"/admin/cases/case/{case.pk}/change/",
        "/admin/portal/partner/",
        "/admin/cases/case/",
    ]
    for path in pages:
        shown = _sidebar(client.get(path).content.decode())
        request = RequestFactory().get(path)
        request.user = staff
        own = template.render(
            {"available_apps": admin.site.get_app_list(request), "request": request}
        )
        assert shown == _sidebar(own), path
        marked = "/admin/portal/partner/" if "partner" in path else "/admin/cases/case/"
        assert f'<a href="{marked}" aria-current="page">' in shown
    assert Case.objects.count() == 1
    assert len(admin.site._sidebars) == 2  # the case pages share one rendering


def test_a_page_without_the_admin_context_keeps_no_sidebar(rf, staff):
    """A template that includes the sidebar without ``available_apps`` renders it from its
    own context and leaves nothing in the cache for the admin's pages to be served."""
    from django.contrib import admin
    from django.template import engines

    admin.site._sidebars.clear()
    request = rf.get("/admin/")
    request.user = staff
    html = (
        engines["django"]
        .from_string('{% include "admin/nav_sidebar.html" %}')
        .render({"request": request})
    )
    assert 'id="nav-sidebar"' in html and "You don’t have permission" in html
    assert not admin.site._sidebars


def test_the_rendered_sidebars_kept_are_bounded_least_recently_used_first(
    client_for, staff, monkeypatch
):
    from django.contrib import admin

    monkeypatch.setattr(admin.site, "_SIDEBARS_MAX", 2)
    admin.site._sidebars.clear()
    client = client_for(staff)
    client.get("/admin/cases/case/")
    client.get("/admin/portal/partner/")
    client.get("/admin/cases/case/")  # used again: the partner page's is now the oldest
    client.get("/admin/portal/contact/")
    kept = [marked for _key, marked in admin.site._sidebars]
    assert len(kept) == 2
    assert any("/admin/cases/case/" in m for m in kept)
    assert not any("/admin/portal/partner/" in m for m in kept)
