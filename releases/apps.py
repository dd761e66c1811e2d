from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReleasesConfig(AppConfig):
    name = "releases"
    verbose_name = _("Releases")

    def ready(self) -> None:
        from portal import dashboard

        from . import campaigns, notifications, receivers  # noqa: F401 - kinds; the upgrade receiver
        from .dashboard import dashboard_card
        from .selectors import staff_must_upgrade_by_partner

        campaigns.register()  # the upgrade kind of maintenance campaigns (R-MNT-13)
        dashboard.register_card(
            key="releases",
            template="releases/_card.html",
            context=dashboard_card,
            order=50,
        )
        dashboard.register_nav(
            key="releases", label=_("Releases"), url_name="releases:index", order=50
        )
        dashboard.register_staff_column(
            key="releases-upgrade",
            label=_("To upgrade"),
            values=staff_must_upgrade_by_partner,
            admin_url="admin:releases_installedversion_changelist",
            order=50,
        )
