"""Partner portal pages of the capacity app: utilisation, trend, reports, change requests."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from portal.errors import DomainError, add_domain_error, write_from_form
from portal.models import Customer
from portal.selectors import customers_for
from portal.views import PartnerRequiredMixin, get_for_user_or_404

from . import selectors, services
from .charts import trend_svg
from .choices import ReportSource, Resource
from .forms import ActivationForm, CapacityRequestForm, CapacityRequestUpdateForm, ProvisionedForm
from .rules import RESOURCES


class CapacityListView(PartnerRequiredMixin, View):
    """Utilisation bars and forecast of every customer (R-CAP-4)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "capacity/index.html",
            {"summaries": selectors.summaries_for(request.user)},
        )


class CustomerCapacityView(PartnerRequiredMixin, View):
    """One customer: utilisation, trend chart, history; the provisioned-counts report."""

    def _customer(self, pk: int) -> Customer:
        return get_for_user_or_404(customers_for(self.request.user), self.request.user, pk=pk)

    def _render(self, customer: Customer, form: ProvisionedForm, status: int = 200) -> HttpResponse:
        user = self.request.user
        summary = selectors.summary_for_customer(customer)
        trend = selectors.trend(customer)
        chart = trend_svg(
            series=trend["samples"],
            labels={r: str(Resource(r).label) for r in RESOURCES},
            limits={
                Resource.KNOWLEDGE_WORKERS: [(at, kw) for at, kw, _wd in trend["baselines"]],
                Resource.WORKSPACE_DEVICES: [(at, wd) for at, _kw, wd in trend["baselines"]],
            },
            start=trend["since"],
            end=timezone.localdate(),
        )
        context = {
            "customer": customer,
            "summary": summary,
            "chart": chart,
            "form": form,
            "baselines": selectors.baselines_for(user).filter(customer=customer)[:20],
            "reports": selectors.reports_for(user).filter(customer=customer)[:10],
            "requests": selectors.requests_for(user).filter(customer=customer)[:10],
            "awaits_activation": selectors.awaits_activation(customer),
        }
        return render(self.request, "capacity/customer.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = self._customer(pk)
        summary = selectors.summary_for_customer(customer)
        form = ProvisionedForm(
            initial={
                "knowledge_workers": summary.provisioned.knowledge_workers,
                "workspace_devices": summary.provisioned.workspace_devices,
            }
        )
        return self._render(customer, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = self._customer(pk)
        form = ProvisionedForm(request.POST)
        if form.is_valid():
            try:
                services.provisioned_report(
                    customer=customer,
                    actor=request.user,
                    source=ReportSource.PORTAL,
                    **form.cleaned_data,
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Provisioned counts recorded."))
                return redirect("capacity:customer", pk=customer.pk)
        return self._render(customer, form, status=400)


class CapacityRequestCreateView(PartnerRequiredMixin, View):
    """Ask for new approved totals with the linked TAC case (R-CAP-3)."""

    def _page(
        self, customer: Customer, form: CapacityRequestForm, status: int = 200
    ) -> HttpResponse:
        return render(
            self.request,
            "capacity/request_form.html",
            {"customer": customer, "form": form},
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = get_for_user_or_404(customers_for(request.user), request.user, pk=pk)
        return self._page(customer, CapacityRequestForm(user=request.user, customer=customer))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = get_for_user_or_404(customers_for(request.user), request.user, pk=pk)
        form = CapacityRequestForm(request.POST, user=request.user, customer=customer)
        capacity_request = write_from_form(
            form,
            lambda data: services.capacity_request_submit(
                customer=customer, actor=request.user, **data
            ),
        )
        if capacity_request is not None:
            messages.success(request, _("Capacity request submitted."))
            return redirect("capacity:request", pk=capacity_request.pk)
        return self._page(customer, form, status=400)


class CapacityRequestListView(PartnerRequiredMixin, ListView):
    template_name = "capacity/request_list.html"
    context_object_name = "requests"
    paginate_by = 50

    def get_queryset(self):
        return selectors.requests_for(self.request.user)


class CapacityRequestDetailView(PartnerRequiredMixin, View):
    """A request and its progress, step by step (R-CAP-3)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        capacity_request = get_for_user_or_404(
            selectors.requests_for(request.user), request.user, pk=pk
        )
        return render(
            request,
            "capacity/request_detail.html",
            {
                "capacity_request": capacity_request,
                "events": capacity_request.events.select_related("actor"),
                "steps": selectors.request_steps(capacity_request),
                "can_change": selectors.partner_may_change(capacity_request),
            },
        )


class ActivationView(PartnerRequiredMixin, View):
    """The partner gives a new customer's end-state totals; staff confirm them (R-CAP-1)."""

    def _page(self, customer: Customer, form: ActivationForm, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "capacity/activation_form.html",
            {
                "customer": customer,
                "form": form,
                "activation": selectors.activation_for(self.request.user, customer),
            },
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = get_for_user_or_404(customers_for(request.user), request.user, pk=pk)
        activation = selectors.activation_for(request.user, customer)
        initial = (
            {
                "knowledge_workers": activation.knowledge_workers,
                "workspace_devices": activation.workspace_devices,
            }
            if activation
            else {}
        )
        return self._page(customer, ActivationForm(initial=initial))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = get_for_user_or_404(customers_for(request.user), request.user, pk=pk)
        form = ActivationForm(request.POST)
        if write_from_form(
            form,
            lambda data: services.capacity_activation_submit(
                customer=customer, actor=request.user, **data
            ),
        ):
            messages.success(
                request, _("Activation counts submitted; the operator will confirm them.")
            )
            return redirect("capacity:customer", pk=customer.pk)
        return self._page(customer, form, status=400)


class CapacityRequestUpdateView(PartnerRequiredMixin, View):
    """The partner changes its open request until staff agree a plan (R-CAP-3)."""

    def _request(self, pk: int):
        return get_for_user_or_404(selectors.requests_for(self.request.user), self.request.user, pk=pk)

    def _page(self, capacity_request, form, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "capacity/request_edit.html",
            {"capacity_request": capacity_request, "form": form},
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        capacity_request = self._request(pk)
        form = CapacityRequestUpdateForm(
            initial={
                "knowledge_workers": capacity_request.knowledge_workers,
                "workspace_devices": capacity_request.workspace_devices,
                "reason": capacity_request.reason,
            }
        )
        return self._page(capacity_request, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        capacity_request = self._request(pk)
        form = CapacityRequestUpdateForm(request.POST)
        if write_from_form(
            form,
            lambda data: services.capacity_request_update(
                request=capacity_request, actor=request.user, **data
            ),
        ):
            messages.success(request, _("Capacity request updated."))
            return redirect("capacity:request", pk=capacity_request.pk)
        return self._page(capacity_request, form, status=400)


class CapacityRequestWithdrawView(PartnerRequiredMixin, View):
    """The partner withdraws its open request until staff agree a plan (R-CAP-3)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        capacity_request = get_for_user_or_404(
            selectors.requests_for(request.user), request.user, pk=pk
        )
        try:
            services.capacity_request_withdraw(
                request=capacity_request, actor=request.user, note=request.POST.get("note", "")
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Capacity request withdrawn."))
        return redirect("capacity:request", pk=capacity_request.pk)
