"""The one application error type.

Services raise :class:`DomainError` when a request breaks a rule of DOMAIN.md. Every face
translates it the same way: the API answers 400 naming the field and the rule, a portal form
shows it on the field, the admin shows it as an error message. Because services run under
``transaction.atomic``, nothing half-written stays behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

NON_FIELD = "non_field_errors"


class DomainError(Exception):
    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field or NON_FIELD
        self.rule = rule

    def as_dict(self) -> dict:
        data: dict = {self.field: [str(self.message)]}
        if self.rule:
            data["rule"] = self.rule
        return data

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class Violation:
    """What a pure rule returns when it is broken: a translated message, the field it
    concerns and the rule id. Rules stay free of exceptions; services raise it."""

    message: str
    field: str | None
    rule: str


def raise_violation(violation: Violation | None) -> None:
    """Raise the DomainError of a broken rule; do nothing when the rule holds."""
    if violation is not None:
        raise DomainError(violation.message, field=violation.field, rule=violation.rule)


def add_domain_error(form: Any, exc: DomainError) -> None:
    """Show a service's DomainError on a form (admin and portal alike): on the field it names
    when the form has that field, else above the form."""
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


def write_from_form(form: Any, write: Callable[[dict[str, Any]], Any]) -> Any | None:
    """A portal form's one write: when the form is valid, ``write(form.cleaned_data)`` (a
    service call, which returns what it wrote); a DomainError goes onto the form
    (:func:`add_domain_error`). None when the form or the service refused: show the form again
    with its errors."""
    if not form.is_valid():
        return None
    try:
        return write(form.cleaned_data)
    except DomainError as exc:
        add_domain_error(form, exc)
        return None


@contextmanager
def unique_violation_as(message: str, *, field: str, rule: str | None = None) -> Iterator[None]:
    """Turn a unique violation of the writes inside into a DomainError naming ``field``.

    A service checks for a duplicate first, for a friendly answer; two identical submits at
    once both pass that check, and only the database constraint decides. The savepoint keeps
    the surrounding transaction usable, so the caller gets a 400 instead of a 500.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise DomainError(message, field=field, rule=rule) from exc
