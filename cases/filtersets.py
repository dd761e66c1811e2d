"""One filter class for the case list, shared by the API and the portal page."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from portal.choices import Region
from portal.filtersets import AwareIsoDateTimeFilter, ScopedFilterSet
from portal.models import Customer, Partner
from portal.widgets import AnyYesNoWidget

from .choices import Category, Severity, Status
from .models import Case
from .search import search_cases


def _customers(request) -> QuerySet:
    if request is None:
        return Customer.objects.none()
    return Customer.objects.for_user(request.user)


def _partners(request) -> QuerySet:
    if request is None:
        return Partner.objects.none()
    return Partner.objects.for_user(request.user)


class CaseFilter(ScopedFilterSet):
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices, label=_("Severity"))
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label=_("Status"))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"))
    customer = django_filters.ModelChoiceFilter(queryset=_customers, label=_("Customer"))
    partner = django_filters.ModelChoiceFilter(queryset=_partners, label=_("Partner"))
    region = django_filters.ChoiceFilter(
        field_name="customer__region", choices=Region.choices, label=_("Region")
    )
    breached = django_filters.BooleanFilter(
        method="filter_breached", label=_("Breached"), widget=AnyYesNoWidget
    )
    open = django_filters.BooleanFilter(
        method="filter_open", label=_("Open"), widget=AnyYesNoWidget
    )
    opened_after = AwareIsoDateTimeFilter(
        field_name="opened_at", lookup_expr="gte", label=_("Opened after")
    )
    opened_before = AwareIsoDateTimeFilter(
        field_name="opened_at", lookup_expr="lt", label=_("Opened before")
    )
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))

    class Meta:
        model = Case
        fields = ["severity", "status", "category", "customer", "partner", "region", "breached"]

    @staticmethod
    def customer_choices(request) -> QuerySet:
        """The customers the ``customer`` filter offers: those the caller may see."""
        return _customers(request)

    def filter_breached(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(breached_at__isnull=not value)

    def filter_open(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        closed = Q(status__in=[Status.RESOLVED, Status.CLOSED])
        return queryset.exclude(closed) if value else queryset.filter(closed)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Words of the title, description and comments (full-text on PostgreSQL), the
        customer's name, or ``#id`` (cases/search.py)."""
        return search_cases(queryset, value)
