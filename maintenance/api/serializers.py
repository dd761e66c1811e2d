"""API representations of the maintenance app. Field names are a contract (issue 4)."""

from __future__ import annotations

from datetime import date, datetime

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases import selectors as case_selectors
from portal.api.fields import AwareDateTimeField, ReaderTextField, TenantPrimaryKeyRelatedField
from portal.choices import Application, Region
from portal.models import Customer, Partner

from .. import rules
from ..choices import ChangeKind, OutageUpdateStatus, PartnerRequestKind, WindowKind
from ..models import (
    Campaign,
    CampaignSlot,
    Certificate,
    Change,
    ChangeNotice,
    FreezePeriod,
    Outage,
    OutageUpdate,
    PartnerEmergency,
    PatchRequest,
    RescheduleAlternative,
    RescheduleRequest,
    SsoChecklist,
    SsoChecklistStep,
)


class DateOrDateTimeField(serializers.Field):
    """A calendar date (2027-03-26) or an aware ISO 8601 datetime."""

    default_error_messages = {
        "invalid": _("Give a date (YYYY-MM-DD) or an ISO 8601 datetime with its offset."),
    }

    def to_internal_value(self, data: str) -> date | datetime:
        text = str(data).strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        if "T" in text:  # a "+" offset arrives as a space when a query string was not encoded
            text = text.replace(" ", "+")
        value = parse_datetime(text)
        if value is None or value.tzinfo is None:
            self.fail("invalid")
        return value

    def to_representation(self, value):  # pragma: no cover - query parameters only
        return value.isoformat()


class WindowQuerySerializer(serializers.Serializer):
    region = serializers.ChoiceField(choices=Region.choices)
    start = DateOrDateTimeField()
    end = DateOrDateTimeField()

    def validate(self, attrs: dict) -> dict:
        start, end = attrs["start"], attrs["end"]
        if isinstance(start, datetime) != isinstance(end, datetime):
            raise serializers.ValidationError(
                {"end": _("Give both bounds as dates or both as datetimes.")}
            )
        for name in ("start", "end"):
            violation = rules.year_violation(attrs[name].year, field=name)
            if violation is not None:
                raise serializers.ValidationError({name: str(violation.message)})
        if end < start:
            raise serializers.ValidationError({"end": _("The end must not be before the start.")})
        span = end - start
        if span.days > 366:
            raise serializers.ValidationError({"end": _("Ask for at most 366 days at a time.")})
        return attrs


class WindowSerializer(serializers.Serializer):
    region = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=WindowKind.choices)
    infrastructure_only = serializers.BooleanField()

    def to_representation(self, window) -> dict:
        # ISO 8601 with the region's own offset, e.g. 2027-03-27T21:00:00+01:00.
        return window.as_dict()


class ChangeSerializer(serializers.ModelSerializer):
    customers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    # A title the system wrote is rendered in the requesting user's language (profile,
    # else partner, else Accept-Language); a typed one is shown as typed.
    title = ReaderTextField(
        source="display_title",
        help_text=_(
            "The change's title in the requesting user's language: as typed, or rendered "
            "from the kind of text the system wrote (e.g. a certificate renewal)."
        ),
    )
    description = ReaderTextField(source="display_description")
    # Blank unless set: declared so the schema allows "" (read_only_fields drops allow_blank).
    sme_publisher_region = serializers.ChoiceField(
        choices=Region.choices, allow_blank=True, read_only=True
    )
    partner_request_kind = serializers.ChoiceField(
        choices=PartnerRequestKind.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Change
        fields = [
            "id",
            "partner",
            "kind",
            "title",
            "description",
            "customers",
            "start",
            "end",
            "status",
            "reason",
            "urgent",
            "interrupts_calling",
            "sme_publisher_region",
            "case",
            "origin",
            "partner_request_kind",
            "review_note",
            "notice_sent_at",
            "reschedule_deadline",
            "reschedule_open",
            "started_at",
            "completed_at",
            "cancelled_at",
        ]
        read_only_fields = fields


class ChangeWriteSerializer(serializers.Serializer):
    """Staff create (schedule or declare an emergency) and move changes."""

    partner = serializers.PrimaryKeyRelatedField(queryset=Partner.objects.all(), required=False)
    kind = serializers.ChoiceField(choices=ChangeKind.choices, required=False)
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    customers = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Customer.objects.all(), required=False
    )
    start = AwareDateTimeField(required=False, allow_null=True)
    end = AwareDateTimeField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    urgent = serializers.BooleanField(required=False, default=False)
    interrupts_calling = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("An upgrade that interrupts calling also needs 10 business days of notice."),
    )
    sme_publisher_region = serializers.ChoiceField(
        choices=Region.choices, required=False, allow_blank=True, default=""
    )
    case = serializers.IntegerField(required=False, allow_null=True)
    certificate = serializers.PrimaryKeyRelatedField(
        queryset=Certificate.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("For a certificate renewal: the certificate (band check)."),
    )


class NoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChangeNotice
        fields = ["id", "kind", "subject", "body", "recipients", "sent_at"]


class AlternativeSerializer(serializers.ModelSerializer):
    class Meta:
        model = RescheduleAlternative
        fields = ["id", "start", "end", "window_kind"]


class RescheduleRequestSerializer(serializers.ModelSerializer):
    alternatives = AlternativeSerializer(many=True, read_only=True)

    class Meta:
        model = RescheduleRequest
        fields = [
            "id",
            "change",
            "reason",
            "status",
            "staff_note",
            "alternatives",
            "chosen",
            "created_at",
            "answered_at",
        ]
        read_only_fields = fields


class RescheduleCreateSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class AlternativeInputSerializer(serializers.Serializer):
    start = AwareDateTimeField()
    end = AwareDateTimeField()


class AlternativesInputSerializer(serializers.Serializer):
    alternatives = AlternativeInputSerializer(
        many=True,
        required=False,
        help_text=_("Leave out to offer the next windows that satisfy the change's rules."),
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ChooseSerializer(serializers.Serializer):
    alternative = serializers.IntegerField()


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["start", "approve", "reject"])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=ChangeKind.choices, required=False)


class PartnerChangeRequestSerializer(serializers.Serializer):
    customers = TenantPrimaryKeyRelatedField(many=True, queryset=Customer.objects.all())
    partner_request_kind = serializers.ChoiceField(choices=PartnerRequestKind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()


class CertificateSerializer(serializers.ModelSerializer):
    customer = TenantPrimaryKeyRelatedField(queryset=Customer.objects.all())
    expires_at = AwareDateTimeField()

    class Meta:
        model = Certificate
        fields = ["id", "customer", "application", "common_name", "expires_at", "renewal_change"]
        read_only_fields = ["renewal_change"]


class SsoStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = SsoChecklistStep
        fields = ["id", "item", "done_at"]


class SsoChecklistSerializer(serializers.ModelSerializer):
    steps = SsoStepSerializer(many=True, read_only=True)

    class Meta:
        model = SsoChecklist
        fields = ["id", "change", "customer", "steps", "created_at", "completed_at"]


class SsoTickSerializer(serializers.Serializer):
    step = serializers.IntegerField()
    done = serializers.BooleanField(default=True)


class PatchRequestSerializer(serializers.ModelSerializer):
    customer = TenantPrimaryKeyRelatedField(queryset=Customer.objects.all())

    class Meta:
        model = PatchRequest
        fields = [
            "id",
            "customer",
            "kind",
            "file_name",
            "note",
            "status",
            "requested_at",
            "uploaded_at",
            "installed_at",
        ]
        read_only_fields = ["status", "requested_at", "uploaded_at", "installed_at"]


class VulnerabilityScanSerializer(serializers.Serializer):
    customer = TenantPrimaryKeyRelatedField(queryset=Customer.objects.all(), required=False)
    details = serializers.CharField(required=False, allow_blank=True)


class OutageSerializer(serializers.ModelSerializer):
    customers = serializers.SerializerMethodField()
    applications = serializers.ListField(child=serializers.CharField(), read_only=True)
    regions = serializers.ListField(child=serializers.CharField(), read_only=True)
    current_status = serializers.SerializerMethodField()

    class Meta:
        model = Outage
        fields = [
            "id",
            "title",
            "description",
            "customers",
            "applications",
            "regions",
            "status",
            "current_status",
            "declared_at",
            "resolved_at",
            "resolution",
        ]

    def get_current_status(self, outage: Outage) -> str | None:
        """The latest update's status (investigating … resolved)."""
        if hasattr(outage, "current_status"):
            return outage.current_status
        latest = outage.updates.order_by("-created_at", "-pk").first()
        return latest.status if latest else None

    def get_customers(self, outage: Outage) -> list[int]:
        # Partners see only their own affected customers.
        return [c.pk for c in getattr(outage, "visible_customers", outage.customers.all())]


class OutageDeclareSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    customers = serializers.PrimaryKeyRelatedField(many=True, queryset=Customer.objects.all())
    applications = serializers.ListField(
        child=serializers.ChoiceField(choices=Application.choices), required=False, default=list
    )
    regions = serializers.ListField(
        child=serializers.ChoiceField(choices=Region.choices), required=False, default=list
    )


class OutageUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutageUpdate
        fields = ["id", "outage", "status", "text", "created_at"]
        read_only_fields = fields


class OutageUpdatePostSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OutageUpdateStatus.choices)
    text = serializers.CharField()


class OutageResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(required=False, allow_blank=True, default="")


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.CharField(read_only=True)
    include_windows = serializers.BooleanField(required=False)
    rotated_at = serializers.DateTimeField(read_only=True)


class PartnerEmergencySerializer(serializers.ModelSerializer):
    """An emergency change in the partner's own network (R-MNT-8). Another partner's customer
    or case is refused as if it did not exist."""

    customers = TenantPrimaryKeyRelatedField(many=True, queryset=Customer.objects.all())
    case = TenantPrimaryKeyRelatedField(
        queryset=case_selectors.linkable_cases(), required=False, allow_null=True
    )
    start = AwareDateTimeField()
    end = AwareDateTimeField()

    class Meta:
        model = PartnerEmergency
        fields = [
            "id",
            "partner",
            "title",
            "description",
            "start",
            "end",
            "customers",
            "visible_impact",
            "case",
            "created_at",
        ]
        read_only_fields = ["id", "partner", "created_at"]


class FreezePeriodSerializer(serializers.ModelSerializer):
    """A customer's freeze period (R-MNT-14): ``start`` and ``end`` are aware ISO 8601
    datetimes, half-open. Another partner's customer is refused as if it did not exist."""

    customer = TenantPrimaryKeyRelatedField(queryset=Customer.objects.all())
    start = AwareDateTimeField()
    end = AwareDateTimeField()

    class Meta:
        model = FreezePeriod
        fields = ["id", "customer", "start", "end", "reason", "created_at"]
        read_only_fields = ["id", "created_at"]


# --- campaigns (R-MNT-13), staff only ----------------------------------------------------------

CAMPAIGN_WRITE_FIELDS = [
    "kind",
    "target_release",
    "title",
    "description",
    "reason",
    "advisory",
    "interrupts_calling",
    "duration_minutes",
    "selection",
    "per_window_limit",
    "earliest_start",
    "deadline",
]


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = [
            "id",
            *CAMPAIGN_WRITE_FIELDS,
            "status",
            "unplaceable",
            "planned_at",
            "committed_at",
            "created_at",
        ]
        read_only_fields = fields


class CampaignWriteSerializer(serializers.ModelSerializer):
    """The campaign's terms; the service checks the rules. ``selection``: an object of lists
    (``regions``, ``partners``, ``releases``, ``applications``, ``customers``), AND-combined."""

    earliest_start = AwareDateTimeField(required=False, allow_null=True)
    deadline = AwareDateTimeField()

    class Meta:
        model = Campaign
        fields = CAMPAIGN_WRITE_FIELDS
        extra_kwargs = {"selection": {"required": False}}


class CampaignSlotSerializer(serializers.ModelSerializer):
    class Meta:
        model = CampaignSlot
        fields = ["id", "customer", "start", "end", "window_kind", "status", "change"]
        read_only_fields = fields


class SlotMoveSerializer(serializers.Serializer):
    start = AwareDateTimeField()


class UnplaceableSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    rule = serializers.CharField()
    reason = serializers.CharField()


class PlanResultSerializer(serializers.Serializer):
    planned = serializers.IntegerField()
    unplaceable = UnplaceableSerializer(many=True)


class CampaignProgressSerializer(serializers.Serializer):
    """Counts by change status plus ``excluded`` and ``unplaceable``: ``total``, per region
    (``regions``: region → counts) and per partner (``partners``: partner id → counts)."""

    total = serializers.DictField(child=serializers.IntegerField())
    regions = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))
    partners = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))
