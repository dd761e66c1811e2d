"""Health of the portal for load balancers and monitoring: ``/health/live`` and
``/health/ready``.

Both answer JSON ``{"status": "ok" | "fail", "checks": {name: {"ok": bool, ...}}}`` with 200 or
503, need no login, are not throttled (plain views, outside the API) and say nothing secret:
a failed check names the kind of error, never a URL, a host or a password.

Readiness means that this process can do its work: the database answers and its migrations
are applied, the broker and the cache answer, and no periodic job is stale (beat and the
workers are alive: the escalation sweep first, see portal/jobs.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import jobs

logger = logging.getLogger(__name__)

_migrations_applied = False  # once applied, they stay applied for this process


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = {"ok": True, **check()}
    except Exception as exc:  # noqa: BLE001 - a failing dependency is an answer, not a 500
        logger.warning("health check %s failed: %s", check.__name__, exc)
        result = {"ok": False, "error": type(exc).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check_database() -> dict[str, Any]:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_migrations() -> dict[str, Any]:
    global _migrations_applied
    if not _migrations_applied:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            return {"ok": False, "pending": len(pending)}
        _migrations_applied = True
    return {}


def check_broker() -> dict[str, Any]:
    from .celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return {}


def check_cache() -> dict[str, Any]:
    key = "portal:health"
    cache.set(key, "1", timeout=30)
    if cache.get(key) != "1":
        return {"ok": False, "error": "CacheReadBack"}
    return {}


def check_jobs() -> dict[str, Any]:
    states = jobs.job_states(now=timezone.now())
    stale = [s.name for s in states if s.stale]
    return {"ok": not stale, "stale": stale}


READY_CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": check_database,
    "migrations": check_migrations,
    "broker": check_broker,
    "cache": check_cache,
    "jobs": check_jobs,
}


def _answer(checks: dict[str, dict[str, Any]]) -> JsonResponse:
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503
    )


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """The process is up and serves requests."""
    return _answer({"process": {"ok": True}})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """The process can do its work (see the module docstring)."""
    return _answer({name: _timed(check) for name, check in READY_CHECKS.items()})
