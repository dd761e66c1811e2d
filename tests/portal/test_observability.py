"""Logs as JSON lines (LOG_FORMAT=json) carrying the request id, the user, the partner and the
task name, and a request id answered on every response."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from pythonjsonlogger.json import JsonFormatter

from portal.observability import (
    ContextFilter,
    RequestContextMiddleware,
    connect_celery_signals,
    logging_config,
)
from portal.tenancy import partner_for

pytestmark = pytest.mark.django_db


def _json_logger() -> tuple[logging.Logger, io.StringIO]:
    spec = logging_config(log_format="json", level="INFO")["formatters"]["default"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(spec["fmt"], rename_fields=spec["rename_fields"]))
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("tests.json")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_a_log_line_in_a_request_is_json_with_request_user_and_partner(alice, partner_a) -> None:
    logger, stream = _json_logger()
    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="req-1234567890")
    request._cached_user = alice
    partner_for(alice)  # the request has loaded the partner, as views do

    def view(req):
        logger.info("case opened")
        return HttpResponse("ok")

    response = RequestContextMiddleware(view)(request)
    line = json.loads(stream.getvalue().strip())
    assert line["message"] == "case opened" and line["level"] == "INFO"
    assert line["request_id"] == "req-1234567890" == response["X-Request-ID"]
    assert line["user"] == "alice" and line["partner"] == str(partner_a.pk)


def test_a_forged_request_id_is_replaced_and_every_response_carries_one(client) -> None:
    response = client.get("/health/live", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert len(response["X-Request-ID"]) == 32 and "\n" not in response["X-Request-ID"]


def test_a_worker_log_line_names_its_task() -> None:
    from celery.signals import task_postrun, task_prerun

    logger, stream = _json_logger()
    connect_celery_signals()

    class Task:
        name = "cases.tasks.escalation_sweep"

    task_prerun.send(sender=Task, task=Task)
    logger.info("sweep done")
    task_postrun.send(sender=Task, task=Task)
    assert json.loads(stream.getvalue().strip())["task"] == "cases.tasks.escalation_sweep"


def test_the_log_format_setting_refuses_an_unknown_value(monkeypatch) -> None:
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import portal.settings as project_settings

    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        importlib.reload(project_settings)
    monkeypatch.delenv("LOG_FORMAT")
    importlib.reload(project_settings)
