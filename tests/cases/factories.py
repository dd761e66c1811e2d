"""factory_boy factories of the cases app."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from cases import rules
from cases.choices import Category, Channel, EventKind, Impact, Status, Urgency
from cases.models import Case, CaseEvent
from portal.business_time import default_spec_for_region
from tests.factories import CustomerFactory


def _due(case, fraction=None):
    spec = default_spec_for_region(case.customer.region)
    if fraction is None:
        return rules.response_due_at(case.severity, case.opened_at, spec)
    return rules.warning_at(case.severity, case.opened_at, spec, fraction)


def _escalation_due(case, level):
    spec = default_spec_for_region(case.customer.region)
    return rules.escalation_due_at(case.severity, case.response_due_at, spec, level)


class CaseFactory(factory.django.DjangoModelFactory):
    """A case as ``case_open`` would store it (due times from the default calendar).

    Pass ``urgency``/``impact`` to choose the severity; ``opened_at`` to place it in time.
    """

    class Meta:
        model = Case

    customer = factory.SubFactory(CustomerFactory)
    partner = factory.LazyAttribute(lambda c: c.customer.partner)
    title = factory.Sequence(lambda n: f"Phones cannot register {n}")
    description = "Desk phones in building B fail to register since 09:00."
    category = Category.COMMON
    urgency = Urgency.MEDIUM
    impact = Impact.LOCALIZED
    severity = factory.LazyAttribute(
        lambda c: rules.severity_for(urgency=c.urgency, impact=c.impact)
    )
    status = Status.NEW
    channel = Channel.WEB
    contract_number = factory.LazyAttribute(lambda c: c.customer.contract_number)
    contact_name = "Nina Ops"
    contact_phone = "+33 1 23 45 67 89"
    contact_email = "nina@partner.example"
    opened_at = factory.LazyFunction(timezone.now)
    response_due_at = factory.LazyAttribute(lambda c: _due(c))
    warning_due_at = factory.LazyAttribute(lambda c: _due(c, rules.DEFAULT_WARNING_FRACTION))
    duty_manager_due_at = factory.LazyAttribute(
        lambda c: _escalation_due(c, rules.DUTY_MANAGER_LEVEL)
    )
    head_of_support_due_at = factory.LazyAttribute(
        lambda c: _escalation_due(c, rules.HEAD_OF_SUPPORT_LEVEL)
    )

    class Params:
        overdue = factory.Trait(
            urgency=Urgency.CRITICAL,
            impact=Impact.WIDESPREAD,
            opened_at=factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1)),
        )


class CaseEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseEvent

    case = factory.SubFactory(CaseFactory)
    kind = EventKind.COMMENT
    actor_name = "system"
    text = "A comment."
