"""The registry of campaign kinds and selection filters (R-MNT-13).

Maintenance plans campaigns of any change kind, but some kinds need knowledge that lives in
apps above it: an upgrade campaign selects customers by installed release, checks its target
against the release policy (R-REL-3, R-REL-4) and creates upgrade records when committed. Those
apps register that knowledge here from their ``AppConfig.ready``, so the dependency stays one
way (maintenance never imports releases):

    campaigns.register_kind("upgrade", validate=..., on_commit=...)
    campaigns.register_selection("releases", filter=...)

Hooks receive plain values and querysets and return plain values; they never write outside
``on_commit``, which runs inside the committing transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

#: ``filter(customers, values) -> customers``: narrow a Customer queryset by a selection list.
SelectionFilter = Callable[[QuerySet, list], QuerySet]

#: ``validate(campaign, customer_ids) -> {customer_id: (rule, reason)}``: customers that may
#: not take part, with the rule that excludes each (e.g. R-REL-4 for a target older than what
#: a customer runs). A campaign-wide refusal raises ``DomainError`` instead.
KindValidator = Callable[[Any, Sequence[int]], dict[int, tuple[str, str]]]

#: ``on_commit(campaign, changes, now) -> None``: the kind's own records for the changes a
#: commit created (one change per customer), written set-based in the same transaction.
CommitHook = Callable[[Any, Sequence[Any], Any], None]


@dataclass(frozen=True)
class CampaignKind:
    kind: str
    validate: KindValidator | None = None
    on_commit: CommitHook | None = None
    #: ``check(campaign) -> None``: campaign-wide checks when it is created or updated
    #: (e.g. an upgrade names a target release); raises ``DomainError``.
    check: Callable[[Any], None] | None = None


_KINDS: dict[str, CampaignKind] = {}
_SELECTIONS: dict[str, SelectionFilter] = {}


def register_kind(
    kind: str,
    *,
    validate: KindValidator | None = None,
    on_commit: CommitHook | None = None,
    check: Callable[[Any], None] | None = None,
) -> None:
    """Add (or replace, on a second ``ready``) the hooks of one change kind."""
    _KINDS[str(kind)] = CampaignKind(
        kind=str(kind), validate=validate, on_commit=on_commit, check=check
    )


def register_selection(key: str, *, filter: SelectionFilter) -> None:  # noqa: A002
    """Let a selection key (``releases``, ``applications``) narrow the customers."""
    _SELECTIONS[key] = filter


def kind_hooks(kind: str) -> CampaignKind:
    """The hooks of ``kind``; a kind nobody registered has none."""
    return _KINDS.get(str(kind), CampaignKind(kind=str(kind)))


def selection_filter(key: str) -> SelectionFilter | None:
    return _SELECTIONS.get(key)


def selection_keys() -> list[str]:
    """Every key a selection may use: maintenance's own and the registered ones."""
    return ["regions", "partners", "customers", *sorted(_SELECTIONS)]
