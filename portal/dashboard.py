"""How feature apps contribute to the shared portal pages without the core importing them.

Each app calls ``register_card`` and ``register_nav`` from its ``AppConfig.ready()``. The
dashboard view renders every card in order; the header shows every nav entry; the customer's
page shows every ``register_customer_link``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.urls import get_script_prefix, reverse


@dataclass(frozen=True)
class Card:
    key: str
    template: str
    context: Callable[[Any, Any], dict]
    order: int = 100


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str
    url_name: str
    order: int = 100

    @property
    def url(self) -> str:
        """The entry's address, reversed once per process (the header shows every entry on
        every page)."""
        return _reversed(self.url_name, get_script_prefix())


@lru_cache(maxsize=256)
def _reversed(url_name: str, script_prefix: str) -> str:
    return reverse(url_name)  # under the prefix the key names


_cards: dict[str, Card] = {}
_nav: dict[str, NavEntry] = {}


def register_card(
    *, key: str, template: str, context: Callable[[Any, Any], dict], order: int = 100
) -> None:
    _cards[key] = Card(key=key, template=template, context=context, order=order)


def register_nav(*, key: str, label: str, url_name: str, order: int = 100) -> None:
    _nav[key] = NavEntry(key=key, label=label, url_name=url_name, order=order)


def cards() -> list[Card]:
    return sorted(_cards.values(), key=lambda c: (c.order, c.key))


def nav_entries() -> list[NavEntry]:
    return sorted(_nav.values(), key=lambda n: (n.order, n.key))


@dataclass(frozen=True)
class StaffColumn:
    """One column of the staff overview on the admin index: a figure per partner.

    ``values`` receives the partners' ids and returns {partner_id: figure}, computed with a
    grouped query (never a query per partner). ``admin_url`` is the admin changelist the
    figure links to; ``?partner=<id>``-style filters are appended by ``filter_param``.
    """

    key: str
    label: str
    values: Callable[[list[int]], dict[int, Any]]
    admin_url: str = ""
    filter_param: str = ""
    order: int = 100


_staff_columns: dict[str, StaffColumn] = {}


def register_staff_column(
    *,
    key: str,
    label: str,
    values: Callable[[list[int]], dict[int, Any]],
    admin_url: str = "",
    filter_param: str = "",
    order: int = 100,
) -> None:
    _staff_columns[key] = StaffColumn(
        key=key,
        label=label,
        values=values,
        admin_url=admin_url,
        filter_param=filter_param,
        order=order,
    )


def staff_columns() -> list[StaffColumn]:
    return sorted(_staff_columns.values(), key=lambda c: (c.order, c.key))


@dataclass(frozen=True)
class StaffPanel:
    """A panel at the top of the admin index, before the partner overview: what the signed-in
    staff user works on first (the cases app's own work queue). ``context(request)`` returns
    the template's context with a fixed number of queries."""

    key: str
    template: str
    context: Callable[[Any], dict]
    order: int = 100


_staff_panels: dict[str, StaffPanel] = {}


def register_staff_panel(
    *, key: str, template: str, context: Callable[[Any], dict], order: int = 100
) -> None:
    _staff_panels[key] = StaffPanel(key=key, template=template, context=context, order=order)


def staff_panels() -> list[StaffPanel]:
    return sorted(_staff_panels.values(), key=lambda p: (p.order, p.key))


@dataclass(frozen=True)
class CustomerLink:
    """A page of a feature app about one customer, linked from the customer's page:
    ``url_name`` reversed with the customer's pk, or (``query``) without arguments and
    ``?customer=<id>`` appended."""

    key: str
    label: str
    url_name: str
    query: bool = False
    order: int = 100


_customer_links: dict[str, CustomerLink] = {}


def register_customer_link(
    *, key: str, label: str, url_name: str, query: bool = False, order: int = 100
) -> None:
    _customer_links[key] = CustomerLink(
        key=key, label=label, url_name=url_name, query=query, order=order
    )


def customer_links() -> list[CustomerLink]:
    return sorted(_customer_links.values(), key=lambda c: (c.order, c.key))
