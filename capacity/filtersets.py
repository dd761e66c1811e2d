"""Filters shared by the capacity API and portal lists."""

from django_filters import rest_framework as filters

from portal.filtersets import ScopedFilterSet

from .choices import RequestStatus
from .models import CapacityRequest


class CapacityRequestFilter(ScopedFilterSet):
    status = filters.MultipleChoiceFilter(choices=RequestStatus.choices)

    class Meta:
        model = CapacityRequest
        fields = ["customer", "status", "case"]
