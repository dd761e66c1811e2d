"""Tenant isolation, proven generically: walk every API route and portal page of the URL conf.

The world is the demo data (every app contributes partner A = Acme and partner B = Borealis
rows). Charlie, partner B's administrator, calls every route with every HTTP method, with the
ids of partner A's objects in the URL and in the payload. Routes added later are walked
automatically. The test proves that:

1. no response to Charlie contains partner A's data (names, e-mails, ids of A's rows);
2. an API detail route of a tenant model answers 404 for A's object (never 200/403 that
   would confirm it exists);
3. nothing of partner A changes, whatever Charlie sends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

from portal.models import Contact, Customer, Partner

pytestmark = pytest.mark.django_db

SKIP_PREFIXES = ("admin/", "accounts/", "i18n/", "api/schema", "api/docs", "api/redoc", "static/")
# Secret-token URLs (the iCalendar feed) are reached by the token, not by login: their own
# tests prove a wrong token is a 404 and that a feed holds only its partner's changes.
SKIP_NAMES = {"feed"}
METHODS = ("get", "post", "put", "patch", "delete")
DENIED = {401, 403, 404, 405}
# The readiness probe answers 503 by design once beat has not run for three periods (a long
# test session, with no beat, gets there): that is its answer, not a server error.
DESIGNED_5XX = {"health-ready": 503}


@dataclass(frozen=True)
class Route:
    template: str  # e.g. "api/v1/cases/{pk}/acknowledge/"
    name: str
    callback: object

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.template)

    @property
    def is_api(self) -> bool:
        return self.template.startswith("api/")


def _pattern_to_template(pattern) -> str:
    raw = str(pattern.pattern)
    if raw.startswith("^") or raw.endswith("$"):  # a regex route (DRF routers)
        raw = raw.lstrip("^").rstrip("$")
        raw = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", raw)
        raw = raw.replace("\\.", ".")
    else:
        raw = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", raw)
    return raw


def iter_routes(patterns=None, prefix: str = "") -> Iterator[Route]:
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        template = prefix + _pattern_to_template(entry)
        if isinstance(entry, URLResolver):
            yield from iter_routes(entry.url_patterns, template)
        elif isinstance(entry, URLPattern):
            if (
                "{format}" in template
                or template.startswith(SKIP_PREFIXES)
                or entry.name in SKIP_NAMES
            ):
                continue
            yield Route(template=template, name=entry.name or "", callback=entry.callback)


def tenant_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if hasattr(m, "tenant_field")]


def api_model(route: Route, staff) -> type[models.Model] | None:
    """The model a DRF route serves, from its viewset's queryset."""
    cls = getattr(route.callback, "cls", None)
    if cls is None:
        return None
    queryset = getattr(cls, "queryset", None)
    if queryset is not None:
        return queryset.model
    try:
        from rest_framework.test import APIRequestFactory

        view = cls()
        view.request = view.initialize_request(APIRequestFactory().get("/"))
        view.request.user = staff
        view.action, view.kwargs, view.format_kwarg = "list", {}, None
        return view.get_queryset().model
    except Exception:  # noqa: BLE001 - a view that cannot say is treated as a portal page
        return None


def snapshot(partner: Partner) -> dict[str, list[tuple]]:
    """Every row of every tenant model that belongs to ``partner``, as plain values."""
    state = {}
    for model in tenant_models():
        rows = model._base_manager.all() if model is Partner else model.objects.for_partner(partner)
        if model is Partner:
            rows = rows.filter(pk=partner.pk)
        state[model._meta.label] = sorted(
            tuple(str(v) for v in row)
            for row in rows.values_list(*[f.attname for f in model._meta.concrete_fields])
        )
    return state


@pytest.fixture
def world(staff):
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    acme = Partner.objects.get(slug="acme")
    borealis = Partner.objects.get(slug="borealis")
    from django.contrib.auth import get_user_model

    charlie = get_user_model().objects.get(username="charlie")
    markers = {acme.name, *Customer.objects.filter(partner=acme).values_list("name", flat=True)}
    markers |= set(Contact.objects.filter(partner=acme).values_list("email", flat=True))
    ids_by_model = {
        m: list(m.objects.for_partner(acme).values_list("pk", flat=True)[:5])
        for m in tenant_models()
        if m is not Partner
    }
    ids_by_model[Partner] = [acme.pk]
    return {
        "acme": acme,
        "borealis": borealis,
        "charlie": charlie,
        "markers": markers,
        "ids": ids_by_model,
    }


