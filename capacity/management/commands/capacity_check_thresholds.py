from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from capacity import services


class Command(BaseCommand):
    help = _("Notify partners of capacity thresholds crossed (80/90/100 %%, R-CAP-4).")

    def handle(self, *args, **options) -> None:
        written = services.capacity_notify_thresholds()
        self.stdout.write(_("%(count)d notifications written.") % {"count": written})
