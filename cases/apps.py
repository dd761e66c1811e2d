from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("TAC cases")

    def ready(self) -> None:
        from portal import dashboard

        from .views import dashboard_card_context

        dashboard.register_card(
            key="cases",
            template="cases/_dashboard_card.html",
            context=dashboard_card_context,
            order=10,
        )
        dashboard.register_nav(key="cases", label=_("Cases"), url_name="cases:list", order=10)
