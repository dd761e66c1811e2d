"""Partner portal pages of the releases app: the release table, compliance per customer,
upgrades with the one reschedule (R-REL-2 … R-REL-4)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from maintenance import services as maintenance_services
from portal.errors import DomainError, add_domain_error
from portal.models import Customer
from portal.views import PartnerRequiredMixin, get_for_user_or_404

from . import rules, selectors, services
from .forms import UpgradeRescheduleForm
from .models import Upgrade


class ReleaseIndexView(PartnerRequiredMixin, View):
    """Releases with their positions and policy, and each customer's compliance."""

    def get(self, request: HttpRequest) -> HttpResponse:
        cat = selectors.catalogue()
        customers = selectors.compliance_by_customer(request.user)
        table = cat.policy_table()
        return render(
            request,
            "releases/index.html",
            {
                "views": cat.views(),
                "policy_header": table[0],
                "policy_rows": table[1:],
                "customers": customers,
            },
        )


class CustomerComplianceView(PartnerRequiredMixin, View):
    """One customer's applications, their releases and compliance, and planned upgrades."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = get_for_user_or_404(Customer, request.user, pk=pk)
        cat = selectors.catalogue()
        installed = [
            {
                "row": row,
                "position": cat.position(row.release),
                "message": selectors.compliance_message(row),
            }
            for row in selectors.installed_for(request.user).filter(customer=customer)
        ]
        upgrades = (
            selectors.upgrades_for(request.user)
            .filter(change__customers=customer)
            .order_by("-change__start")
        )
        return render(
            request,
            "releases/customer.html",
            {"customer": customer, "installed": installed, "upgrades": upgrades},
        )


class UpgradeDetailView(PartnerRequiredMixin, View):
    """An upgrade and the form for its one reschedule (R-REL-4)."""

    def _zone(self, upgrade: Upgrade) -> ZoneInfo:
        customer = upgrade.change.customers.order_by("name").first()
        return ZoneInfo(customer.timezone_name) if customer else ZoneInfo("UTC")

    def _page(
        self, upgrade: Upgrade, form: UpgradeRescheduleForm, status: int = 200
    ) -> HttpResponse:
        zone = self._zone(upgrade)
        change = upgrade.change
        violation = (
            rules.upgrade_reschedule_violation(
                start=change.start, now=timezone.now(), reschedules_used=upgrade.reschedules_used
            )
            if change.start
            else None
        )
        return render(
            self.request,
            "releases/upgrade.html",
            {
                "upgrade": upgrade,
                "change": change,
                "customers": change.customers.order_by("name"),
                "form": form,
                "zone": zone.key,
                "can_reschedule": violation is None and upgrade.completed_at is None,
                # R-MNT-13: a campaign's upgrade moves only to a campaign window with room.
                "open_windows": (
                    maintenance_services.reschedule_alternatives_for(change=change, weekend=0)
                    if change.campaign_id and violation is None and upgrade.completed_at is None
                    else []
                ),
                "refusal": violation.message if violation else "",
            },
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        upgrade = get_for_user_or_404(selectors.upgrades_for(request.user), request.user, pk=pk)
        return self._page(upgrade, UpgradeRescheduleForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        upgrade = get_for_user_or_404(selectors.upgrades_for(request.user), request.user, pk=pk)
        with timezone.override(self._zone(upgrade)):
            form = UpgradeRescheduleForm(request.POST)
            valid = form.is_valid()
        if valid:
            try:
                services.upgrade_reschedule(
                    actor=request.user, upgrade=upgrade, **form.cleaned_data
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Upgrade rescheduled."))
                return redirect("releases:upgrade", pk=upgrade.pk)
        return self._page(upgrade, form, status=400)
