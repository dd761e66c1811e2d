from __future__ import annotations

from rest_framework import serializers

from cases import selectors as case_selectors
from portal.api.fields import ReaderTextField, TenantPrimaryKeyRelatedField
from portal.models import Customer

from ..choices import RequestStatus
from ..models import CapacityActivation, CapacityRequest, CapacityRequestEvent, ProvisionedReport


class CountsSerializer(serializers.Serializer):
    knowledge_workers = serializers.IntegerField()
    workspace_devices = serializers.IntegerField()


class UtilisationSerializer(serializers.Serializer):
    knowledge_workers = serializers.FloatField(allow_null=True)
    workspace_devices = serializers.FloatField(allow_null=True)
    overall = serializers.FloatField(allow_null=True)


class CapacitySummarySerializer(serializers.Serializer):
    """A customer's capacity now: approved, provisioned, utilisation in percent and the
    forecast date capacity runs out at recent growth (R-CAP-4)."""

    customer_id = serializers.IntegerField(source="customer.pk")
    customer = serializers.CharField(source="customer.name")
    approved = CountsSerializer()
    provisioned = CountsSerializer()
    utilisation = serializers.SerializerMethodField()
    threshold = serializers.IntegerField(source="level")
    forecast_date = serializers.DateField(source="forecast", allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    provisioned_at = serializers.DateTimeField(allow_null=True)

    def get_utilisation(self, summary) -> dict:
        data = {use.resource: use.percent for use in summary.resources}
        data["overall"] = summary.percent
        return UtilisationSerializer(data).data


class ProvisionedReportSerializer(serializers.ModelSerializer):
    knowledge_workers = serializers.IntegerField(min_value=0)
    workspace_devices = serializers.IntegerField(min_value=0)

    class Meta:
        model = ProvisionedReport
        fields = [
            "id",
            "customer",
            "knowledge_workers",
            "workspace_devices",
            "reported_at",
            "source",
        ]
        read_only_fields = ["id", "customer", "reported_at", "source"]


class CapacityRequestEventSerializer(serializers.ModelSerializer):
    # Plain strings: the status enum is documented once, on the request's ``status``.
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)
    # A note the system wrote is rendered in the requesting user's language.
    note = ReaderTextField(source="display_note")

    class Meta:
        model = CapacityRequestEvent
        fields = ["from_status", "to_status", "note", "at"]


class CapacityRequestSerializer(serializers.ModelSerializer):
    customer = TenantPrimaryKeyRelatedField(queryset=Customer.objects.all())
    case = TenantPrimaryKeyRelatedField(queryset=case_selectors.linkable_cases())
    knowledge_workers = serializers.IntegerField(min_value=0)
    workspace_devices = serializers.IntegerField(min_value=0)
    events = CapacityRequestEventSerializer(many=True, read_only=True)

    class Meta:
        model = CapacityRequest
        fields = [
            "id",
            "customer",
            "knowledge_workers",
            "workspace_devices",
            "reason",
            "case",
            "status",
            "previous_knowledge_workers",
            "previous_workspace_devices",
            "created_at",
            "updated_at",
            "events",
        ]
        read_only_fields = [
            "status",
            "previous_knowledge_workers",
            "previous_workspace_devices",
            "created_at",
            "updated_at",
        ]
        validators: list = []


class CapacityTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RequestStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CapacityActivationSerializer(serializers.ModelSerializer):
    """A new customer's end-state totals (R-CAP-1); staff confirm them as approved capacity."""

    knowledge_workers = serializers.IntegerField(min_value=0)
    workspace_devices = serializers.IntegerField(min_value=0)

    class Meta:
        model = CapacityActivation
        fields = [
            "id",
            "customer",
            "knowledge_workers",
            "workspace_devices",
            "status",
            "submitted_at",
            "confirmed_at",
        ]
        read_only_fields = ["id", "customer", "status", "submitted_at", "confirmed_at"]


class CapacityRequestUpdateSerializer(serializers.Serializer):
    """What the partner may change in its open request (R-CAP-3): the totals and the reason."""

    knowledge_workers = serializers.IntegerField(min_value=0, required=False)
    workspace_devices = serializers.IntegerField(min_value=0, required=False)
    reason = serializers.CharField(required=False, allow_blank=True)


class CapacityWithdrawSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
