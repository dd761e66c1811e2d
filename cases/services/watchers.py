"""Who hears of a case besides the subscribed contacts: its reporting contact and the
watchers a partner adds (R-CASE-1, R-NOT-1). Both are contacts of the case's partner; a
customer's own contact only on that customer's cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import DomainError, raise_violation
from portal.models import Contact
from portal.tenancy import require_partner_of

from .. import rules
from ..choices import EventKind
from ..models import Case, CaseWatcher
from ._common import _event, _locked


def check_case_contact(
    *, contact: Contact | int | None, case_partner_id: int, case_customer_id: int, field: str
) -> Contact | None:
    """The contact (or its id) if it may hear of a case of this partner and customer; a
    DomainError on ``field`` otherwise (an unknown id reads like another partner's)."""
    if contact is None or contact == "":
        return None
    if not isinstance(contact, Contact):
        found = Contact.objects.filter(pk=contact).first()
        if found is None:
            raise DomainError(_("This contact does not exist."), field=field, rule="R-NOT-1")
        contact = found
    raise_violation(
        rules.case_contact_violation(
            field=field,
            contact_partner_id=contact.partner_id,
            contact_customer_id=contact.customer_id,
            case_partner_id=case_partner_id,
            case_customer_id=case_customer_id,
        )
    )
    return contact


def _require_case_partner(actor: Any, case: Case) -> None:
    # Staff act for every partner, a partner user (admin or engineer) for its own cases.
    require_partner_of(actor, case.partner_id, message=_("This case does not exist."), field="case")


@transaction.atomic
def case_watcher_add(
    *, actor: Any, case: Case, contact: Contact | int, now: datetime | None = None
) -> CaseWatcher:
    """A contact of the partner starts to watch the case: it receives the case's messages.
    Adding a contact that already watches changes nothing."""
    _require_case_partner(actor, case)
    now = now or timezone.now()
    case = _locked(case)
    contact = check_case_contact(
        contact=contact,
        case_partner_id=case.partner_id,
        case_customer_id=case.customer_id,
        field="contact",
    )
    assert contact is not None
    watcher, created = CaseWatcher.objects.get_or_create(
        case=case,
        contact=contact,
        defaults={
            "added_by": actor if getattr(actor, "is_authenticated", False) else None,
            "added_at": now,
        },
    )
    if created:
        _event(
            case,
            EventKind.WATCHER_ADDED,
            user=actor,
            at=now,
            to_value=contact.name,
            data={"contact": contact.pk},
        )
    return watcher


@transaction.atomic
def case_watcher_remove(
    *, actor: Any, case: Case, contact: Contact | int, now: datetime | None = None
) -> None:
    """The contact stops watching the case; one that does not watch it is refused."""
    _require_case_partner(actor, case)
    now = now or timezone.now()
    case = _locked(case)
    contact_id = contact.pk if isinstance(contact, Contact) else contact
    watcher = (
        CaseWatcher.objects.select_related("contact")
        .filter(case=case, contact_id=contact_id)
        .first()
    )
    if watcher is None:
        raise DomainError(
            _("This contact does not watch the case."), field="contact", rule="R-NOT-1"
        )
    name = watcher.contact.name
    watcher.delete()
    _event(
        case,
        EventKind.WATCHER_REMOVED,
        user=actor,
        at=now,
        from_value=name,
        data={"contact": contact_id},
    )
