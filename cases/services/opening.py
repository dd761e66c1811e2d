"""Opening a case (R-CASE-1 … R-CASE-5, R-CASE-11)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import DomainError
from portal.models import Contact, Customer
from portal.tenancy import is_operator

from .. import rules
from ..choices import Channel, EventKind
from ..models import Case
from ._common import (
    _due_times,
    _escalation_dues,
    _event,
    _notify_case,
    _publish_case,
)
from .watchers import check_case_contact

# --- opening ----------------------------------------------------------------------------------


def _reporting_contact_by_email(customer: Customer, emails: list[str]) -> Contact | None:
    """The partner's contact (partner-wide or this customer's) with the first of ``emails``
    that one has: the person who reports is then known as a contact."""
    wanted = [e.strip().lower() for e in emails if (e or "").strip()]
    if not wanted:
        return None
    found: dict[str, Contact] = {}
    for c in Contact.objects.annotate(address=Lower("email")).filter(
        Q(customer__isnull=True) | Q(customer=customer),
        partner_id=customer.partner_id,
        address__in=wanted,
    ):
        # The customer's own contact before a partner-wide one with the same address.
        if c.email.lower() not in found or c.customer_id is not None:
            found[c.email.lower()] = c
    return next((found[e] for e in wanted if e in found), None)


@transaction.atomic
def case_open(
    *,
    user: Any,
    customer: Customer,
    title: str,
    description: str,
    category: str,
    urgency: str,
    contract_number: str,
    contact_name: str,
    contact_phone: str,
    contact_email: str,
    impact: str | None = None,
    affected_share: Decimal | float | str | None = None,
    channel: str = Channel.WEB,
    opened_at: datetime | None = None,
    reporting_contact: Contact | int | None = None,
    now: datetime | None = None,
) -> Case:
    """Open a case for one of the caller's customers (R-CASE-1 … R-CASE-8, R-CASE-11).

    ``reporting_contact`` is the partner's contact who reports the case (a partner-wide one
    or one of this customer's); its name, phone and e-mail fill the contact fields left
    blank. Without it, the partner's contact with the given contact e-mail, else with the
    opening user's e-mail, is taken when there is one. It receives the case's messages."""
    now = now or timezone.now()
    staff = is_operator(user)
    if not Customer.objects.for_user(user).filter(pk=customer.pk).exists():
        raise DomainError(_("This customer does not exist."), field="customer", rule="R-CASE-1")
    contact = check_case_contact(
        contact=reporting_contact,
        case_partner_id=customer.partner_id,
        case_customer_id=customer.pk,
        field="reporting_contact",
    )
    if contact is not None:
        contact_name = contact_name or contact.name
        contact_phone = contact_phone or contact.phone
        contact_email = contact_email or contact.email
    else:
        contact = _reporting_contact_by_email(customer, [contact_email, getattr(user, "email", "")])
    for name, value in (
        ("title", title),
        ("description", description),
        ("contact_name", contact_name),
        ("contact_phone", contact_phone),
        ("contact_email", contact_email),
    ):
        if not (value or "").strip():
            raise DomainError(
                _("This field is required to open a case."), field=name, rule="R-CASE-1"
            )
    if (contract_number or "").strip().upper() != customer.contract_number.strip().upper():
        raise DomainError(
            _(
                "The contract number does not match the customer's subscription or service "
                "contract."
            ),
            field="contract_number",
            rule="R-CASE-1",
        )
    stored_share = None
    if affected_share is not None:
        try:  # R-CASE-3: the level follows from the exact share, at any precision
            derived = rules.impact_for_share(affected_share)
        except (TypeError, ValueError):
            raise DomainError(
                _("The affected share must be a number between 0 and 1."),
                field="affected_share",
                rule="R-CASE-3",
            ) from None
        if impact and impact != derived:
            raise DomainError(
                _("The impact does not match the affected share."),
                field="impact",
                rule="R-CASE-3",
            )
        impact = derived
        stored_share = rules.share_for_storage(affected_share)
    if not impact:
        raise DomainError(
            _("Give the impact or the affected share."), field="impact", rule="R-CASE-3"
        )
    if channel == Channel.PHONE and not staff:
        raise DomainError(
            _("Only operator staff record phone-opened cases."),
            field="channel",
            rule="R-CASE-11",
        )
    if opened_at is not None and not staff:
        raise DomainError(
            _("Only operator staff may record the opening time."),
            field="opened_at",
            rule="R-CASE-11",
        )
    opened_at = opened_at or now
    if not rules.opened_at_allowed(opened_at=opened_at, now=now):
        raise DomainError(
            _("The opening time may not lie in the future."),
            field="opened_at",
            rule="R-CASE-11",
        )
    severity = rules.severity_for(urgency=urgency, impact=impact)
    due, warning = _due_times(severity, opened_at, customer.region)
    duty_manager_due, head_of_support_due = _escalation_dues(severity, due, customer.region)
    case = Case.objects.create(
        partner_id=customer.partner_id,
        customer=customer,
        title=title.strip(),
        description=description.strip(),
        category=category,
        impact=impact,
        affected_share=stored_share,
        urgency=urgency,
        severity=severity,
        channel=channel,
        contract_number=contract_number.strip(),
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        contact_email=contact_email.strip(),
        reporting_contact=contact,
        opened_by=user if user is not None and user.is_authenticated else None,
        opened_at=opened_at,
        response_due_at=due,
        warning_due_at=warning,
        duty_manager_due_at=duty_manager_due,
        head_of_support_due_at=head_of_support_due,
    )
    _event(
        case,
        EventKind.OPENED,
        user=user,
        # A phone-opened case (R-CASE-11) sits on the timeline at its real opening time;
        # when it was recorded stays in the event's data.
        at=opened_at,
        to_value=severity,
        data={"channel": channel, "recorded_at": now.isoformat(), "due": due.isoformat()},
    )
    _publish_case(case, "case.opened", "", channel=channel)  # R-NOT-4
    if rules.notify_partner_proactively(severity):  # R-CASE-10: S1/S2 e-mailed on opening
        _notify_case(
            case,
            kind="case.opened",
            event="opened",
            partner_contacts=True,
            oncall=True,
            now=now,
        )
    return case
