"""Freeze periods (R-MNT-14): the pure rules and the overlap selector."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from maintenance import rules, selectors
from maintenance.choices import ChangeKind
from tests.factories import CustomerFactory

from .factories import FreezePeriodFactory

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
F_START = datetime(2027, 3, 10, 0, 0, tzinfo=UTC)
F_END = datetime(2027, 3, 13, 0, 0, tzinfo=UTC)
H = timedelta(hours=1)


@dataclass
class Span:
    start: datetime
    end: datetime
    customer: str | None = None


FREEZE = Span(F_START, F_END)


@pytest.mark.parametrize(
    ("start", "end", "overlaps"),
    [
        (F_START - 2 * H, F_START, False),  # ends as the freeze begins: touching
        (F_END, F_END + 2 * H, False),  # starts as the freeze ends: touching
        (F_START - H, F_START + H, True),  # straddles the start
        (F_END - H, F_END + H, True),  # straddles the end
        (F_START + H, F_START + 2 * H, True),  # inside
        (F_START - H, F_END + H, True),  # covers the whole freeze
        (F_START, F_END, True),  # the same span
        (F_START - 3 * H, F_START - H, False),  # before
        (F_END + H, F_END + 3 * H, False),  # after
    ],
)
def test_freeze_overlap_is_half_open_r_mnt_14(start, end, overlaps) -> None:
    assert rules.freeze_overlaps(FREEZE, start, end) is overlaps
    violation = rules.freeze_conflict([FREEZE], start, end)
    assert (violation is not None) is overlaps
    if violation:
        assert violation.rule == "R-MNT-14"
        assert violation.field == "start"


def test_freeze_conflict_names_the_customer_and_the_field_r_mnt_14() -> None:
    violation = rules.freeze_conflict(
        [Span(F_START, F_END, "Alpha Corp")], F_START, F_START + H, field="alternatives"
    )
    assert violation is not None
    assert "Alpha Corp" in str(violation.message)
    assert violation.field == "alternatives"


def test_no_freezes_no_conflict_r_mnt_14() -> None:
    assert rules.freeze_conflict([], F_START, F_END) is None


@pytest.mark.parametrize("kind", list(ChangeKind.values))
def test_only_emergency_changes_ignore_freezes_r_mnt_14_r_mnt_8(kind: str) -> None:
    violation = rules.freeze_conflict([FREEZE], F_START, F_START + H, kind=kind)
    assert rules.kind_respects_freezes(kind) is (kind != ChangeKind.EMERGENCY)
    assert (violation is None) is (kind == ChangeKind.EMERGENCY)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (None, F_END, "start"),
        (F_START, None, "end"),
        (F_START, F_START, "end"),  # empty
        (F_END, F_START, "end"),  # backwards
        (NOW - H, F_END, "start"),  # starts in the past
        (F_START, F_START + rules.FREEZE_MAX_LENGTH + H, "end"),  # too long
    ],
)
def test_freeze_period_validity_r_mnt_14(start, end, field) -> None:
    violation = rules.freeze_period_violation(start=start, end=end, now=NOW)
    assert violation is not None
    assert violation.field == field
    assert violation.rule == "R-MNT-14"


def test_freeze_period_of_the_maximum_length_starting_now_is_valid_r_mnt_14() -> None:
    assert (
        rules.freeze_period_violation(start=NOW, end=NOW + rules.FREEZE_MAX_LENGTH, now=NOW)
        is None
    )


def test_a_period_under_way_keeps_its_start_but_must_end_ahead_r_mnt_14() -> None:
    assert (
        rules.freeze_period_violation(start=NOW - H, end=NOW + H, now=NOW, start_changed=False)
        is None
    )
    violation = rules.freeze_period_violation(
        start=NOW - 2 * H, end=NOW - H, now=NOW, start_changed=False
    )
    assert violation is not None and violation.field == "end"


@time_machine.travel(NOW, tick=False)
def test_selector_finds_overlapping_freezes_of_any_customer_in_one_query(
    db, django_assert_num_queries
) -> None:
    alpha, beta, gamma = CustomerFactory.create_batch(3)
    mine = FreezePeriodFactory(customer=alpha, start=F_START, end=F_END)
    theirs = FreezePeriodFactory(customer=beta, start=F_START + H, end=F_END)
    FreezePeriodFactory(customer=gamma, start=F_START, end=F_END)  # not asked about
    FreezePeriodFactory(customer=alpha, start=F_END, end=F_END + 5 * H)  # touches: not found
    with django_assert_num_queries(1):
        found = selectors.freeze_periods_overlapping(
            [alpha.pk, beta.pk], F_START - H, F_END
        )
        names = [str(f.customer) for f in found]
    assert [f.pk for f in found] == [mine.pk, theirs.pk]
    assert names == [alpha.name, beta.name]
    assert selectors.freeze_periods_overlapping([], F_START, F_END) == []
    grouped = selectors.freeze_periods_between([alpha.pk, beta.pk], F_START, F_END + 5 * H)
    assert {k: len(v) for k, v in grouped.items()} == {alpha.pk: 2, beta.pk: 1}
