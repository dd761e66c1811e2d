"""django-filter classes shared by the API and the portal lists."""

from django_filters import rest_framework as filters

from portal.filtersets import AwareIsoDateTimeFilter, ScopedFilterSet, scoped_queryset
from portal.models import Customer

from .choices import ChangeKind, ChangeStatus, OutageStatus, PatchStatus
from .models import Certificate, Change, FreezePeriod, Outage, PatchRequest, RescheduleRequest


class ChangeFilterSet(ScopedFilterSet):
    status = filters.MultipleChoiceFilter(choices=ChangeStatus.choices)
    kind = filters.MultipleChoiceFilter(choices=ChangeKind.choices)
    customer = filters.ModelChoiceFilter(
        field_name="customers", queryset=scoped_queryset(Customer), distinct=True
    )
    start_after = AwareIsoDateTimeFilter(field_name="start", lookup_expr="gte")
    start_before = AwareIsoDateTimeFilter(field_name="start", lookup_expr="lt")

    class Meta:
        model = Change
        fields = ["status", "kind", "customer", "partner", "origin"]


class PatchRequestFilterSet(ScopedFilterSet):
    status = filters.ChoiceFilter(choices=PatchStatus.choices)

    class Meta:
        model = PatchRequest
        fields = ["status", "customer"]


class OutageFilterSet(ScopedFilterSet):
    status = filters.ChoiceFilter(choices=OutageStatus.choices)

    class Meta:
        model = Outage
        fields = ["status"]


class RescheduleRequestFilterSet(ScopedFilterSet):
    class Meta:
        model = RescheduleRequest
        fields = ["status", "change"]


class CertificateFilterSet(ScopedFilterSet):
    class Meta:
        model = Certificate
        fields = ["customer", "application"]


class FreezePeriodFilterSet(ScopedFilterSet):
    """Freeze periods (R-MNT-14) by customer (another partner's customer is a 400) and by
    the span they overlap (``ends_after`` / ``starts_before``)."""

    customer = filters.ModelChoiceFilter(queryset=scoped_queryset(Customer))
    ends_after = AwareIsoDateTimeFilter(field_name="end", lookup_expr="gt")
    starts_before = AwareIsoDateTimeFilter(field_name="start", lookup_expr="lt")

    class Meta:
        model = FreezePeriod
        fields = ["customer"]
