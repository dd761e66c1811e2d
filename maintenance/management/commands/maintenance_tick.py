from django.core.management.base import BaseCommand

from maintenance import services


class Command(BaseCommand):
    help = "Run the periodic change duties once: reschedule expiry, reminders, start, end."

    def handle(self, *args, **options) -> None:
        counts = services.maintenance_tick()
        self.stdout.write(", ".join(f"{key}: {value}" for key, value in counts.items()))
