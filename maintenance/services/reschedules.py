"""Reschedule requests from partners and the alternatives offered (R-MNT-5).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.calendars import calendar_spec_for_region
from portal.errors import DomainError, raise_violation
from portal.models import Customer

from .. import rules
from ..choices import (
    ChangeStatus,
    NoticeKind,
    RescheduleStatus,
)
from ..models import (
    Change,
    RescheduleAlternative,
    RescheduleRequest,
)
from ..windows import window_containing
from ._common import (
    _lock,
    _regions,
    _require_partner_of,
    _require_staff,
    _send,
    _stamp,
    _tell_change_management,
    validate_schedule,
)
from .campaigns import campaign_room_violation
from .changes import change_plan

# --- reschedule requests (R-MNT-5) -------------------------------------------------------------


@transaction.atomic
def reschedule_request_create(
    *, actor: Any, change: Change, reason: str, now: datetime | None = None
) -> RescheduleRequest:
    """A partner asks to move a notified change; refused after the deadline, without a
    reason, or for urgent and emergency changes (R-MNT-5)."""
    _require_partner_of(actor, change.partner_id)
    now = now or timezone.now()
    change = _lock(change)
    if change.status != ChangeStatus.NOTIFIED:
        raise DomainError(
            _("Only a notified change that has not started can be rescheduled."),
            rule="R-MNT-5",
        )
    raise_violation(
        rules.reschedule_violation(
            kind=change.kind,
            urgent=change.urgent,
            notice_sent_at=change.notice_sent_at,
            now=now,
            reason=reason,
        )
    )
    if change.reschedule_requests.filter(
        status__in=rules.OPEN_RESCHEDULE_STATUSES
    ).exists():
        raise DomainError(_("This change already has an open reschedule request."), rule="R-MNT-5")
    try:
        with transaction.atomic():
            request = RescheduleRequest.objects.create(
                change=change, reason=reason.strip(), requested_by=actor
            )
    except IntegrityError:
        raise DomainError(
            _("This change already has an open reschedule request."), rule="R-MNT-5"
        ) from None
    _tell_change_management(
        kind="operator.reschedule_requested",
        context={"title": change.title, "reason": reason},
        related=request,
        dedupe_key=f"reschedule:{request.pk}:requested",
    )
    return request


def _alternative_check(
    change: Change,
    members: Sequence[Customer],
    start: datetime,
    end: datetime,
    now: datetime,
    holidays: dict[str, frozenset],
) -> str:
    """Every rule of the change itself, for one alternative (R-MNT-5 Decision): in the future,
    inside one window of every region (weekend only for infrastructure and upgrades), R-MNT-4
    notice counted from now, not on a holiday of a customer's calendar, free of the customers'
    other changes and freeze periods (R-MNT-14), a renewal still in its band. Returns the window kind; raises on the
    ``alternatives`` field otherwise."""
    try:
        raise_violation(rules.interval_violation(start, end))
        if start <= now:
            raise DomainError(
                _("Alternatives must lie in the future."), field="alternatives", rule="R-MNT-5"
            )
        validate_schedule(
            kind=change.kind,
            customers=members,
            start=start,
            end=end,
            sme_publisher_region=change.sme_publisher_region,
            notice_at=now,
            exclude_change_id=change.pk,
            allow_weekend=rules.kind_may_be_offered_weekend(change.kind),
            interrupts_calling=change.interrupts_calling,
        )
        for certificate in change.certificates.all():
            raise_violation(
                rules.certificate_renewal_violation(expires_at=certificate.expires_at, start=start)
            )
        # R-MNT-13: a campaign's change moves only to a window of its campaign with room.
        room = campaign_room_violation(change=change, start=start, end=end)
        if room is not None:
            raise DomainError(room[1], field="alternatives", rule=room[0])
        kind = ""
        for region in _regions(members, change.sme_publisher_region):
            window = window_containing(region, start, end)
            assert window is not None  # validate_schedule checked it
            kind = kind or window.kind
        for customer in members:
            window = window_containing(
                rules.effective_region(customer.region, change.sme_publisher_region), start, end
            )
            assert window is not None
            raise_violation(
                rules.holiday_violation(night=window.night, holidays=holidays[customer.region])
            )
        return kind
    except DomainError as exc:
        # Shown on the list of alternatives, whatever field the rule names for a change.
        raise DomainError(exc.message, field="alternatives", rule=exc.rule) from None


def _holidays_by_region(members: Sequence[Customer]) -> dict[str, frozenset]:
    return {
        region: calendar_spec_for_region(region).holidays
        for region in sorted({c.region for c in members})
    }


def reschedule_alternatives_for(
    *, change: Change, now: datetime | None = None, weekday: int = 3, weekend: int = 2
) -> list[tuple[datetime, datetime]]:
    """The next windows staff may offer for a reschedule (R-MNT-5), for all the change's
    customers: up to ``weekday`` weekday windows and, for infrastructure changes and upgrades
    only, ``weekend`` weekend windows, each satisfying the change's own rules (see
    ``_alternative_check``). The change keeps its length (capped to the window)."""
    now = now or timezone.now()
    members = list(change.customers.order_by("name"))
    if not members:
        return []
    holidays = _holidays_by_region(members)
    length = change.end - change.start if change.start and change.end else timedelta(hours=1)
    region = _regions(members, change.sme_publisher_region)[0]
    want = {
        "weekday": weekday,
        "weekend": weekend if rules.kind_may_be_offered_weekend(change.kind) else 0,
    }
    found: list[tuple[datetime, datetime]] = []
    for window in rules.alternative_windows(
        region, now, weekday=10**6, weekend=10**6, horizon=rules.ALTERNATIVES_SEARCH_HORIZON
    ):
        if not any(want.values()):
            break
        if want[window.kind] <= 0 or window.start == change.start:
            continue
        start, end = window.start, min(window.start + length, window.end)
        try:
            _alternative_check(change, members, start, end, now, holidays)
        except DomainError:
            continue
        want[window.kind] -= 1
        found.append((start, end))
    return found


@transaction.atomic
def reschedule_offer_alternatives(
    *,
    actor: Any,
    request: RescheduleRequest,
    alternatives: Sequence[tuple[datetime, datetime]] | None = None,
    note: str = "",
    now: datetime | None = None,
) -> RescheduleRequest:
    """Staff answer with alternative windows for the partner to pick (R-MNT-5). Without
    ``alternatives``, the next ones of ``reschedule_alternatives_for`` are offered. Every
    alternative satisfies the change's own rules (DOMAIN.md's Decision in R-MNT-5)."""
    _require_staff(actor)
    now = now or timezone.now()
    request = (
        RescheduleRequest.objects.select_for_update().select_related("change").get(pk=request.pk)
    )
    if request.status not in rules.OPEN_RESCHEDULE_STATUSES:
        raise DomainError(_("This request is already answered."), field="status", rule="R-MNT-5")
    change = request.change
    if alternatives is None:
        alternatives = reschedule_alternatives_for(change=change, now=now)
        if not alternatives:
            raise DomainError(
                _("No window in the coming weeks satisfies this change's rules."),
                field="alternatives",
                rule="R-MNT-5",
            )
    if not alternatives:
        raise DomainError(_("Offer at least one alternative window."), field="alternatives")
    members = list(change.customers.order_by("name"))
    holidays = _holidays_by_region(members)
    rows = []
    for start, end in alternatives:
        window_kind = _alternative_check(change, members, start, end, now, holidays)
        rows.append(
            RescheduleAlternative(request=request, start=start, end=end, window_kind=window_kind)
        )
    request.alternatives.all().delete()
    RescheduleAlternative.objects.bulk_create(rows)
    request.status = RescheduleStatus.ALTERNATIVES_OFFERED
    request.staff_note = note
    request.answered_at = now
    request.save()
    _send(
        change,
        kind=NoticeKind.NOTICE,
        event_key=f"reschedule:{request.pk}:alternatives:{_stamp(now)}",
        headline=_("Alternative windows offered"),
        extra="\n".join(f"- {row}" for row in rows) + (f"\n\n{note}" if note else ""),
        message="change.alternatives_offered",
        values={
            "alternatives": [[row.start.isoformat(), row.end.isoformat()] for row in rows],
            "note": note or "",
        },
        now=now,
    )
    return request


@transaction.atomic
def reschedule_choose(
    *, actor: Any, request: RescheduleRequest, alternative_id: int, now: datetime | None = None
) -> RescheduleRequest:
    """The partner picks one of the offered windows; the change moves there (R-MNT-5)."""
    _require_partner_of(actor, request.change.partner_id)
    now = now or timezone.now()
    request = RescheduleRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RescheduleStatus.ALTERNATIVES_OFFERED:
        raise DomainError(_("There is no offer to choose from."), field="status", rule="R-MNT-5")
    alternative = request.alternatives.filter(pk=alternative_id).first()
    if alternative is None:
        raise DomainError(_("Choose one of the offered windows."), field="alternative")
    if alternative.start <= now:
        raise DomainError(_("This window has already begun."), field="alternative")
    try:
        change_plan(
            actor=None,
            change=request.change,
            start=alternative.start,
            end=alternative.end,
            now=now,
            allow_weekend=True,
            check_notice=False,
            within_campaign=True,
        )
    except DomainError as exc:
        # E.g. a freeze period declared since the offer (R-MNT-14): shown on the choice.
        raise DomainError(exc.message, field="alternative", rule=exc.rule) from None
    request.status = RescheduleStatus.ACCEPTED
    request.chosen = alternative
    request.save()
    return request


@transaction.atomic
def reschedule_close(
    *, actor: Any, request: RescheduleRequest, decline: bool, note: str = "", now=None
) -> RescheduleRequest:
    """Staff decline a request, or the partner withdraws its own."""
    if decline:
        _require_staff(actor)
    else:
        _require_partner_of(actor, request.change.partner_id)
    request = RescheduleRequest.objects.select_for_update().get(pk=request.pk)
    if request.status not in rules.OPEN_RESCHEDULE_STATUSES:
        raise DomainError(_("This request is already closed."), field="status")
    request.status = RescheduleStatus.DECLINED if decline else RescheduleStatus.WITHDRAWN
    if note:
        request.staff_note = note
    request.answered_at = now or timezone.now()
    request.save()
    return request
