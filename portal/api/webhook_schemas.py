"""The stable JSON schema of every webhook event (R-NOT-4), published in the OpenAPI
description: each delivery's body is ``{"type", "timestamp", "data"}`` and ``data`` has the
shape below for its type. Times are ISO 8601 in UTC (``…Z``), dates ``YYYY-MM-DD``. New
fields may be added; existing ones keep their name and meaning.
"""

from __future__ import annotations

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from portal.webhooks import EVENT_TYPES


class CaseData(serializers.Serializer):
    case_id = serializers.IntegerField()
    customer_id = serializers.IntegerField()
    title = serializers.CharField()
    severity = serializers.CharField(help_text="S1 … S4")
    status = serializers.CharField(help_text="The case's status after the event.")
    opened_at = serializers.DateTimeField()
    response_due_at = serializers.DateTimeField()


class CaseOpenedData(CaseData):
    channel = serializers.CharField(help_text="web, api or phone")


class CaseSeverityChangedData(CaseData):
    from_severity = serializers.CharField()
    to_severity = serializers.CharField()


class CaseAcknowledgedData(CaseData):
    acknowledged_at = serializers.DateTimeField()
    objective_met = serializers.BooleanField(help_text="Acknowledged within the objective.")


class CaseBreachedData(CaseData):
    breached_at = serializers.DateTimeField()


class CaseStatusChangedData(CaseData):
    from_status = serializers.CharField()
    to_status = serializers.CharField()


class CaseCommentedData(CaseData):
    comment_id = serializers.IntegerField()
    author = serializers.CharField(help_text="The user name of the author, or system.")
    text = serializers.CharField()
    commented_at = serializers.DateTimeField()


class ChangeData(serializers.Serializer):
    change_id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    urgent = serializers.BooleanField()
    interrupts_calling = serializers.BooleanField()
    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField(allow_null=True)
    customer_ids = serializers.ListField(child=serializers.IntegerField())


class ChangeNotifiedData(ChangeData):
    notified_at = serializers.DateTimeField()
    emergency = serializers.BooleanField()


class ChangeRescheduledData(ChangeData):
    previous_start = serializers.DateTimeField(allow_null=True)
    previous_end = serializers.DateTimeField(allow_null=True)


class ChangeCompletedData(ChangeData):
    completed_at = serializers.DateTimeField()


class OutageData(serializers.Serializer):
    outage_id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    status = serializers.CharField(help_text="declared or resolved")
    declared_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolution = serializers.CharField(allow_blank=True)
    customer_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="The affected customers of this partner."
    )


class ReleaseAnnouncedData(serializers.Serializer):
    release_id = serializers.IntegerField()
    version = serializers.CharField()
    service_update = serializers.CharField(allow_blank=True)
    label = serializers.CharField()
    available_on = serializers.DateField()
    end_of_sale = serializers.DateField(allow_null=True)
    end_of_life = serializers.DateField(allow_null=True)


class CapacityRequestChangedData(serializers.Serializer):
    request_id = serializers.IntegerField()
    customer_id = serializers.IntegerField()
    from_status = serializers.CharField(allow_null=True, help_text="null when submitted")
    to_status = serializers.CharField()
    knowledge_workers = serializers.IntegerField()
    workspace_devices = serializers.IntegerField()
    note = serializers.CharField(allow_blank=True)
    changed_at = serializers.DateTimeField()


DATA_SCHEMAS: dict[str, type[serializers.Serializer]] = {
    "case.opened": CaseOpenedData,
    "case.severity_changed": CaseSeverityChangedData,
    "case.acknowledged": CaseAcknowledgedData,
    "case.breached": CaseBreachedData,
    "case.status_changed": CaseStatusChangedData,
    "case.commented": CaseCommentedData,
    "change.notified": ChangeNotifiedData,
    "change.rescheduled": ChangeRescheduledData,
    "change.completed": ChangeCompletedData,
    "outage.declared": OutageData,
    "outage.resolved": OutageData,
    "release.announced": ReleaseAnnouncedData,
    "capacity.request_changed": CapacityRequestChangedData,
}
assert set(DATA_SCHEMAS) == set(EVENT_TYPES), "every event type has a schema"


def _payload_serializer(event_type: str, data: type[serializers.Serializer]):
    name = "".join(part.title() for part in event_type.replace("_", ".").split(".")) + "Event"
    return type(
        name,
        (serializers.Serializer,),
        {
            "type": serializers.ChoiceField(choices=[event_type]),
            "timestamp": serializers.DateTimeField(help_text="When the event was published."),
            "data": data(),
            "__doc__": str(EVENT_TYPES[event_type]),
        },
    )


PAYLOADS = {t: _payload_serializer(t, s) for t, s in DATA_SCHEMAS.items()}

#: The body of any delivery, told apart by ``type``.
WebhookPayload = PolymorphicProxySerializer(
    component_name="WebhookPayload",
    serializers=PAYLOADS,
    resource_type_field_name="type",
)


def events_table() -> str:
    """A Markdown table of the event types and their ``data`` fields, for the description."""
    rows = ["| type | when | `data` fields |", "|---|---|---|"]
    for event_type, schema in DATA_SCHEMAS.items():
        fields = ", ".join(f"`{name}`" for name in schema().fields)
        rows.append(f"| `{event_type}` | {EVENT_TYPES[event_type]} | {fields} |")
    return "\n".join(rows)
