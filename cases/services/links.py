"""Links from other apps to cases (maintenance, capacity)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from portal.errors import DomainError

from ..models import Case

# --- links from other apps ---------------------------------------------------------------------


def case_link_check(*, user: Any, case_id: int | str | None, partner: Any = None) -> Case | None:
    """Validate a TAC case another app links to (maintenance, capacity): it must exist in the
    caller's scope and, when ``partner`` is given, belong to that partner. Returns the case
    (None when no id is given) or raises DomainError on the ``case`` field."""
    if case_id in (None, ""):
        return None
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise DomainError(_("This case does not exist."), field="case") from None
    case = Case.objects.for_user(user).filter(pk=pk).first()
    partner_id = getattr(partner, "pk", partner)
    if case is None or (partner_id is not None and case.partner_id != partner_id):
        raise DomainError(
            _("The linked case must be a case of the same partner."), field="case", rule="R-CAP-3"
        )
    return case


def cases_for_ids(ids: Iterable[int]) -> list[Case]:
    return list(Case.objects.filter(id__in=list(ids)))
