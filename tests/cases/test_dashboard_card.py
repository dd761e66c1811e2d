"""The dashboard's cases card: open cases by severity, countdowns, breaches, this month's SLO."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from cases import selectors

from .factories import CaseFactory

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime(2026, 12, 2, 12, 0, tzinfo=UTC), tick=False)  # mid-month
def test_card_shows_this_months_attainment_against_the_95_percent_target(
    client_for, alice, customer_a
):
    opened = timezone.now() - timedelta(minutes=5)
    for _ in range(19):  # S3: 19 met …
        CaseFactory(
            customer=customer_a,
            urgency="medium",
            impact="large",
            opened_at=opened,
            acknowledged_at=opened,
        )
    CaseFactory(
        customer=customer_a, urgency="medium", impact="large", opened_at=opened, breached_at=opened
    )  # … 1 breached
    rows = {r.severity: r for r in selectors.dashboard_summary(customer_a.partner)["slo_month"]}
    assert rows["S3"].met == 19 and rows["S3"].breached == 1
    assert str(rows["S3"].percent) == "95.0" and rows["S3"].meets_target is True
    page = client_for(alice).get("/").content.decode()
    assert "Response objectives this month" in page and "95.0 %" in page and "target 95 %" in page


def test_card_query_count_is_constant(client_for, alice, customer_a):
    client = client_for(alice)
    CaseFactory(customer=customer_a)
    client.get("/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for _ in range(30):
        CaseFactory(customer=customer_a, opened_at=timezone.now() - timedelta(minutes=3))
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)


def test_timeline_names_statuses_in_the_users_language(client_for, alice, staff, customer_a):
    from cases import services

    case = CaseFactory(customer=customer_a, urgency="critical", impact="widespread")
    services.case_acknowledge(user=staff, case=case)
    client = client_for(alice)
    english = client.get(f"/cases/{case.pk}/").content.decode()
    assert "New → Acknowledged" in english and "new → acknowledged" not in english
    client.post("/i18n/setlang/", {"language": "pt-br", "next": "/"})
    assert "Novo → Reconhecido" in client.get(f"/cases/{case.pk}/").content.decode()
