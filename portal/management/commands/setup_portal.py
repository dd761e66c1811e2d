"""One step that prepares a checkout to run: migrate, calendars, demo data, static files."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate the database, load the demo data (idempotent) and print how to log in."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-demo", action="store_true", help="Skip the demo data.")

    def handle(self, *args, **options) -> None:
        self.stdout.write("→ migrating the database")
        call_command("migrate", interactive=False, verbosity=0)
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        if not options["no_demo"]:
            call_command("demo", stdout=self.stdout)
