"""Load the demo data of the core and of every feature app (idempotent)."""

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand

from portal import demo


class Command(BaseCommand):
    help = "Load demo partners, customers, users and each app's demo data. Safe to run again."

    def handle(self, *args, **options) -> None:
        self.stdout.write("→ demo data: partners, customers, contacts, users")
        demo.load()
        for config in apps.get_app_configs():
            if config.name == "portal":
                continue
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            self.stdout.write(f"→ demo data: {config.verbose_name}")
            module.load()
        self.stdout.write(self.style.SUCCESS("\nThe portal is ready."))
        self.stdout.write(f"  Portal:  {settings.SITE_URL}/")
        self.stdout.write(f"  Admin:   {settings.SITE_URL}/admin/")
        self.stdout.write(f"  API:     {settings.SITE_URL}/api/docs/")
        self.stdout.write(f"  Logins (password {demo.DEMO_PASSWORD!r}):")
        for username, _slug, _role, description in demo.USERS:
            self.stdout.write(f"    {username:<8} {description}")
