"""Who works a case: the owner of the operator's work queue (issue 14)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import DomainError
from portal.tenancy import is_operator

from ..choices import EventKind
from ..models import Case
from ._common import _event, _locked, _require_staff


def owner_display_name(user: Any) -> str:
    """How an owner is named on the timeline and to partners: the full name, else the user
    name (never the user id)."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@transaction.atomic
def case_assign(*, actor: Any, case: Case, owner: Any, now: datetime | None = None) -> Case:
    """Staff give a case to an operator engineer (``owner``), or back to the queue (``None``).

    The owner must be an active staff user. Assigning the current owner again changes
    nothing; every real change is an entry on the timeline ("assigned to …", "unassigned").
    """
    _require_staff(actor, rule="Actors", action=_("assign a case"))
    if owner is not None and not is_operator(owner):
        raise DomainError(
            _("A case can only be assigned to an active operator engineer."),
            field="owner",
            rule="Actors",
        )
    now = now or timezone.now()
    case = _locked(case)
    old = case.owner
    if (old.pk if old else None) == (owner.pk if owner else None):
        return case
    case.owner = owner
    case.save(update_fields=["owner", "updated_at"])
    _event(
        case,
        EventKind.ASSIGNMENT,
        user=actor,
        at=now,
        # Names, not user ids: partners read the timeline too.
        from_value=owner_display_name(old)[:30],
        to_value=owner_display_name(owner)[:30] if owner is not None else "",
        # No stored text: the timeline renders "Assigned to …" in the reader's language.
    )
    return case
