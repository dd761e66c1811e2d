from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases import selectors as case_selectors
from portal.api.fields import AwareDateTimeField, ReaderTextField, TenantPrimaryKeyRelatedField
from portal.choices import Application
from portal.models import Customer, Partner

from .. import selectors
from ..models import InstalledVersion, Release, Upgrade


def _catalogue(serializer: serializers.Serializer) -> selectors.ReleaseCatalogue:
    """One catalogue per request, shared by every row (positions are derived, R-REL-2)."""
    context = serializer.context
    if "catalogue" not in context:
        context["catalogue"] = selectors.catalogue()
    return context["catalogue"]


class ReleaseSerializer(serializers.ModelSerializer):
    """A release with its derived position and effective policy. Staff write the stored
    cells (``*_override``; null = derived from the position, R-REL-3)."""

    position = serializers.SerializerMethodField()
    new_deployments = serializers.SerializerMethodField()
    upgrades_supported = serializers.SerializerMethodField()
    may_stay = serializers.SerializerMethodField()
    must_upgrade_to = serializers.SerializerMethodField()
    new_deployments_override = serializers.BooleanField(
        source="new_deployments", allow_null=True, required=False
    )
    upgrades_supported_override = serializers.BooleanField(
        source="upgrades_supported", allow_null=True, required=False
    )
    may_stay_override = serializers.BooleanField(source="may_stay", allow_null=True, required=False)

    class Meta:
        model = Release
        fields = [
            "id",
            "version",
            "service_update",
            "position",
            "available_on",
            "end_of_sale",
            "end_of_life",
            "new_deployments",
            "upgrades_supported",
            "may_stay",
            "must_upgrade_to",
            "new_deployments_override",
            "upgrades_supported_override",
            "may_stay_override",
            "upgrade_target",
        ]
        read_only_fields = ["available_on"]
        validators: list = []

    def _view(self, release: Release) -> selectors.ReleaseView | None:
        cat = _catalogue(self)
        return cat.view(release) if release.key in cat.by_key else None

    def get_position(self, release: Release) -> str | None:
        view = self._view(release)
        return str(view.position) if view and view.position else None

    def get_new_deployments(self, release: Release) -> bool | None:
        view = self._view(release)
        return view.policy.new_deployments if view else None

    def get_upgrades_supported(self, release: Release) -> bool | None:
        view = self._view(release)
        return view.policy.upgrades_supported if view else None

    def get_may_stay(self, release: Release) -> bool | None:
        view = self._view(release)
        return view.policy.may_stay if view else None

    def get_must_upgrade_to(self, release: Release) -> str | None:
        view = self._view(release)
        return str(view.target) if view and view.target else None


class AnnounceSerializer(serializers.Serializer):
    available_on = serializers.DateField(required=False)


class ComplianceSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    release_label = serializers.CharField(source="release.__str__", read_only=True)
    position = serializers.SerializerMethodField()
    state = serializers.CharField(source="compliance_state")
    must_upgrade_to = serializers.SerializerMethodField()
    message = serializers.SerializerMethodField()

    class Meta:
        model = InstalledVersion
        fields = [
            "id",
            "customer",
            "customer_name",
            "application",
            "release",
            "release_label",
            "position",
            "state",
            "must_upgrade_to",
            "message",
        ]

    def get_position(self, row: InstalledVersion) -> str | None:
        position = _catalogue(self).position(row.release)
        return str(position) if position else None

    def get_must_upgrade_to(self, row: InstalledVersion) -> str | None:
        return str(row.compliance_target) if row.compliance_target else None

    def get_message(self, row: InstalledVersion) -> str:
        return selectors.compliance_message(row)


class InstalledVersionSerializer(serializers.ModelSerializer):
    customer = TenantPrimaryKeyRelatedField(queryset=Customer.objects.all())
    application = serializers.ChoiceField(choices=Application.choices)
    release = serializers.PrimaryKeyRelatedField(queryset=Release.objects.all())
    installed_at = AwareDateTimeField(required=False, allow_null=True)
    existing_deployment = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Records a customer that already ran this release before it was recorded "
        "here; otherwise a new customer's first release must support new deployments (R-REL-3).",
    )

    class Meta:
        model = InstalledVersion
        fields = [
            "id",
            "customer",
            "application",
            "release",
            "installed_at",
            "existing_deployment",
            "compliance_state",
            "compliance_target",
        ]
        read_only_fields = ["compliance_state", "compliance_target"]
        validators: list = []


class UpgradeSerializer(serializers.ModelSerializer):
    partner = TenantPrimaryKeyRelatedField(
        queryset=Partner.objects.all(), source="change.partner", required=False
    )
    customers = serializers.SerializerMethodField()
    title = ReaderTextField(
        source="change.display_title",
        help_text=_("The change's title in the requesting user's language."),
    )
    status = serializers.CharField(source="change.status", read_only=True)
    reason = serializers.CharField(source="change.reason", read_only=True)
    start = serializers.DateTimeField(source="change.start", read_only=True)
    end = serializers.DateTimeField(source="change.end", read_only=True)
    change = serializers.PrimaryKeyRelatedField(read_only=True)
    case = serializers.PrimaryKeyRelatedField(source="change.case", read_only=True, allow_null=True)

    class Meta:
        model = Upgrade
        fields = [
            "id",
            "change",
            "partner",
            "customers",
            "title",
            "target",
            "applications",
            "reason",
            "advisory",
            "case",
            "status",
            "start",
            "end",
            "reschedules_used",
            "completed_at",
        ]
        read_only_fields = fields

    def get_customers(self, upgrade: Upgrade) -> list[int]:
        return [c.pk for c in upgrade.change.customers.all()]


class UpgradeCreateSerializer(serializers.Serializer):
    partner = serializers.PrimaryKeyRelatedField(queryset=Partner.objects.all())
    customers = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all(), many=True)
    target = serializers.PrimaryKeyRelatedField(queryset=Release.objects.all())
    reason = serializers.CharField()
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    # Application codes (R-REL-1), checked by the service; the enum is documented once.
    applications = serializers.ListField(
        child=serializers.CharField(), required=False, default=list
    )
    title = serializers.CharField(required=False, allow_blank=True, default="")
    # R-MNT-7: a security upgrade names its advisory; a feature upgrade links the case.
    advisory = serializers.CharField(required=False, allow_blank=True, default="")
    case = serializers.PrimaryKeyRelatedField(
        queryset=case_selectors.linkable_cases(), required=False, allow_null=True, default=None
    )


class UpgradeRescheduleSerializer(serializers.Serializer):
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    reason = serializers.CharField()
