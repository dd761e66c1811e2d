"""Partner portal pages of the maintenance app. Thin: reads from selectors, writes through
services, a DomainError shows on the form."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView

from portal.errors import DomainError, Violation, write_with_form
from portal.models import Customer
from portal.tenancy import is_partner_admin
from portal.views import PartnerRequiredMixin, bad_request_page, get_for_user_or_404

from . import rules, selectors, services
from .filtersets import FreezePeriodFilterSet
from .forms import (
    ChangeRequestForm,
    ChooseAlternativeForm,
    FreezePeriodForm,
    PartnerEmergencyForm,
    PatchRequestForm,
    RescheduleForm,
    VulnerabilityScanForm,
    freeze_period_initial,
)
from .ical import build_feed
from .models import SsoChecklistStep
from .rules import VULNERABILITY_SCAN_REFUSAL


class CalendarView(PartnerRequiredMixin, View):
    """The month calendar of one customer's windows and changes (the partner's picture)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        customers = list(Customer.objects.for_user(request.user).order_by("name"))
        customer = None
        if request.GET.get("customer"):
            try:
                customer = get_for_user_or_404(
                    Customer, request.user, pk=int(request.GET["customer"])
                )
            except ValueError:
                raise Http404 from None
        elif customers:
            customer = customers[0]
        today = timezone.localdate()
        try:
            year = int(request.GET.get("year", today.year))
            month = int(request.GET.get("month", today.month))
        except ValueError:
            return bad_request_page(
                request, _("Year and month must be whole numbers."), back_url=request.path
            )
        violation = rules.year_violation(year)
        if violation is None and not 1 <= month <= 12:
            violation = Violation(_("Choose a month from 1 to 12."), "month", "R-MNT-1")
        if violation is not None:
            return bad_request_page(request, str(violation.message), back_url=request.path)
        first = date(year, month, 1)
        prev_month = date(year - 1, 12, 1) if month == 1 else date(year, month - 1, 1)
        next_month = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        weeks = selectors.calendar_month(request.user, customer, year, month) if customer else []
        return render(
            request,
            "maintenance/calendar.html",
            {
                "customers": customers,
                "customer": customer,
                "month": first,
                "weeks": weeks,
                "prev_month": prev_month,
                "next_month": next_month,
                "upcoming": selectors.upcoming_changes(request.user, limit=20),
            },
        )


