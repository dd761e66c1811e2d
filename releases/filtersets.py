"""Filters shared by the releases API and portal lists."""

from django_filters import rest_framework as filters

from portal.choices import Application
from portal.filtersets import ScopedFilterSet

from .choices import ComplianceState
from .models import InstalledVersion, Release, Upgrade


class InstalledVersionFilter(ScopedFilterSet):
    application = filters.MultipleChoiceFilter(choices=Application.choices)
    state = filters.MultipleChoiceFilter(
        field_name="compliance_state", choices=ComplianceState.choices
    )

    class Meta:
        model = InstalledVersion
        fields = ["customer", "release", "application", "state"]


class ReleaseFilter(ScopedFilterSet):
    class Meta:
        model = Release
        fields = ["version"]


class UpgradeFilter(ScopedFilterSet):
    class Meta:
        model = Upgrade
        fields = ["target"]
