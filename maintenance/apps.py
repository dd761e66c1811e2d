from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaintenanceConfig(AppConfig):
    name = "maintenance"
    verbose_name = _("Maintenance and changes")

    def ready(self) -> None:
        from portal import dashboard

        from . import selectors
        from .dashboard import dashboard_card

        dashboard.register_card(
            key="maintenance",
            template="maintenance/_card.html",
            context=dashboard_card,
            order=20,
        )
        dashboard.register_nav(
            key="maintenance", label=_("Maintenance"), url_name="maintenance:calendar", order=20
        )
        dashboard.register_customer_link(
            key="maintenance-status",
            label=_("Current status"),
            url_name="maintenance:customer-status",
            order=20,
        )
        dashboard.register_customer_link(
            key="maintenance-freezes",
            label=_("Freeze periods"),
            url_name="maintenance:freezes",
            query=True,
            order=20,
        )
        dashboard.register_staff_column(
            key="maintenance-upcoming",
            label=_("Planned changes"),
            values=selectors.staff_upcoming_by_partner,
            admin_url="admin:maintenance_change_changelist",
            filter_param="partner__id__exact",
            order=20,
        )
        dashboard.register_staff_column(
            key="maintenance-reschedules",
            label=_("Reschedules"),
            values=selectors.staff_open_reschedules_by_partner,
            admin_url="admin:maintenance_reschedulerequest_changelist",
            order=21,
        )
