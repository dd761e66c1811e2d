"""Logs that an operator can search, and errors that reach Sentry.

- Every request gets a request id (the incoming ``X-Request-ID`` when it is a sane token, else
  a new one), answered in the ``X-Request-ID`` header.
- :class:`ContextFilter` adds ``request_id``, ``user``, ``partner`` and ``task`` to every log
  record, so that with ``LOG_FORMAT=json`` each line is one JSON object carrying them.
- :func:`init_sentry` sends errors of the web process and of the Celery workers to Sentry when
  ``SENTRY_DSN`` is set (no personal data is sent).
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_request: contextvars.ContextVar[Any] = contextvars.ContextVar("request", default=None)
_task: contextvars.ContextVar[str] = contextvars.ContextVar("task", default="")

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _user_and_partner() -> tuple[str, str]:
    """The request's user and partner, as far as the request has loaded them: logging never
    runs a query of its own."""
    request = _request.get()
    user = getattr(request, "_cached_user", None) if request is not None else None
    if user is None or not user.is_authenticated:
        return "", ""
    partner = getattr(user, "_portal_partner", None)
    return user.get_username(), str(partner.pk) if partner is not None else ""


class ContextFilter(logging.Filter):
    """Adds the request's and the task's context to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        record.user, record.partner = _user_and_partner()
        record.task = _task.get()
        return True


class RequestContextMiddleware:
    """Gives each request an id (answered in ``X-Request-ID``) and makes the request known to
    the log filter for as long as it runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        rid_token, request_token = _request_id.set(rid), _request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(rid_token)
            _request.reset(request_token)
        response["X-Request-ID"] = rid
        return response


def connect_celery_signals() -> None:
    """Name the running task in every log record of a worker."""
    from celery.signals import task_postrun, task_prerun

    def before(sender: Any = None, task: Any = None, **kwargs: Any) -> None:
        _task.set(getattr(task, "name", "") or getattr(sender, "name", ""))

    def after(**kwargs: Any) -> None:
        _task.set("")

    task_prerun.connect(before, weak=False)
    task_postrun.connect(after, weak=False)


def logging_config(*, log_format: str, level: str) -> dict:
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user)s "
            "%(partner)s %(task)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
        if log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "portal.observability.ContextFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "INFO"}},
    }


def init_sentry(dsn: str, *, environment: str, release: str | None = None) -> None:
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=0.0,
    )
