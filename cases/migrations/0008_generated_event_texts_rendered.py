"""The words the monitoring sweep wrote on a case's timeline ("The monitoring period ended
without a recurrence." / "O período de monitoramento terminou sem recorrência.") are no longer
stored: CaseEvent.display_text renders them in the reader's language from the event's data."""

from django.db import migrations

MONITORING_ENDED = [
    "The monitoring period ended without a recurrence.",
    "O período de monitoramento terminou sem recorrência.",
]


def forwards(apps, schema_editor) -> None:
    CaseEvent = apps.get_model("cases", "CaseEvent")
    # A queryset update: the timeline is append-only for the application, not for a migration.
    CaseEvent.objects.filter(
        kind="status_change", text__in=MONITORING_ENDED, data__has_key="monitoring_ended"
    ).update(text="")


def backwards(apps, schema_editor) -> None:
    CaseEvent = apps.get_model("cases", "CaseEvent")
    CaseEvent.objects.filter(
        kind="status_change", text="", data__has_key="monitoring_ended"
    ).update(text=MONITORING_ENDED[0])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_timeline_kinds_of_attachments_and_queue"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
