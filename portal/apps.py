from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Partners and customers")

    def ready(self) -> None:
        from . import checks, dashboard, selectors, signals  # noqa: F401

        dashboard.register_nav(
            key="customers", label=_("Customers"), url_name="portal:customers", order=80
        )
        dashboard.register_nav(
            key="contacts", label=_("Contacts"), url_name="portal:contacts", order=90
        )
        dashboard.register_nav(key="users", label=_("Users"), url_name="portal:users", order=95)
        dashboard.register_nav(
            key="deliveries", label=_("Delivery log"), url_name="portal:deliveries", order=92
        )


class PortalAdminConfig(AdminConfig):
    """The admin, with the operator console's index (a cross-partner overview)."""

    default_site = "portal.admin_site.PortalAdminSite"


class SignInProtectionConfig(AxesAppConfig):
    """django-axes (login brute-force protection) under a name its readers understand, in
    their language: the admin's section was "Axes" (its texts: ``portal/translations.py``)."""

    verbose_name = _("Sign-in protection")
