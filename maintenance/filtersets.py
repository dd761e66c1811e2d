"""django-filter classes shared by the API and the portal lists."""

from django_filters import rest_framework as filters

from portal.filtersets import AwareIsoDateTimeFilter

from .choices import ChangeKind, ChangeStatus, OutageStatus, PatchStatus
from .models import Change, Outage, PatchRequest


class ChangeFilterSet(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=ChangeStatus.choices)
    kind = filters.MultipleChoiceFilter(choices=ChangeKind.choices)
    customer = filters.NumberFilter(field_name="customers", distinct=True)
    start_after = AwareIsoDateTimeFilter(field_name="start", lookup_expr="gte")
    start_before = AwareIsoDateTimeFilter(field_name="start", lookup_expr="lt")

    class Meta:
        model = Change
        fields = ["status", "kind", "customer", "partner", "origin"]


class PatchRequestFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=PatchStatus.choices)

    class Meta:
        model = PatchRequest
        fields = ["status", "customer"]


class OutageFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=OutageStatus.choices)

    class Meta:
        model = Outage
        fields = ["status"]
