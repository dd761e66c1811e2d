from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from releases import selectors, services


class Command(BaseCommand):
    help = _("Load the source's R-REL-3 release table (idempotent) and print it.")

    def handle(self, *args, **options) -> None:
        loaded = services.release_table_load()
        self.stdout.write(_("%(count)d releases loaded.") % {"count": len(loaded)})
        for row in selectors.catalogue().policy_table():
            self.stdout.write(" | ".join(row))
