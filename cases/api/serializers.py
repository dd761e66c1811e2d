"""API representations of cases. Field names are a contract (issue 3): keep them."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api.fields import (
    AwareDateTimeField,
    FieldsBuiltOnce,
    ReaderTextField,
    TenantPrimaryKeyRelatedField,
)
from portal.models import Contact, Customer
from portal.tenancy import is_operator

from .. import rules, services
from ..choices import Category, Impact, OutOfScopeReason, Severity, Status, Urgency
from ..models import Case, CaseAttachment, CaseEvent, CaseWatcher


class OffsetDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an explicit offset (``+00:00``), never the bare ``Z``."""

    def to_representation(self, value):
        if value is None:
            return None
        value = self.enforce_timezone(value)
        return value.isoformat()


class ShareField(serializers.DecimalField):
    """The affected share at any precision (R-CASE-3); range and level are the service's.

    Shown as given, without trailing zeros ("0.3333333"), as a string like every decimal of
    the API.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(max_digits=None, decimal_places=None, **kwargs)

    def to_representation(self, value):
        if value is None:
            return None
        return format(value.normalize(), "f")


class CaseSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    affected_share = ShareField(read_only=True, allow_null=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    region = serializers.CharField(source="customer.region", read_only=True)
    breached = serializers.BooleanField(read_only=True)
    waiting_on_partner_seconds = serializers.SerializerMethodField()
    opened_at = OffsetDateTimeField(read_only=True)
    acknowledged_at = OffsetDateTimeField(read_only=True, allow_null=True)
    response_due_at = OffsetDateTimeField(read_only=True)
    breached_at = OffsetDateTimeField(read_only=True, allow_null=True)
    warned_at = OffsetDateTimeField(read_only=True, allow_null=True)
    resolved_at = OffsetDateTimeField(read_only=True, allow_null=True)
    closed_at = OffsetDateTimeField(read_only=True, allow_null=True)
    action_plan_at = OffsetDateTimeField(read_only=True, allow_null=True)
    action_plan_due_at = OffsetDateTimeField(
        read_only=True,
        allow_null=True,
        help_text="R-CASE-9: when the status and action plan are due (set on acknowledgement, "
        "not counting time waiting on the partner).",
    )
    action_plan_overdue = serializers.BooleanField(
        read_only=True, help_text="R-CASE-9: no plan given by its due time."
    )
    action_plan_overdue_at = OffsetDateTimeField(read_only=True, allow_null=True)
    monitoring_until = OffsetDateTimeField(
        read_only=True,
        allow_null=True,
        help_text="R-CASE-12: the end of the monitoring period; the case then resolves itself.",
    )
    partner_actions = serializers.SerializerMethodField(
        help_text="What a partner user may do with the case now (the same answer as the portal "
        "page): escalate, resume, reopen, close, report_recurrence."
    )
    owner = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="Staff only: the id of the operator engineer working the case (always null "
        "for partners: they see owner_name).",
    )
    owner_name = serializers.SerializerMethodField(
        help_text='The name of the operator engineer working the case; "" when unassigned.'
    )
    escalation_level = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Staff only (R-CASE-10): 0 not breached, 1 breached, 2 duty manager told, "
        "3 head of support told (null for partners).",
    )
    # Blank until the case is ruled out of scope: the schema must allow "" too.
    out_of_scope_reason = serializers.ChoiceField(
        choices=OutOfScopeReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "partner",
            "customer",
            "customer_name",
            "region",
            "title",
            "description",
            "category",
            "impact",
            "affected_share",
            "urgency",
            "severity",
            "status",
            "channel",
            "contract_number",
            "contact_name",
            "contact_phone",
            "contact_email",
            "reporting_contact",
            "opened_at",
            "acknowledged_at",
            "response_due_at",
            "breached",
            "breached_at",
            "warned_at",
            "action_plan",
            "action_plan_at",
            "action_plan_due_at",
            "action_plan_overdue",
            "action_plan_overdue_at",
            "monitoring_until",
            "waiting_on_partner_seconds",
            "resolved_at",
            "closed_at",
            "reopen_count",
            "out_of_scope",
            "out_of_scope_reason",
            "out_of_scope_note",
            "partner_actions",
            "owner",
            "owner_name",
            "escalation_level",
        ]
        read_only_fields = fields

    #: What only operator staff see: a staff user's id and the internal escalation chain.
    STAFF_ONLY = ("owner", "escalation_level")

    def to_representation(self, instance: Case) -> dict:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not is_operator(request.user):
            for name in self.STAFF_ONLY:
                data[name] = None
        return data

    def get_owner_name(self, case: Case) -> str:
        return services.owner_display_name(case.owner)

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                name: {"type": "boolean"}
                for name in ("escalate", "resume", "reopen", "close", "report_recurrence")
            },
        }
    )
    def get_partner_actions(self, case: Case) -> dict[str, bool]:
        return rules.partner_actions(
            case, timezone.now(), reopen_period=services.reopen_period()
        ).as_dict()

    def get_waiting_on_partner_seconds(self, case: Case) -> int:
        """R-CASE-9: the time spent waiting on the partner, shown apart."""
        return int(case.waiting_on_partner().total_seconds())


class CaseOpenSerializer(serializers.Serializer):
    customer = TenantPrimaryKeyRelatedField(queryset=Customer.objects.all())
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    impact = serializers.ChoiceField(choices=Impact.choices, required=False)
    affected_share = ShareField(
        required=False,
        help_text="Instead of the impact: the share of the environment affected, a number "
        "from 0 to 1 at any precision; the impact is derived from it.",
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    contract_number = serializers.CharField(max_length=40)
    contact_name = serializers.CharField(max_length=200)
    contact_phone = serializers.CharField(max_length=40)
    contact_email = serializers.EmailField()
    reporting_contact = TenantPrimaryKeyRelatedField(
        queryset=Contact.objects.all(),
        required=False,
        allow_null=True,
        help_text="The partner's contact who reports the case (partner-wide or of this "
        "customer); it receives the case's messages. Default: the partner's contact with "
        "the contact e-mail, else with the caller's e-mail, when there is one.",
    )
    opened_at = AwareDateTimeField(
        required=False, help_text="Staff only: the real opening time (not in the future)."
    )
    channel = serializers.ChoiceField(
        choices=[("api", "API"), ("phone", "Phone")], required=False, help_text="Staff: phone."
    )


class SeverityReasonSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices)
    reason = serializers.CharField()


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    monitoring_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Staff, entering monitoring: the monitoring period in days (default 7).",
    )


class RecurrenceSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class OutOfScopeSerializer(serializers.Serializer):
    # Named like the case's own field, so the schema has one enum for one choice set.
    out_of_scope_reason = serializers.ChoiceField(choices=OutOfScopeReason.choices)
    out_of_scope_note = serializers.CharField(required=False, allow_blank=True, default="")


class ActionPlanSerializer(serializers.Serializer):
    plan = serializers.CharField()


class AssignSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),  # the service decides who may own a case
        allow_null=True,
        help_text="An active operator staff user's id, or null to unassign.",
    )


class CaseEventSerializer(serializers.ModelSerializer):
    at = OffsetDateTimeField(read_only=True)
    actor = serializers.CharField(source="actor_name", read_only=True)
    # What a person wrote, or the words the system renders, in the requesting user's language.
    text = ReaderTextField(source="display_text")

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "at", "actor", "from_value", "to_value", "text", "data"]
        read_only_fields = fields


class CaseWatcherSerializer(serializers.ModelSerializer):
    """A contact that receives the case's messages besides the category's subscribers."""

    contact = serializers.PrimaryKeyRelatedField(read_only=True)
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    contact_email = serializers.EmailField(source="contact.email", read_only=True)
    added_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    added_at = OffsetDateTimeField(read_only=True)

    class Meta:
        model = CaseWatcher
        fields = ["contact", "contact_name", "contact_email", "added_by", "added_at"]
        read_only_fields = fields


class CaseWatcherAddSerializer(serializers.Serializer):
    contact = TenantPrimaryKeyRelatedField(
        queryset=Contact.objects.all(),
        help_text="A contact of the case's partner: partner-wide, or of the case's customer.",
    )


class SloRowSerializer(serializers.Serializer):
    month = serializers.SerializerMethodField()
    severity = serializers.CharField()
    met = serializers.IntegerField()
    breached = serializers.IntegerField()
    pending = serializers.IntegerField()
    percent = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    target = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    meets_target = serializers.BooleanField(allow_null=True)

    def get_month(self, row) -> str:
        return row.month.strftime("%Y-%m")


class CaseAttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    content_type = serializers.CharField(
        source="declared_content_type",
        read_only=True,
        help_text="As declared by the uploader; recorded, never trusted (downloads are always "
        "served as attachments).",
    )
    uploaded_by = serializers.CharField(source="uploader_name", read_only=True)
    uploaded_at = OffsetDateTimeField(source="created_at", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = CaseAttachment
        fields = [
            "id",
            "case",
            "name",
            "size",
            "sha256",
            "content_type",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, attachment) -> str:
        from django.urls import reverse

        path = reverse(
            "case-attachment-download",
            kwargs={"pk": attachment.case_id, "attachment_id": attachment.pk},
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    name = serializers.CharField(
        required=False, max_length=255, help_text="Default: the uploaded file's name."
    )
