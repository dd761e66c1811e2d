from django.core.management.base import BaseCommand

from maintenance import services


class Command(BaseCommand):
    help = "Create renewal changes for certificates 3-7 days before expiry (R-MNT-6), once."

    def handle(self, *args, **options) -> None:
        counts = services.certificates_scan()
        self.stdout.write(", ".join(f"{key}: {value}" for key, value in counts.items()))
