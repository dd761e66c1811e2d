"""Every notification kind reads in its reader's language (issue: messages written for their
reader): a Portuguese contact receives Portuguese subject, text and HTML, with the customer's
local times and zone, never an ISO timestamp. Each kind is rendered through its real context
builder from real objects; the triggers themselves are tested in each app's tests."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case
from maintenance.choices import PatchKind
from maintenance.models import Outage, OutageUpdate, PatchRequest, SsoChecklist
from portal import notifications
from portal.choices import Category
from portal.models import Notification
from tests.cases.factories import CaseFactory
from tests.factories import ContactFactory
from tests.maintenance.factories import ChangeFactory
from tests.outbox import deliveries
from tests.releases.factories import load_table, plan_upgrade

pytestmark = pytest.mark.django_db

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
PT_DATE = re.compile(r"\d\d/\d\d/\d{4} \d\d:\d\d")

#: kinds whose message shows a time of the customer's instance
TIMED = {
    "case.opened",
    "case.raised",
    "case.escalated",
    "case.recurrence",
    "case.plan_posted",
    "case.breach_warning",
    "case.breached",
    "case.plan_overdue",
    "case.monitoring_resolved",
    "change.notice",
    "change.reminder",
    "change.rescheduled",
    "change.emergency",
    "change.completed",
    "change.cancelled",
    "change.review_approved",
    "change.review_rejected",
    "change.alternatives_offered",
    "outage.declared",
    "outage.update",
    "outage.resolved",
    "case.escalation_level",
    "upgrade.planned",
    "operator.partner_emergency",
}


@pytest.fixture
def world(partner_a, customer_a, staff):
    """One object of each kind's subject, all of customer_a (EMEA: Europe/Paris)."""
    case = CaseFactory(customer=customer_a)
    Case.objects.filter(pk=case.pk).update(action_plan_due_at=timezone.now() + timedelta(hours=4))
    change = ChangeFactory(partner=partner_a, customers=[customer_a])
    checklist = SsoChecklist.objects.create(change=change, customer=customer_a)
    outage = Outage.objects.create(title="Core routing down", declared_at=timezone.now())
    outage.customers.set([customer_a])
    update = OutageUpdate.objects.create(
        outage=outage, status="identified", text="A fibre cut near Paris.", created_at=timezone.now()
    )
    patch = PatchRequest.objects.create(
        partner=partner_a, customer=customer_a, kind=list(PatchKind)[0], file_name="cop.sgn"
    )
    releases = load_table(staff)
    target = releases["15.0 SU2"] if "15.0 SU2" in releases else next(iter(releases.values()))
    upgrade = plan_upgrade(customer_a, staff, target)
    release = next(iter(releases.values()))
    soon = (timezone.now() + timedelta(days=2)).isoformat()
    return {
        "case.opened": {"case": case.pk, "severity": "S1"},
        "case.raised": {"case": case.pk, "severity": "S2", "old": "S3", "reason": "Spreading"},
        "case.escalated": {"case": case.pk, "severity": "S1", "old": "S2", "reason": "Down"},
        "case.recurrence": {"case": case.pk, "severity": "S2", "note": "Again"},
        "case.plan_posted": {"case": case.pk, "severity": "S2", "plan": "Collect SIP traces"},
        "case.breach_warning": {"case": case.pk, "severity": "S1"},
        "case.breached": {"case": case.pk, "severity": "S1"},
        "case.plan_overdue": {"case": case.pk, "severity": "S1"},
        "case.monitoring_resolved": {"case": case.pk, "severity": "S3", "days": 10},
        "case.escalation_level": {"case": case.pk, "severity": "S1", "level": 2},
        "change.notice": {"change": change.pk, "deadline_at": soon},
        "change.reminder": {"change": change.pk, "hours": 24},
        "change.rescheduled": {"change": change.pk},
        "change.emergency": {"change": change.pk},
        "change.completed": {"change": change.pk},
        "change.cancelled": {"change": change.pk, "note": "Not needed"},
        "change.review_approved": {"change": change.pk, "note": ""},
        "change.review_rejected": {"change": change.pk, "note": "Too risky"},
        "change.alternatives_offered": {
            "change": change.pk,
            "alternatives": [[soon, (timezone.now() + timedelta(days=3)).isoformat()]],
            "note": "Either suits us",
        },
        "change.sso_follow_up": {"change": change.pk, "checklist": checklist.pk},
        "outage.declared": {"outage": outage.pk},
        "outage.update": {"outage": outage.pk, "update": update.pk},
        "outage.resolved": {"outage": outage.pk},
        "patch.uploaded": {"patch": patch.pk},
        "operator.change_requested": {"partner": partner_a.pk, "title": "New trunk", "description": "SIP"},
        "operator.reschedule_requested": {"partner": partner_a.pk, "title": "Patch", "reason": "Busy"},
        "operator.patch_requested": {
            "partner": partner_a.pk, "customers": [customer_a.pk], "file": "cop.sgn", "note": "",
        },
        "operator.partner_emergency": {
            "partner": partner_a.pk, "title": "Failover", "description": "Paris", "impact": "None",
            "customers": [customer_a.pk], "start_at": soon, "end_at": soon, "case": case.pk,
        },
        "release.compliance": {
            "rows": [["CUCM", release.pk, "must_upgrade", target.pk]], "announced": None,
        },
        "upgrade.planned": {"upgrade": upgrade.pk},
        "upgrade.completed": {"upgrade": upgrade.pk},
        "capacity.activation_confirmed": {"kw": 1000, "wd": 1500},
        "capacity.threshold": {"threshold": 80, "kw": 800, "kw_max": 1000, "wd": 10, "wd_max": 20},
        "capacity.request_status": {"id": 7, "status": "submitted", "kw": 1, "wd": 2, "note": ""},
        "account.invitation": {"partner": partner_a.pk, "username": "dora", "link": "/x/"},
        "account.contact_review": {"partner": partner_a.pk, "link": "/contacts/"},
        "account.webhook_disabled": {
            "partner": partner_a.pk, "url": "https://hooks.acme.example/portal", "count": 5,
            "link": "/settings/webhooks/",
        },
    }


