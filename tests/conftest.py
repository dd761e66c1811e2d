"""Shared fixtures: the named personas and clients.

Partner A: Alice (admin) and Bob (engineer). Partner B: Charlie, the outsider. Staff: the
operator's TAC engineer. Tests marked ``postgres`` run only on PostgreSQL, ``redis`` only with
a Redis broker.

``PORTAL_TEST_CLOCK`` (an ISO date-time with its offset, e.g. ``2027-03-26T20:30:00+00:00``)
starts the whole session at that instant, the clock ticking from there: the test databases, their
data migrations and every test see that date. CI runs the suite once on a Friday evening before
a weekend, a month end and a daylight-saving change, so a test that depends on today's date
fails there.
Tests that pin their own clock with ``time_machine`` keep working (travels nest).
"""

from __future__ import annotations

import os
from datetime import datetime

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from portal.choices import Category, Region, Role

from .factories import ContactFactory, CustomerFactory, PartnerFactory, UserFactory, partner_user

_session_clock: time_machine.travel | None = None


def _test_clock() -> datetime | None:
    raw = os.environ.get("PORTAL_TEST_CLOCK", "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise pytest.UsageError(f"PORTAL_TEST_CLOCK is not an ISO date-time: {raw!r}") from exc
    if moment.utcoffset() is None:
        raise pytest.UsageError(f"PORTAL_TEST_CLOCK needs an offset, e.g. +00:00: {raw!r}")
    return moment


def pytest_configure(config) -> None:
    # Runs in the controller and in every xdist worker, before the test databases are created.
    global _session_clock
    moment = _test_clock()
    if moment is not None and _session_clock is None:
        _session_clock = time_machine.travel(moment, tick=True)
        _session_clock.start()


def pytest_unconfigure(config) -> None:
    global _session_clock
    if _session_clock is not None:
        _session_clock.stop()
        _session_clock = None


def pytest_report_header(config) -> str | None:
    moment = _test_clock()
    return f"clock moved: the session starts at {moment.isoformat()}" if moment else None


def pytest_collection_modifyitems(config, items) -> None:
    on_postgres = settings.IS_POSTGRES
    on_redis = settings.CELERY_BROKER_URL.startswith("redis")
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)")
    skip_redis = pytest.mark.skip(reason="needs Redis (set CELERY_BROKER_URL=redis://…)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not on_redis:
            item.add_marker(skip_redis)


def _own_redis_cache(settings) -> None:
    """On Redis, each xdist worker takes its own database (clearing the cache is a FLUSHDB):
    one worker's tests cannot wipe another's throttle counters."""
    default = settings.CACHES["default"]
    if "redis" not in default["BACKEND"].lower():
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    base, _sep, db = default["LOCATION"].rpartition("/")
    own = f"{base}/{(int(db) if db.isdigit() else 1) + 1 + index}"
    if default["LOCATION"] != own:
        settings.CACHES = {"default": {**default, "LOCATION": own}}


@pytest.fixture(autouse=True)
def _portal_test_settings(settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.AXES_ENABLED = False
    settings.STAFF_2FA = False  # tests of the second factor turn it on
    settings.OIDC_ENABLED = False
    # R-NOT-4: webhook receivers of the tests listen on loopback; the guard's tests turn it off.
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _own_redis_cache(settings)
    cache.clear()  # throttling counters
    # A request in Portuguese leaves its language active in the thread: every test starts in
    # the default language, as a new request would.
    translation.activate(settings.LANGUAGE_CODE)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def partner_a(db):
    return PartnerFactory(name="Acme Telecom", slug="acme")


@pytest.fixture
def partner_b(db):
    return PartnerFactory(name="Borealis Networks", slug="borealis")


@pytest.fixture
def customer_a(partner_a):
    return CustomerFactory(partner=partner_a, name="Alpha Bank", region=Region.EMEA)


@pytest.fixture
def customer_b(partner_b):
    return CustomerFactory(partner=partner_b, name="Beta Retail", region=Region.AMER)


@pytest.fixture
def alice(partner_a):
    """Partner A's administrator."""
    return partner_user(partner_a, "alice", Role.ADMIN)


@pytest.fixture
def bob(partner_a):
    """Partner A's engineer."""
    return partner_user(partner_a, "bob", Role.ENGINEER)


@pytest.fixture
def charlie(partner_b):
    """Partner B's administrator: the outsider to partner A's data."""
    return partner_user(partner_b, "charlie", Role.ADMIN)


@pytest.fixture
def staff(db):
    """An operator TAC engineer."""
    user = UserFactory(username="tess", is_staff=True, is_superuser=True)
    return user


@pytest.fixture
def contact_a(partner_a):
    return ContactFactory(
        partner=partner_a,
        name="Acme NOC",
        email="noc@acme.example",
        categories=[
            Category.CASES,
            Category.MAINTENANCE_AND_OUTAGES,
            Category.CAPACITY,
            Category.RELEASES,
        ],
    )


@pytest.fixture
def api():
    """``api(user)`` gives an API client authenticated as ``user`` (None: anonymous)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def client_for():
    """``client_for(user)`` gives a Django test client logged in as ``user``."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make
