"""``GET /metrics`` in the Prometheus text format, for the operator's monitoring.

Request rates and latencies come from ``django-prometheus``'s middleware; the domain gauges
that matter are computed at scrape time, each with one indexed query: notifications pending
and failed and the age of the oldest pending one (here), and whatever the apps register with
:func:`register_collector` (the cases app: unacknowledged breached cases by severity), plus the
last run of every periodic job (duration, seconds since it finished).

The endpoint answers only to ``Authorization: Bearer <METRICS_TOKEN>``; without the setting it
does not exist (404), so nothing is exposed by default.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from .choices import NotificationStatus

_collectors: list[Callable[[], Iterable[Metric]]] = []


def register_collector(collect: Callable[[], Iterable[Metric]]) -> None:
    """Apps add their domain gauges (called from ``AppConfig.ready``)."""
    if collect not in _collectors:
        _collectors.append(collect)


def _core_metrics() -> Iterable[Metric]:
    from .jobs import job_states
    from .models import Delivery as Notification

    by_status = dict(
        Notification.objects.values_list("status").annotate(n=Count("id")).order_by()
    )
    gauge = GaugeMetricFamily(
        "portal_notifications", "Outbox rows by delivery status", labels=["status"]
    )
    for status in (NotificationStatus.PENDING, NotificationStatus.FAILED):
        gauge.add_metric([str(status)], by_status.get(status, 0))
    yield gauge
    oldest = Notification.objects.filter(status=NotificationStatus.PENDING).aggregate(
        oldest=Min("created_at")
    )["oldest"]
    yield GaugeMetricFamily(
        "portal_notification_oldest_pending_seconds",
        "Age of the oldest pending notification (0 when none waits)",
        value=(timezone.now() - oldest).total_seconds() if oldest else 0.0,
    )
    duration = GaugeMetricFamily(
        "portal_job_last_duration_seconds", "Duration of the last run of a periodic job",
        labels=["job"],
    )
    since = GaugeMetricFamily(
        "portal_job_seconds_since_finished",
        "Seconds since the last finished run of a periodic job (-1: never ran)",
        labels=["job"],
    )
    stale = GaugeMetricFamily(
        "portal_job_stale", "1 when a job has not finished for three of its periods",
        labels=["job"],
    )
    now = timezone.now()
    for state in job_states(now=now):
        duration.add_metric([state.name], (state.last_duration_ms or 0.0) / 1000)
        since.add_metric(
            [state.name],
            (now - state.last_finished_at).total_seconds() if state.last_finished_at else -1,
        )
        stale.add_metric([state.name], 1.0 if state.stale else 0.0)
    yield duration
    yield since
    yield stale


class _DomainCollector:
    def collect(self) -> Iterable[Metric]:
        yield from _core_metrics()
        for collect in _collectors:
            yield from collect()


def _authorised(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    scheme, _sep, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_TOKEN or request.method != "GET":
        raise Http404
    if not _authorised(request):
        response = HttpResponse("unauthorised\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    domain = CollectorRegistry(auto_describe=False)
    domain.register(_DomainCollector())
    body = generate_latest(REGISTRY) + generate_latest(domain)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
