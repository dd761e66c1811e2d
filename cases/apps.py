from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("TAC cases")

    def ready(self) -> None:
        from portal import dashboard, metrics
        from portal import notifications as outbox

        from . import notifications, selectors  # noqa: F401 - notifications registers kinds
        from .dashboard import dashboard_card

        dashboard.register_card(
            key="cases",
            template="cases/_dashboard_card.html",
            context=dashboard_card,
            order=10,
        )
        metrics.register_collector(selectors.breached_unacknowledged_metrics)
        dashboard.register_staff_panel(
            key="cases-queue",
            template="cases/admin/_my_queue.html",
            context=lambda request: selectors.my_queue(user=request.user),
            order=10,
        )
        # A case's reporting contact and watchers receive its messages, besides the contacts
        # subscribed to the category.
        outbox.register_audience("cases.case", selectors.case_audience)
        dashboard.register_nav(key="cases", label=_("Cases"), url_name="cases:list", order=10)
        dashboard.register_staff_column(
            key="cases-open",
            label=_("Open cases"),
            values=selectors.staff_open_by_partner,
            admin_url="admin:cases_case_changelist",
            filter_param="partner__id__exact",
            order=10,
        )
        dashboard.register_staff_column(
            key="cases-breached",
            label=_("Breached"),
            values=selectors.staff_breached_open_by_partner,
            admin_url="admin:cases_case_changelist",
            filter_param="partner__id__exact",
            order=11,
        )
        dashboard.register_staff_column(
            key="cases-slo",
            label=_("S3/S4 met, month (95 % target)"),
            values=selectors.staff_s3s4_attainment_by_partner,
            order=12,
        )
