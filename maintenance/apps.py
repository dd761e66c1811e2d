from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaintenanceConfig(AppConfig):
    name = "maintenance"
    verbose_name = _("Maintenance and changes")

    def ready(self) -> None:
        from portal.dashboard import register_card, register_nav

        from .dashboard import card_context

        register_card(
            key="maintenance",
            template="maintenance/_card.html",
            context=card_context,
            order=20,
        )
        register_nav(
            key="maintenance", label=_("Maintenance"), url_name="maintenance:calendar", order=20
        )
