from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapacityConfig(AppConfig):
    name = "capacity"
    verbose_name = _("Capacity")

    def ready(self) -> None:
        from portal import dashboard

        from . import notifications  # noqa: F401 - registers the kinds
        from .dashboard import dashboard_card
        from .selectors import staff_near_capacity_by_partner

        dashboard.register_card(
            key="capacity",
            template="capacity/_card.html",
            context=dashboard_card,
            order=40,
        )
        dashboard.register_nav(
            key="capacity", label=_("Capacity"), url_name="capacity:index", order=40
        )
        dashboard.register_staff_column(
            key="capacity-near",
            label=_("Near capacity"),
            values=staff_near_capacity_by_partner,
            admin_url="admin:capacity_customercapacity_changelist",
            order=40,
        )
