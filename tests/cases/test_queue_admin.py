"""The operator's work queue in the admin (issue 14): the queues, their order, the row
actions (claim, acknowledge, reassign) and the staff user's own queue on the admin index."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from cases.choices import EventKind, Status
from cases.models import Case
from tests.factories import CustomerFactory, UserFactory

from .factories import CaseFactory

pytestmark = pytest.mark.django_db
LIST = "/admin/cases/case/"
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def engineer(db):
    return UserFactory(username="omar", first_name="Omar", last_name="Silva", is_staff=True)


def s1_due_in(customer, minutes: float, **kwargs) -> Case:
    """An S1 case (15 minutes to respond) whose response is due in ``minutes``."""
    return CaseFactory(
        customer=customer,
        urgency="critical",
        impact="widespread",
        opened_at=NOW - timedelta(minutes=15 - minutes),
        **kwargs,
    )


def ids_in(html: str, cases) -> list[int]:
    """The cases among ``cases`` whose row is in the list, in the order of the page."""
    found = [(html.find(f'value="{c.pk}" class="action-select"'), c.pk) for c in cases]
    return [pk for pos, pk in sorted(found) if pos >= 0]


@pytest.fixture
def board(customer_a, staff, engineer):
    """One case for each queue."""
    return {
        "mine": s1_due_in(customer_a, 120, owner=staff, title="Mine"),
        "theirs": s1_due_in(customer_a, 200, owner=engineer, title="Theirs"),
        "soon": s1_due_in(customer_a, 30, title="Soon"),
        "breached": s1_due_in(customer_a, -5, title="Breached"),
        "later": s1_due_in(customer_a, 90, title="Later"),
        "plan": CaseFactory(
            customer=customer_a,
            status=Status.IN_PROGRESS,
            acknowledged_at=NOW - timedelta(hours=3),
            action_plan_due_at=NOW - timedelta(minutes=1),
            title="Plan overdue",
        ),
        "resolved": CaseFactory(customer=customer_a, status=Status.RESOLVED, title="Done"),
    }


@pytest.mark.parametrize(
    ("queue", "expected"),
    [
        # By what is due next: the acknowledged case by its (overdue) action plan.
        ("unassigned", ["breached", "plan", "soon", "later"]),
        ("mine", ["mine"]),
        ("soon", ["soon"]),
        ("breached", ["breached"]),
        ("plan_overdue", ["plan"]),
    ],
)
def test_each_queue_holds_its_open_cases_sorted_by_due(
    client_for, staff, board, queue, expected
):
    html = client_for(staff).get(LIST + f"?queue={queue}").content.decode()
    assert ids_in(html, board.values()) == [board[name].pk for name in expected]


def test_a_case_with_nothing_due_comes_last(client_for, staff, board, customer_a):
    planned = CaseFactory(
        customer=customer_a,
        status=Status.IN_PROGRESS,
        acknowledged_at=NOW - timedelta(hours=3),
        action_plan_at=NOW - timedelta(hours=2),
    )
    html = client_for(staff).get(LIST + "?queue=unassigned").content.decode()
    assert ids_in(html, [*board.values(), planned])[-1] == planned.pk


def test_breaching_soon_follows_the_setting(client_for, staff, board, settings):
    settings.CASES_QUEUE_SOON_MINUTES = 100
    html = client_for(staff).get(LIST + "?queue=soon").content.decode()
    assert ids_in(html, board.values()) == [board["soon"].pk, board["later"].pk]


def test_the_queue_shows_what_staff_pick_by(client_for, staff, board):
    html = client_for(staff).get(LIST + "?queue=unassigned").content.decode()
    soon = board["soon"]
    for text in ("Acme Telecom", "Alpha Bank", "S1", "New", "Claim", "Acknowledge", "Reassign"):
        assert text in html, text
    # A live countdown from an ISO timestamp, with the time and its zone as the text's tooltip.
    assert f'data-due="{soon.response_due_at.isoformat()}"' in html
    assert "30 min" in html and "CET" in html
    # The tabs with their counts.
    assert 'data-queue="breached"' in html and 'aria-current="page"' in html


def test_the_level_is_visible_in_the_queue(client_for, staff, customer_a):
    case = s1_due_in(customer_a, -40)
    Case.objects.filter(pk=case.pk).update(
        breached_at=NOW - timedelta(minutes=40), duty_manager_notified_at=NOW
    )
    html = client_for(staff).get(LIST + "?queue=breached").content.decode()
    assert 'class="escalation-level"' in html and "the duty manager told" in html
    page = client_for(staff).get(LIST + f"{case.pk}/change/").content.decode()
    assert "2: the duty manager told" in page


def tab_counts(html: str) -> dict[str, int]:
    return {
        queue: int(count)
        for queue, count in re.findall(
            r'data-queue="(\w+)"[^>]*>[^<]*<span class="count">(\d+)</span>', html
        )
    }


BOARD_COUNTS = {"mine": 1, "unassigned": 4, "soon": 1, "breached": 1, "plan_overdue": 1}


def test_the_tab_counts_follow_a_claim_at_once(client_for, staff, board):
    client = client_for(staff)
    assert tab_counts(client.get(LIST).content.decode()) == BOARD_COUNTS
    client.post(LIST, {"action": "claim_selected", "_selected_action": board["soon"].pk})
    # the claim wrote a timeline entry: the cached shared counts are not used
    assert tab_counts(client.get(LIST).content.decode()) == {
        **BOARD_COUNTS,
        "mine": 2,
        "unassigned": 3,
    }


def test_the_shared_tab_counts_are_counted_once_per_period(client_for, staff, engineer, board):
    client = client_for(staff)
    client.get(LIST)
    # A change no service made (no timeline entry) shows once the period is over.
    Case.objects.filter(pk=board["later"].pk).update(owner=engineer)
    assert tab_counts(client.get(LIST).content.decode())["unassigned"] == 4
    with time_machine.travel(NOW + timedelta(seconds=10), tick=False):
        counts = tab_counts(client.get(LIST).content.decode())
    assert counts == {**BOARD_COUNTS, "unassigned": 3}


def test_the_tab_counts_can_be_counted_on_every_page(client_for, staff, engineer, board, settings):
    settings.CASES_QUEUE_COUNTS_SECONDS = 0
    client = client_for(staff)
    client.get(LIST)
    Case.objects.filter(pk=board["later"].pk).update(owner=engineer)
    assert tab_counts(client.get(LIST).content.decode())["unassigned"] == 3


def test_claim_from_the_row(client_for, staff, board):
    case = board["soon"]
    response = client_for(staff).post(
        LIST + "?queue=unassigned", {"action": "claim_selected", "_selected_action": case.pk}
    )
    assert response.status_code == 302 and response["Location"].endswith("?queue=unassigned")
    case.refresh_from_db()
    assert case.owner == staff
    assert case.events.filter(kind=EventKind.ASSIGNMENT).count() == 1


def test_a_case_someone_else_claimed_meanwhile_is_not_taken(client_for, staff, engineer, board):
    case = board["soon"]
    Case.objects.filter(pk=case.pk).update(owner=engineer)
    client_for(staff).post(
        LIST + "?queue=unassigned", {"action": "claim_selected", "_selected_action": case.pk}
    )
    case.refresh_from_db()
    assert case.owner == engineer


def test_acknowledge_from_the_row(client_for, staff, board):
    case = board["breached"]
    client_for(staff).post(
        LIST + "?queue=breached", {"action": "acknowledge_selected", "_selected_action": case.pk}
    )
    case.refresh_from_db()
    assert case.status == Status.ACKNOWLEDGED and case.acknowledged_by == staff


def test_reassign_from_the_row_asks_for_the_engineer_then_assigns(
    client_for, staff, engineer, board
):
    case = board["mine"]
    client = client_for(staff)
    page = client.post(
        LIST + "?queue=mine", {"action": "reassign_selected", "_selected_action": case.pk}
    )
    assert page.status_code == 200 and "Omar Silva" in page.content.decode()
    case.refresh_from_db()
    assert case.owner == staff  # nothing changes before the engineer is picked
    done = client.post(
        LIST + "?queue=mine",
        {
            "action": "reassign_selected",
            "_selected_action": case.pk,
            "apply": "1",
            "owner": engineer.pk,
        },
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.owner == engineer


def test_reassign_to_nobody_puts_the_case_back_in_the_queue(client_for, staff, board):
    case = board["mine"]
    client_for(staff).post(
        LIST + "?queue=mine",
        {"action": "reassign_selected", "_selected_action": case.pk, "apply": "1", "owner": ""},
    )
    case.refresh_from_db()
    assert case.owner is None


def test_assign_on_the_case_page(client_for, staff, engineer, board):
    case = board["soon"]
    response = client_for(staff).post(LIST + f"{case.pk}/do/assign/", {"owner": engineer.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.owner == engineer


def test_owner_filter_and_column_on_the_full_list(client_for, staff, engineer, board):
    html = client_for(staff).get(LIST + f"?owner__id__exact={engineer.pk}").content.decode()
    assert ids_in(html, board.values()) == [board["theirs"].pk]
    assert "Omar Silva" in html


def test_the_queue_page_runs_a_constant_number_of_queries(
    client_for, staff, customer_a, django_assert_max_num_queries
):
    client = client_for(staff)
    s1_due_in(customer_a, 20, owner=staff)
    client.get(LIST + "?queue=unassigned")  # warm caches (content types, sessions)
    other = CustomerFactory(partner=customer_a.partner, name="Gamma", region="AMER")
    for n in range(25):
        s1_due_in(customer_a if n % 2 else other, 10 + n)
    with django_assert_max_num_queries(14):
        assert client.get(LIST + "?queue=unassigned").status_code == 200


def test_the_admin_index_shows_my_queue_first(client_for, staff, board):
    html = client_for(staff).get("/admin/").content.decode()
    assert "My work queue" in html
    assert html.index('id="my-queue"') < html.index('id="partner-overview"')
    assert "Mine" in html and f"#{board['mine'].pk}" in html
    assert f"#{board['theirs'].pk} " not in html  # another engineer's case is not mine


def test_the_admin_index_query_count_does_not_grow_with_my_cases(
    client_for, staff, customer_a, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.CASES_QUEUE_COUNTS_SECONDS = 0  # every page counts every queue
    client = client_for(staff)
    s1_due_in(customer_a, 10, owner=staff)
    client.get("/admin/")
    with CaptureQueriesContext(connection) as one:
        client.get("/admin/")
    for n in range(8):
        s1_due_in(customer_a, 11 + n, owner=staff)
    with CaptureQueriesContext(connection) as many:
        client.get("/admin/")
    assert len(many) == len(one)


def test_partners_have_no_queue(client_for, alice, charlie):
    for user in (alice, charlie):
        response = client_for(user).get(LIST + "?queue=unassigned")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
