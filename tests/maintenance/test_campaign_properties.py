"""Property-based tests of the campaign planner (R-MNT-13), derandomised so CI time is bounded.

Over random customer sets, regions, holidays, freeze periods, existing changes, kinds, limits
and deadlines:

1. no planned slot breaks a rule (R-MNT-1/2/4/6/14, R-REL-4) or its window's limit;
2. every customer is either planned once or reported unplaceable with a rule;
3. a customer reported unplaceable had, at its turn (after the customers before it in the
   stated order), no legal start with room in any window before the deadline — checked by
   brute force on a 15-minute grid with the rule functions themselves, not the planner's.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maintenance import planning, rules
from maintenance.choices import ChangeKind
from maintenance.windows import REGION_TIMEZONES, windows_between
from portal.business_time import BusinessCalendarSpec

BASE = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)
REGIONS = ["AMER", "APJC", "AUS", "EMEA"]
KINDS = [
    ChangeKind.ROUTINE,
    ChangeKind.SERVICE_IMPACTING,
    ChangeKind.INFRASTRUCTURE,
    ChangeKind.UPGRADE,
    ChangeKind.CERTIFICATE_RENEWAL,
]
GRID = timedelta(minutes=15)

PROPERTY_SETTINGS = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def scenarios(draw):
    now = BASE + timedelta(hours=draw(st.integers(0, 24 * 14)))
    kind = draw(st.sampled_from(KINDS))
    horizon_days = draw(st.integers(1, 21))
    request = planning.PlanRequest(
        kind=kind,
        duration=timedelta(minutes=15 * draw(st.integers(1, 40))),
        per_window_limit=draw(st.integers(1, 3)),
        deadline=now + timedelta(days=horizon_days, hours=draw(st.integers(0, 23))),
        now=now,
        earliest_start=draw(
            st.one_of(st.none(), st.integers(0, 24 * 10).map(lambda h: now + timedelta(hours=h)))
        ),
        interrupts_calling=draw(st.booleans()),
    )
    regions = draw(st.lists(st.sampled_from(REGIONS), min_size=1, max_size=4, unique=True))
    calendars = {}
    for region in REGIONS:
        days = draw(st.lists(st.integers(0, 60), max_size=6, unique=True))
        calendars[region] = BusinessCalendarSpec(
            timezone=REGION_TIMEZONES[region],
            holidays=frozenset(now.date() + timedelta(days=d) for d in days),
        )
    count = draw(st.integers(1, 24))
    customers, busy, freezes, expiries = [], {}, {}, {}
    for pk in range(1, count + 1):
        extra = {}
        if kind == ChangeKind.CERTIFICATE_RENEWAL:
            expires = now + timedelta(hours=draw(st.integers(24, 24 * 21)))
            expiries[pk] = expires
            extra["start_after"], extra["start_before"] = rules.renewal_band(expires)
        customers.append(
            planning.PlanCustomer(
                id=pk,
                region=draw(st.sampled_from(regions)),
                partner=draw(st.integers(1, 4)),
                name=f"Customer {pk:03d}",
                **extra,
            )
        )
        busy[pk] = [
            (now + 30 * a * timedelta(minutes=1), now + 30 * a * timedelta(minutes=1)
             + timedelta(minutes=30 * b))
            for a, b in draw(
                st.lists(st.tuples(st.integers(0, 48 * 21), st.integers(1, 20)), max_size=6)
            )
        ]
        freezes[pk] = [
            (now + timedelta(days=a), now + timedelta(days=a + b))
            for a, b in draw(st.lists(st.tuples(st.integers(0, 21), st.integers(1, 6)), max_size=3))
        ]
    return request, customers, calendars, busy, freezes, expiries


def _breaks_a_rule(request, customer, start, calendars, busy, freezes, expiries) -> str | None:
    """The first rule [start, start + duration) breaks for ``customer``, by the rule functions."""
    end = start + request.duration
    if start <= request.now:
        return "future"
    if request.earliest_start is not None and start < request.earliest_start:
        return "earliest"
    if end > request.deadline:
        return "deadline"
    window = rules.window_violation(
        region=customer.region, kind=request.kind, start=start, end=end
    )
    if window is not None:
        return window.rule
    for a, b in busy.get(customer.id, ()):
        if rules.intervals_overlap(start, end, a, b):
            return "R-MNT-2 overlap"
    for a, b in freezes.get(customer.id, ()):
        if rules.intervals_overlap(start, end, a, b):
            return "R-MNT-14"
    if customer.id in expiries:
        renewal = rules.certificate_renewal_violation(expires_at=expiries[customer.id], start=start)
        if renewal is not None:
            return renewal.rule
    notice = rules.notice_violation(
        kind=request.kind,
        spec=calendars[customer.region],
        notice_at=request.now,
        start=start,
        interrupts_calling=request.interrupts_calling,
    )
    return notice.rule if notice is not None else None


def _window_key(region: str, start: datetime, end: datetime):
    window = planning.slot_window(region, ChangeKind.INFRASTRUCTURE, start, end)
    return (region, window.start_utc) if window else None


@PROPERTY_SETTINGS
@given(scenarios())
def test_planned_slots_break_no_rule_and_no_limit(scenario):
    request, customers, calendars, busy, freezes, expiries = scenario
    plan = planning.plan_campaign(
        request, customers, calendars=calendars, busy_changes=busy, freezes=freezes
    )
    by_id = {c.id: c for c in customers}
    planned = [s.customer for s in plan.slots]
    unplaced = [u.customer for u in plan.unplaceable]
    assert sorted(planned + unplaced) == sorted(by_id)  # each customer exactly once
    assert all(u.rule.startswith("R-") and str(u.reason) for u in plan.unplaceable)
    per_window: Counter = Counter()
    for slot in plan.slots:
        customer = by_id[slot.customer]
        assert slot.end - slot.start == request.duration
        assert (
            _breaks_a_rule(request, customer, slot.start, calendars, busy, freezes, expiries)
            is None
        )
        per_window[_window_key(customer.region, slot.start, slot.end)] += 1
    assert all(n <= request.per_window_limit for n in per_window.values())


def _legal_starts(request, customer, calendars, busy, freezes, expiries, taken):
    """Every start on a 15-minute grid of every window before the deadline that breaks no rule
    and finds room, by brute force."""
    for window in windows_between(customer.region, request.now, request.deadline):
        if taken[(customer.region, window.start_utc)] >= request.per_window_limit:
            continue
        start = window.start_utc
        while start + request.duration <= window.end_utc:
            if (
                _breaks_a_rule(request, customer, start, calendars, busy, freezes, expiries)
                is None
            ):
                yield start
            start += GRID


@PROPERTY_SETTINGS
@given(scenarios())
def test_unplaceable_customers_had_no_legal_window_with_room_at_their_turn(scenario):
    request, customers, calendars, busy, freezes, expiries = scenario
    plan = planning.plan_campaign(
        request, customers, calendars=calendars, busy_changes=busy, freezes=freezes
    )
    slots = {s.customer: s for s in plan.slots}
    unplaced = {u.customer for u in plan.unplaceable}
    taken: Counter = Counter()
    for customer in sorted(customers, key=lambda c: c.order):
        if customer.id in unplaced:
            legal = next(
                _legal_starts(request, customer, calendars, busy, freezes, expiries, taken), None
            )
            assert legal is None, f"customer {customer.id} could start at {legal}"
        else:
            slot = slots[customer.id]
            taken[_window_key(customer.region, slot.start, slot.end)] += 1


@PROPERTY_SETTINGS
@given(scenarios())
def test_placed_customers_got_the_earliest_legal_grid_start_with_room(scenario):
    """R-MNT-13: each customer takes the earliest legal start with room at its turn."""
    request, customers, calendars, busy, freezes, expiries = scenario
    plan = planning.plan_campaign(
        request, customers, calendars=calendars, busy_changes=busy, freezes=freezes
    )
    slots = {s.customer: s for s in plan.slots}
    taken: Counter = Counter()
    for customer in sorted(customers, key=lambda c: c.order):
        slot = slots.get(customer.id)
        if slot is None:
            continue
        legal = next(
            _legal_starts(request, customer, calendars, busy, freezes, expiries, taken), None
        )
        assert legal is not None and slot.start <= legal
        taken[_window_key(customer.region, slot.start, slot.end)] += 1


def test_holidays_of_the_calendar_delay_the_notice():
    """Example: R-MNT-4 counts business days of the region's calendar, holidays excluded."""
    now = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    plain = BusinessCalendarSpec(timezone="Europe/Paris")
    holidays = BusinessCalendarSpec(
        timezone="Europe/Paris",
        holidays=frozenset(date(2027, 3, 2) + timedelta(days=d) for d in range(3)),
    )
    request = planning.PlanRequest(
        kind=ChangeKind.SERVICE_IMPACTING,
        duration=timedelta(hours=1),
        per_window_limit=5,
        deadline=now + timedelta(days=40),
        now=now,
    )
    customer = [planning.PlanCustomer(id=1, region="EMEA", partner=1)]
    first = planning.plan_campaign(request, customer, calendars={"EMEA": plain}).slots[0]
    later = planning.plan_campaign(request, customer, calendars={"EMEA": holidays}).slots[0]
    assert later.start - first.start >= timedelta(days=3)