def _values_for(route: Route, world, model) -> list[dict]:
    """URL kwargs to try: A's objects of the served model, or of every tenant model."""
    acme_customer = Customer.objects.filter(partner=world["acme"]).first()
    candidates: list[int] = []
    if model is not None and model in world["ids"]:
        candidates = world["ids"][model][:2]
    else:
        for ids in world["ids"].values():
            candidates.extend(ids[:1])
    out = []
    for value in dict.fromkeys(candidates):
        kwargs = {}
        for param in route.params:
            if param in ("customer_id", "customer_pk"):
                kwargs[param] = acme_customer.pk
            elif param == "year":
                kwargs[param] = 2027
            elif param == "month":
                kwargs[param] = 3
            else:
                kwargs[param] = value
        out.append(kwargs)
    return out


def _payload(world) -> dict:
    """A payload that names partner A's rows everywhere a foreign key could be."""
    acme = world["acme"]
    customer = Customer.objects.filter(partner=acme).first()
    payload = {model._meta.model_name: ids[0] for model, ids in world["ids"].items() if ids}
    payload.update(
        {
            "customer": customer.pk,
            "customers": [customer.pk],
            "partner": acme.pk,
            "name": "intruder",
            "title": "intruder",
            "reason": "intruder reason",
            "status": "closed",
            "severity": "S1",
            "note": "x",
        }
    )
    return payload


def _leaks(content: bytes, world, model, route: Route) -> list[str]:
    text = content.decode("utf-8", "replace")
    found = [m for m in world["markers"] if m and m in text]
    if route.is_api and model is not None and model in world["ids"] and text.startswith("{"):
        data = json.loads(text)
        rows = data.get("results") if isinstance(data, dict) else None
        if isinstance(rows, list):
            a_ids = set(world["ids"][model])
            found += [
                f"{model.__name__} id {r.get('id')}"
                for r in rows
                if isinstance(r, dict) and r.get("id") in a_ids
            ]
    return found


def test_the_walk_covers_every_app(staff):
    routes = list(iter_routes())
    prefixes = {r.template.split("/")[0] for r in routes}
    assert {
        "api",
        "cases",
        "maintenance",
        "capacity",
        "releases",
        "customers",
        "contacts",
    } <= prefixes
    assert len(routes) > 30


def test_partner_b_never_sees_or_changes_partner_a_data(world, staff, api, client_for):
    charlie = world["charlie"]
    before = snapshot(world["acme"])
    api_client, web_client = api(charlie), client_for(charlie)
    problems: list[str] = []
    walked = 0
    for route in iter_routes():
        model = api_model(route, staff) if route.is_api else None
        kwarg_sets = _values_for(route, world, model) if route.params else [{}]
        for kwargs in kwarg_sets:
            url = "/" + route.template.format(**kwargs)
            for method in METHODS:
                if route.is_api and method == "get":
                    # A list is filtered by partner A's ids (list filters must not leak); a
                    # detail is fetched plainly (its answer must be a 404).
                    response = api_client.get(url, None if route.params else _payload(world))
                elif route.is_api:
                    response = getattr(api_client, method)(url, _payload(world), format="json")
                else:
                    response = getattr(web_client, method)(
                        url, _payload(world) if method == "post" else None
                    )
                walked += 1
                status = response.status_code
                if status >= 500 and DESIGNED_5XX.get(route.name) != status:
                    problems.append(f"{method.upper()} {url}: server error {status}")
                    continue
                body = getattr(response, "content", b"")
                leaks = _leaks(body, world, model, route)
                if leaks:
                    problems.append(f"{method.upper()} {url}: shows partner A data {leaks[:3]}")
                tenant_detail = (
                    route.is_api and route.params and model in world["ids"] and model is not Partner
                )
                if tenant_detail and status not in DENIED:
                    problems.append(
                        f"{method.upper()} {url}: {status} for partner A's {model.__name__}, expected 404"
                    )
    assert walked > 100
    assert not problems, "\n".join(problems)
    assert snapshot(world["acme"]) == before, "partner B changed partner A's data"


def test_lists_show_the_partner_its_own_data(world, api):
    """The walk above is not vacuous: the same lists show Alice her own rows."""
    from django.contrib.auth import get_user_model

    alice = get_user_model().objects.get(username="alice")
    response = api(alice).get("/api/v1/customers/")
    assert {r["name"] for r in response.json()["results"]} & world["markers"]
