"""A per-partner limit on the requests that write to the operator's teams (change management,
on-call): one partner's script or a stuck button cannot flood them.

Fixed one-hour windows counted in the cache (Redis in production, shared by every web
process): the ``PARTNER_REQUESTS_PER_HOUR``-th request of a window passes, the next is refused
with :class:`RateLimited` until the window ends. Services call :func:`partner_request_check`
inside their transaction, before they write, so a refused request leaves nothing behind.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError

WINDOW_SECONDS = 3600


class RateLimited(DomainError):
    """Too many requests of one partner in this hour; ``retry_after`` seconds to wait."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def partner_request_check(*, partner_id: int | None, now: datetime | None = None) -> None:
    """Count one request of ``partner_id`` and refuse it beyond the hourly limit."""
    limit = settings.PARTNER_REQUESTS_PER_HOUR
    if not limit or partner_id is None:
        return
    now = now or timezone.now()
    epoch = int(now.timestamp())
    window = epoch // WINDOW_SECONDS
    key = f"portal:partner-requests:{partner_id}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: count this one as the first
        cache.set(key, 1, timeout=WINDOW_SECONDS + 60)
        count = 1
    if count > limit:
        retry_after = (window + 1) * WINDOW_SECONDS - epoch
        raise RateLimited(
            _(
                "Your partner sent %(limit)s requests to the operator in the last hour, the "
                "most allowed. Try again in %(minutes)s minutes, or call the TAC if it is urgent."
            )
            % {"limit": limit, "minutes": max(1, round(retry_after / 60))},
            retry_after=retry_after,
        )
