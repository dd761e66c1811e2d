"""The partner's calendar feed: get or create, rotate its token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Partner
from portal.tenancy import (
    is_operator,
    is_partner_admin,
)

from ..models import (
    CalendarFeed,
)
from ._common import _require_partner_of

# --- certificates inventory, calendar feed -----------------------------------------------------


def calendar_feed_get_or_create(*, partner: Partner) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(partner=partner)
    return feed


@transaction.atomic
def calendar_feed_rotate(
    *,
    actor: Any,
    partner: Partner,
    include_windows: bool | None = None,
    now: datetime | None = None,
):
    """A new secret token: the old feed URL stops working at once, for every colleague who
    subscribed to it, so only a partner administrator (or staff) may issue one."""
    _require_partner_of(actor, partner.pk)
    if not (is_operator(actor) or is_partner_admin(actor)):
        raise PermissionDenied(
            _(
                "Only an administrator of your partner can issue a new calendar address: "
                "it stops every colleague's subscription."
            )
        )
    from ..models import _new_token

    feed = calendar_feed_get_or_create(partner=partner)
    feed.token = _new_token()
    feed.rotated_at = now or timezone.now()
    if include_windows is not None:
        feed.include_windows = include_windows
    feed.save()
    return feed
