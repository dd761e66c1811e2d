from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from releases import services


class Command(BaseCommand):
    help = _("Refresh release compliance and notify each change of state once (R-REL-2).")

    def handle(self, *args, **options) -> None:
        result = services.compliance_check()
        self.stdout.write(
            _("%(changed)d states changed, %(notified)d notifications written.") % result
        )
