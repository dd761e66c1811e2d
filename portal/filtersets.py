"""Filter pieces shared by every app's filtersets."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django_filters import (
    IsoDateTimeFilter,
    ModelChoiceFilter,
    ModelMultipleChoiceFilter,
    rest_framework,
)
from django_filters.fields import IsoDateTimeField

from .models import Contact, Customer, Partner


class AwareIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time with its UTC offset; a naive time is refused (see
    ``portal.api.fields.AwareDateTimeField``), never read in the server's zone. The value is
    given to the query in UTC."""

    default_error_messages = {
        "naive": _("Give the time with its UTC offset, e.g. 2027-03-26T22:00:00+01:00."),
    }

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None  # the parent answers "invalid"
            if parsed is not None and timezone.is_naive(parsed):
                raise ValidationError(self.error_messages["naive"], code="naive")
        value = super().to_python(value)
        if value is None:
            return None
        # Compare in UTC: PostgreSQL refuses offsets Python accepts (e.g. +22:04).
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class AwareIsoDateTimeFilter(IsoDateTimeFilter):
    """``IsoDateTimeFilter`` that refuses naive times with a 400 naming the filter."""

    field_class = AwareIsoDateTimeField


def scoped_queryset(model: type[models.Model]):
    """The choices of a filter on a related object: what the caller may see. Another
    partner's id is then as invalid as an unknown one (400 naming the filter), so ids of other
    tenants cannot be probed through filters."""

    def queryset(request):
        manager = model._default_manager
        if request is None:
            return manager.none()
        for_user = getattr(manager, "for_user", None)
        return for_user(request.user) if for_user is not None else manager.all()

    return queryset


def _related(filter_class):
    return {
        "filter_class": filter_class,
        "extra": lambda f: {"queryset": scoped_queryset(f.remote_field.model)},
    }


class ScopedFilterSet(rest_framework.FilterSet):
    """Base of every filterset: filters on related objects offer only the caller's objects."""

    FILTER_DEFAULTS = {
        **rest_framework.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: _related(ModelChoiceFilter),
        models.OneToOneField: _related(ModelChoiceFilter),
        models.ManyToManyField: _related(ModelMultipleChoiceFilter),
    }


class ScopedFilterBackend(rest_framework.DjangoFilterBackend):
    """The API's filter backend. Every list names a filterset of its app's ``filtersets.py``;
    should a view still give ``filterset_fields``, they build on :class:`ScopedFilterSet`."""

    filterset_base = ScopedFilterSet


# The tenancy core's own lists (its models only: the core imports no feature app).


class PartnerFilter(ScopedFilterSet):
    class Meta:
        model = Partner
        fields = ["slug"]


class CustomerFilter(ScopedFilterSet):
    class Meta:
        model = Customer
        fields = ["region", "partner", "sso_enabled"]


class ContactFilter(ScopedFilterSet):
    class Meta:
        model = Contact
        fields = ["customer"]