def test_every_registered_kind_is_covered():
    kinds = set(notifications.kinds()) - {notifications.LEGACY}
    assert kinds <= set(_all_kinds()), kinds - set(_all_kinds())


def _all_kinds():
    return sorted(set(notifications.kinds()) - {notifications.LEGACY})


@pytest.mark.parametrize("kind", _all_kinds())
def test_a_portuguese_contact_reads_every_kind_in_portuguese(kind, world, partner_a, customer_a):
    context = world[kind]
    category = notifications.get_kind(kind).category
    ContactFactory(
        partner=partner_a, email="ana@acme.example", categories=[Category(category)]
    ) if category in Category.values else None
    english = ContactFactory(
        partner=partner_a,
        email="ed@acme.example",
        categories=[category] if category in Category.values else [],
    )
    english.language = "en"
    english.save()
    partner_a.language = "pt-br"  # Ana has no language of her own: the partner's
    partner_a.save()
    notifications.notify(
        kind=kind,
        partner=partner_a,
        customer=customer_a,
        context=context,
        dedupe_key=f"kinds:{kind}",
        emails=[("ana@acme.example", "pt-br")],  # kinds of no category reach her as a person
    )
    [pt] = deliveries(recipient="ana@acme.example", dedupe_key=f"kinds:{kind}")
    assert pt.language == "pt-br"
    event = Notification.objects.get(dedupe_key=f"kinds:{kind}")
    built = (notifications.get_kind(kind).context or (lambda events: {}))([event])
    en = notifications.render_one(event, "en", built.get(event.pk))
    assert pt.subject and "\n" not in pt.subject
    assert pt.subject != en.subject, (pt.subject, en.subject)
    assert pt.body != en.text
    assert pt.html != en.html and 'lang="pt-br"' in pt.html
    for text in (pt.subject, pt.body, pt.html, en.text, en.html):
        assert not ISO.search(text), text
    if kind in TIMED:
        assert PT_DATE.search(pt.body), pt.body
        assert re.search(r"\b(CET|CEST|UTC)\b", pt.body), pt.body
