"""Filters shared by the capacity API and portal lists."""

from django_filters import rest_framework as filters

from portal.filtersets import ScopedFilterSet
from portal.models import Customer

from .choices import RequestStatus
from .models import CapacityRequest


class CapacityRequestFilter(ScopedFilterSet):
    status = filters.MultipleChoiceFilter(choices=RequestStatus.choices)

    class Meta:
        model = CapacityRequest
        fields = ["customer", "status", "case"]


class CustomerCapacityFilter(ScopedFilterSet):
    """The per-customer capacity list."""

    class Meta:
        model = Customer
        fields = ["region"]