class ChangeDetailView(PartnerRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        change = get_for_user_or_404(selectors.change_detail_for(request.user), request.user, pk=pk)
        open_request = selectors.open_reschedule_request(change)
        return render(
            request,
            "maintenance/change_detail.html",
            {
                "change": change,
                "notices": selectors.notices_for_reader(change),
                "open_request": open_request,
                "frozen_alternatives": selectors.frozen_alternative_ids(change, open_request),
                "now": timezone.now(),
            },
        )


class RescheduleView(PartnerRequiredMixin, View):
    """The reschedule form (R-MNT-5)."""

    def _change(self, request: HttpRequest, pk: int) -> Any:
        return get_for_user_or_404(selectors.changes_for(request.user), request.user, pk=pk)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        change = self._change(request, pk)
        return render(
            request,
            "maintenance/reschedule_form.html",
            {"change": change, "form": RescheduleForm()},
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        change = self._change(request, pk)
        form = RescheduleForm(request.POST)
        written = write_with_form(
            form,
            lambda data: services.reschedule_request_create(
                actor=request.user, change=change, reason=data["reason"]
            ),
        )
        if written.ok:
            messages.success(request, _("Reschedule request sent."))
            return redirect("maintenance:change", pk=change.pk)
        return render(
            request,
            "maintenance/reschedule_form.html",
            {"change": change, "form": form},
            status=400,
        )


class ChooseAlternativeView(PartnerRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        reschedule = get_for_user_or_404(
            selectors.reschedule_requests_for(request.user), request.user, pk=pk
        )
        form = ChooseAlternativeForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose one of the offered windows."))
        else:
            try:
                services.reschedule_choose(
                    actor=request.user,
                    request=reschedule,
                    alternative_id=form.cleaned_data["alternative"],
                )
            except DomainError as exc:
                messages.error(request, str(exc.message))
            else:
                messages.success(request, _("The change moved to the window you chose."))
        return redirect("maintenance:change", pk=reschedule.change_id)


class SsoChecklistView(PartnerRequiredMixin, View):
    """The SSO follow-up after a certificate renewal (R-MNT-6): tick each step."""

    def _checklist(self, request: HttpRequest, pk: int) -> Any:
        return get_for_user_or_404(selectors.sso_checklists_for(request.user), request.user, pk=pk)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render(
            request, "maintenance/sso_checklist.html", {"checklist": self._checklist(request, pk)}
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        checklist = self._checklist(request, pk)
        step = get_object_or_404(
            SsoChecklistStep.objects.for_user(request.user),
            checklist=checklist,
            pk=request.POST.get("step") or 0,
        )
        services.sso_step_set(actor=request.user, step=step, done=request.POST.get("done") == "1")
        return redirect("maintenance:sso", pk=checklist.pk)


class _ListAndFormView(PartnerRequiredMixin, View):
    """A partner's list of one kind of request with the form that makes a new one: the form
    goes to one service (``write``); on success a message and back to the list."""

    template_name: str
    rows_name: str
    form_class: type
    success_message: str
    success_url: str

    def rows(self, request: HttpRequest) -> Any:
        raise NotImplementedError

    def write(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _render(self, request: HttpRequest, form: Any, status: int = 200) -> HttpResponse:
        context = {self.rows_name: self.rows(request)[:100], "form": form}
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, self.form_class(user=request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.form_class(request.POST, user=request.user)
        if write_with_form(form, lambda data: self.write(request, data)).ok:
            messages.success(request, self.success_message)
            return redirect(self.success_url)
        return self._render(request, form, status=400)


class PatchListView(_ListAndFormView):
    """Patch (COP) file requests (R-MNT-11) and the form to ask for one."""

    template_name = "maintenance/patch_list.html"
    rows_name = "patches"
    form_class = PatchRequestForm
    success_message = gettext_lazy("Patch file requested.")
    success_url = "maintenance:patches"

    def rows(self, request: HttpRequest) -> Any:
        return selectors.patch_requests_for(request.user)

    def write(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return services.patch_request_create(actor=request.user, **data)


class PatchInstalledView(PartnerRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        patch = get_for_user_or_404(selectors.patch_requests_for(request.user), request.user, pk=pk)
        try:
            services.patch_mark_installed(actor=request.user, patch=patch)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Marked as installed."))
        return redirect("maintenance:patches")


class PartnerEmergencyListView(_ListAndFormView):
    """Emergency changes in the partner's own network (R-MNT-8): the list and the report
    form; the operator's on-call is told of each report."""

    template_name = "maintenance/partner_emergency_list.html"
    rows_name = "emergencies"
    form_class = PartnerEmergencyForm
    success_message = gettext_lazy("Thank you: the operator's on-call team was told.")
    success_url = "maintenance:partner-emergencies"

    def rows(self, request: HttpRequest) -> Any:
        return selectors.partner_emergencies_for(request.user)

    def write(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return services.partner_emergency_report(actor=request.user, **data)


class FreezePeriodListView(PartnerRequiredMixin, View):
    """The partner's freeze periods (R-MNT-14), narrowed to one customer with ``?customer=``
    (the customer page links here), and the form to declare one."""

    def _render(self, request: HttpRequest, form: Any, status: int = 200) -> HttpResponse:
        filterset = FreezePeriodFilterSet(
            request.GET, queryset=selectors.freeze_periods_for(request.user), request=request
        )
        if not filterset.is_valid():
            return bad_request_page(
                request, _("Choose one of your customers."), back_url=request.path
            )
        rows = filterset.qs.filter(end__gt=timezone.now())[:100]
        customer = filterset.form.cleaned_data.get("customer")
        context = {"freezes": rows, "form": form, "customer": customer}
        return render(request, "maintenance/freeze_list.html", context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        initial = {}
        if request.GET.get("customer", "").isdigit():
            initial["customer"] = request.GET["customer"]
        return self._render(request, FreezePeriodForm(user=request.user, initial=initial))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = FreezePeriodForm(request.POST, user=request.user)
        written = write_with_form(
            form, lambda data: services.freeze_period_create(actor=request.user, **data)
        )
        if written.ok:
            messages.success(request, _("Freeze period saved: we will plan no maintenance in it."))
            return redirect(f"{reverse('maintenance:freezes')}?customer={written.result.customer_id}")
        return self._render(request, form, status=400)


class FreezePeriodEditView(PartnerRequiredMixin, View):
    """Change a freeze period of one of the partner's customers."""

    def _freeze(self, request: HttpRequest, pk: int) -> Any:
        return get_for_user_or_404(selectors.freeze_periods_for(request.user), request.user, pk=pk)

    def _render(self, request, freeze, form, status: int = 200) -> HttpResponse:
        context = {"freeze": freeze, "form": form}
        return render(request, "maintenance/freeze_form.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        freeze = self._freeze(request, pk)
        form = FreezePeriodForm(user=request.user, initial=freeze_period_initial(freeze))
        return self._render(request, freeze, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        freeze = self._freeze(request, pk)
        form = FreezePeriodForm(request.POST, user=request.user)
        written = write_with_form(
            form,
            lambda data: services.freeze_period_update(actor=request.user, freeze=freeze, **data),
        )
        if written.ok:
            messages.success(request, _("Freeze period saved: we will plan no maintenance in it."))
            return redirect(f"{reverse('maintenance:freezes')}?customer={written.result.customer_id}")
        return self._render(request, freeze, form, status=400)


class FreezePeriodDeleteView(PartnerRequiredMixin, View):
    """Withdraw a freeze period (a confirmation page, then a POST)."""

    def _freeze(self, request: HttpRequest, pk: int) -> Any:
        return get_for_user_or_404(selectors.freeze_periods_for(request.user), request.user, pk=pk)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        freeze = self._freeze(request, pk)
        return render(request, "maintenance/freeze_delete.html", {"freeze": freeze})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        freeze = self._freeze(request, pk)
        try:
            services.freeze_period_delete(actor=request.user, freeze=freeze)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Freeze period removed."))
        return redirect(f"{reverse('maintenance:freezes')}?customer={freeze.customer_id}")


class OutageListView(PartnerRequiredMixin, ListView):
    template_name = "maintenance/outage_list.html"
    context_object_name = "outages"
    paginate_by = 50

    def get_queryset(self):
        return selectors.outages_for(self.request.user)


class OutageDetailView(PartnerRequiredMixin, View):
    """An outage and its timeline of updates (R-MNT-12)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        outage = get_for_user_or_404(selectors.outage_detail_for(request.user), request.user, pk=pk)
        return render(request, "maintenance/outage_detail.html", {"outage": outage})


class StatusView(PartnerRequiredMixin, View):
    """The current status of each of the partner's customers: all applications operational,
    or what the open outages affect (R-MNT-12)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        statuses = selectors.customer_statuses(request.user)
        return render(request, "maintenance/status.html", {"statuses": statuses})


class CustomerStatusView(PartnerRequiredMixin, View):
    """One customer's current status, its open outages' timelines and the last month's."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = get_for_user_or_404(Customer, request.user, pk=pk)
        [status] = selectors.customer_statuses(request.user, customer)
        timelines = selectors.outage_detail_for(request.user).filter(
            pk__in=[o.pk for o in status.outages]
        )
        return render(
            request,
            "maintenance/status_customer.html",
            {
                "customer": customer,
                "status": status,
                "open_outages": list(timelines.order_by("declared_at", "pk")),
                "recent": selectors.recent_outages_of(request.user, customer),
            },
        )


class ChangeRequestView(PartnerRequiredMixin, View):
    """A partner-requested change, for joint review (R-MNT-9)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "maintenance/change_request.html",
            {"form": ChangeRequestForm(user=request.user)},
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ChangeRequestForm(request.POST, user=request.user)
        written = write_with_form(
            form, lambda data: services.change_request_by_partner(actor=request.user, **data)
        )
        if written.ok:
            messages.success(request, _("Change request submitted for joint review."))
            return redirect("maintenance:change", pk=written.result.pk)
        return render(request, "maintenance/change_request.html", {"form": form}, status=400)


class VulnerabilityScanView(PartnerRequiredMixin, View):
    """Vulnerability scans by partners are not supported: the form explains why (R-MNT-10)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = VulnerabilityScanForm(user=request.user)
        return render(request, "maintenance/vulnerability_scan.html", {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = VulnerabilityScanForm(request.POST, user=request.user)
        write_with_form(
            form, lambda data: services.vulnerability_scan_request(actor=request.user, **data)
        )
        return render(
            request,
            "maintenance/vulnerability_scan.html",
            {"form": form, "refusal": VULNERABILITY_SCAN_REFUSAL},
            status=400,
        )


class FeedSettingsView(PartnerRequiredMixin, View):
    """Shows the partner's secret calendar URL; POST issues a new token."""

    def get(self, request: HttpRequest) -> HttpResponse:
        feed = services.calendar_feed_get_or_create(partner=self.partner)
        url = request.build_absolute_uri(reverse("maintenance:feed", args=[feed.token]))
        atom = request.build_absolute_uri(reverse("maintenance:outage-feed", args=[feed.token]))
        return render(
            request,
            "maintenance/feed.html",
            {
                "feed": feed,
                "feed_url": url,
                "atom_url": atom,
                "can_rotate": is_partner_admin(request.user),
            },
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        services.calendar_feed_rotate(
            actor=request.user,
            partner=self.partner,
            include_windows=request.POST.get("include_windows") == "1",
        )
        messages.success(
            request, _("A new calendar address was issued; the old one stopped working.")
        )
        return redirect("maintenance:feed-settings")


def feed_view(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed: no login, the unguessable token is the credential."""
    feed = selectors.calendar_feed_by_token(token)
    response = HttpResponse(build_feed(feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="maintenance.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
