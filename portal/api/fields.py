from __future__ import annotations

import copy
import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class TenantPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A writable foreign key whose choices are scoped to the caller: another partner's id
    is refused exactly like an id that does not exist."""

    def get_queryset(self):
        qs = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return qs.none()
        return qs.for_user(request.user)


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time with its UTC offset (``2027-03-26T22:00:00+01:00``), as DOMAIN.md
    writes every time. A naive time is refused with a 400 naming the field: which zone it
    meant cannot be known, so it is never read in the server's zone."""

    default_error_messages = {
        "naive": _("Give the time with its UTC offset, e.g. 2027-03-26T22:00:00+01:00."),
    }

    def to_internal_value(self, value):
        if isinstance(value, datetime.datetime):
            parsed = value
        elif isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None  # the parent answers "invalid"
        else:
            parsed = None
        if parsed is not None and timezone.is_naive(parsed):
            self.fail("naive")
        return super().to_internal_value(value)


class ReaderTextField(serializers.CharField):
    """A read-only text the system renders (a generated title) in the caller's language:
    the profile's, else the partner's, else the request's ``Accept-Language`` (activated by
    ``portal.api.authentication``)."""

    def __init__(self, **kwargs) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)


def _holds_fields(field: serializers.Field) -> bool:
    """Whether ``field`` holds other fields (a nested serializer, a list or dict of a child,
    a many-related field): binding it binds them too."""
    return isinstance(field, serializers.BaseSerializer) or any(
        hasattr(field, name) for name in ("child", "child_relation")
    )


class FieldsBuiltOnce:
    """A ModelSerializer that builds its fields from the model once per class, not once per
    answer: DRF inspects every model field again on each instance (about an eighth of an
    escalation request's CPU for the case's forty fields). Each instance gets its own copy of
    each field, as DRF gives each its own declared fields; nothing in the built fields depends
    on the instance or its context.

    The copy is shallow for a field that holds no other field: binding a field to its
    serializer sets attributes of that copy only (its name, parent, source, label), and
    nothing changes a field's options in place afterwards, so a new object is enough; DRF's
    deep copy re-created every option of the forty fields on every answer (a twentieth of an
    escalation request). A field holding others (a nested serializer, a list's child) is deep
    copied, as its children are bound too."""

    def get_fields(self) -> dict:
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._fields_built_once = built
        return {
            name: copy.deepcopy(field) if _holds_fields(field) else copy.copy(field)
            for name, field in built.items()
        }
