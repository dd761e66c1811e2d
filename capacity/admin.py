"""Staff UI of the capacity app: baselines, the change-request queue, reports.

Every write goes through ``capacity.services``; a broken rule is shown as an error message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from portal.errors import DomainError

from . import rules, services
from .choices import ReportSource, RequestStatus
from .models import (
    CapacityBaseline,
    CapacityRequest,
    CapacityRequestEvent,
    CustomerCapacity,
    ProvisionedReport,
)


@admin.register(CustomerCapacity)
class CustomerCapacityAdmin(SimpleHistoryAdmin):
    list_display = [
        "customer",
        "partner",
        "approved_knowledge_workers",
        "provisioned_knowledge_workers",
        "approved_workspace_devices",
        "provisioned_workspace_devices",
        "utilisation",
        "current_level",
        "notified_level",
    ]
    list_filter = ["current_level", "customer__partner", "customer__region"]
    search_fields = ["customer__name", "customer__partner__name"]
    list_select_related = ["customer", "customer__partner"]
    readonly_fields = [f.name for f in CustomerCapacity._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created by the services with the first baseline or report

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("partner"), ordering="customer__partner__name")
    def partner(self, obj: CustomerCapacity) -> str:
        return obj.customer.partner.name

    @admin.display(description=_("utilisation"))
    def utilisation(self, obj: CustomerCapacity) -> str:
        percent = rules.as_percent(
            rules.customer_utilisation(approved=obj.approved, provisioned=obj.provisioned)
        )
        return "—" if percent is None else f"{percent} %"


@admin.register(CapacityBaseline)
class CapacityBaselineAdmin(admin.ModelAdmin):
    """Approved capacity history (R-CAP-1). Adding a row sets the customer's approved capacity."""

    list_display = [
        "customer",
        "knowledge_workers",
        "workspace_devices",
        "effective",
        "reason",
        "request",
        "recorded_by",
    ]
    list_filter = ["customer__partner"]
    search_fields = ["customer__name", "reason"]
    autocomplete_fields = ["customer"]
    list_select_related = ["customer", "request", "recorded_by"]
    fields = ["customer", "knowledge_workers", "workspace_devices", "reason"]
    date_hierarchy = "effective_at"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # history is never rewritten: record a new value instead

    def save_model(
        self, request: HttpRequest, obj: CapacityBaseline, form: Any, change: bool
    ) -> None:
        baseline = services.capacity_set_baseline(
            customer=obj.customer,
            knowledge_workers=obj.knowledge_workers,
            workspace_devices=obj.workspace_devices,
            reason=obj.reason,
            actor=request.user,
        )
        obj.pk = baseline.pk
        obj.effective_at = baseline.effective_at

    @admin.display(
        description=CapacityBaseline._meta.get_field("effective_at").verbose_name,
        ordering="effective_at",
    )
    def effective(self, obj: CapacityBaseline) -> str:
        from portal.timefmt import show_time

        return show_time(obj.effective_at)


@admin.register(ProvisionedReport)
class ProvisionedReportAdmin(admin.ModelAdmin):
    list_display = ["customer", "knowledge_workers", "workspace_devices", "reported", "source"]
    list_filter = ["source", "customer__partner"]
    search_fields = ["customer__name"]
    autocomplete_fields = ["customer"]
    list_select_related = ["customer"]
    fields = ["customer", "knowledge_workers", "workspace_devices"]
    date_hierarchy = "reported_at"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: ProvisionedReport, form: Any, change: bool
    ) -> None:
        report = services.provisioned_report(
            customer=obj.customer,
            knowledge_workers=obj.knowledge_workers,
            workspace_devices=obj.workspace_devices,
            actor=request.user,
            source=ReportSource.STAFF,
        )
        obj.pk, obj.reported_at, obj.source = report.pk, report.reported_at, report.source

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        return _with_service_check(form, _check_report)

    @admin.display(
        description=ProvisionedReport._meta.get_field("reported_at").verbose_name,
        ordering="reported_at",
    )
    def reported(self, obj: ProvisionedReport) -> str:
        from portal.timefmt import show_time

        return show_time(obj.reported_at)


def _check_report(form: forms.ModelForm) -> None:
    """Run the R-CAP-2 gate in the form, so a refusal shows on the field."""
    data = form.cleaned_data
    customer = data.get("customer")
    if customer is None or data.get("knowledge_workers") is None:
        return
    capacity = CustomerCapacity.objects.filter(customer=customer).first() or CustomerCapacity()
    for violation in rules.provisioning_violations(
        approved=capacity.approved,
        provisioned=rules.Counts(data["knowledge_workers"], data.get("workspace_devices") or 0),
    ):
        form.add_error(violation.field, violation.message)


def _with_service_check(form_class: type, check: Any) -> type:
    class Checked(form_class):  # type: ignore[misc, valid-type]
        def clean(self) -> dict:
            data = super().clean()
            check(self)
            return data

    return Checked


class EventInline(admin.TabularInline):
    model = CapacityRequestEvent
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "note", "actor"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CapacityRequestForm(forms.ModelForm):
    move_to = forms.ChoiceField(
        label=_("Move to"),
        required=False,
        choices=[("", "—")] + list(RequestStatus.choices),
        help_text=_("R-CAP-3: the next step. At “capacity added” approved capacity changes."),
    )
    note = forms.CharField(
        label=_("Note to the partner"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when rejecting."),
    )

    class Meta:
        model = CapacityRequest
        fields = ["customer", "knowledge_workers", "workspace_devices", "reason", "case"]

    def clean(self) -> dict:
        data = super().clean()
        if not self.instance.pk:
            self._check_new(data)
        target = data.get("move_to")
        if self.instance.pk and target:
            violation = rules.transition_violation(self.instance.status, target)
            if violation:
                self.add_error("move_to", violation.message)
            elif target == RequestStatus.REJECTED and not (data.get("note") or "").strip():
                self.add_error("note", _("Give the reason for rejecting the request (R-CAP-3)."))
        return data

    def _check_new(self, data: dict) -> None:
        """The R-CAP-3 checks of ``capacity_request_submit``, shown on the form's fields."""
        customer, case = data.get("customer"), data.get("case")
        if customer is None or data.get("knowledge_workers") is None:
            return
        if case is not None and case.customer_id != customer.pk:
            self.add_error(
                "case", _("Link the TAC case raised for this customer's expansion (R-CAP-3).")
            )
        capacity = CustomerCapacity.objects.filter(customer=customer).first() or CustomerCapacity()
        requested = rules.Counts(data["knowledge_workers"], data.get("workspace_devices") or 0)
        for violation in rules.request_violations(requested=requested, approved=capacity.approved):
            self.add_error(violation.field, violation.message)
        if CapacityRequest.objects.filter(
            customer=customer, status__in=rules.OPEN_STATUSES
        ).exists():
            self.add_error(
                "customer",
                _("This customer already has an open capacity request; update that one (R-CAP-3)."),
            )


@admin.register(CapacityRequest)
class CapacityRequestAdmin(SimpleHistoryAdmin):
    """The requests queue (R-CAP-3): open requests first, actions move them on."""

    form = CapacityRequestForm
    list_display = [
        "id",
        "customer",
        "status",
        "knowledge_workers",
        "workspace_devices",
        "case",
        "created",
    ]
    list_filter = ["status", "customer__partner"]
    search_fields = ["customer__name", "reason", "case__title"]
    autocomplete_fields = ["customer"]
    raw_id_fields = ["case"]
    list_select_related = ["customer", "case"]
    inlines = [EventInline]
    date_hierarchy = "created_at"
    actions = ["start_analysis", "agree_plan", "add_capacity"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["customer", "knowledge_workers", "workspace_devices", "reason", "case"]
        return [
            "status",
            "customer",
            "knowledge_workers",
            "workspace_devices",
            "reason",
            "case",
            "move_to",
            "note",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return ["status", "customer", "knowledge_workers", "workspace_devices", "reason", "case"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: CapacityRequest, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        if not change:
            created = services.capacity_request_submit(
                customer=data["customer"],
                knowledge_workers=data["knowledge_workers"],
                workspace_devices=data["workspace_devices"],
                reason=data["reason"],
                case=data["case"],
                actor=request.user,
            )
            obj.pk = created.pk
            return
        if data.get("move_to"):
            services.capacity_request_transition(
                request=obj, status=data["move_to"], actor=request.user, note=data.get("note", "")
            )

    def _move(self, request: HttpRequest, queryset: Any, status: str) -> None:
        moved = 0
        for item in queryset:
            try:
                services.capacity_request_transition(
                    request=item, status=status, actor=request.user
                )
            except DomainError as exc:
                self.message_user(request, f"#{item.pk}: {exc.message}", messages.ERROR)
            else:
                moved += 1
        if moved:
            self.message_user(
                request,
                _("%(count)d requests moved to “%(status)s”.")
                % {"count": moved, "status": RequestStatus(status).label},
                messages.SUCCESS,
            )

    @admin.action(description=_("Start analysis of the selected requests"))
    def start_analysis(self, request: HttpRequest, queryset: Any) -> None:
        self._move(request, queryset, RequestStatus.UNDER_ANALYSIS)

    @admin.action(description=_("Mark the expansion plan agreed"))
    def agree_plan(self, request: HttpRequest, queryset: Any) -> None:
        self._move(request, queryset, RequestStatus.PLAN_AGREED)

    @admin.action(description=_("Capacity added: approve the requested totals"))
    def add_capacity(self, request: HttpRequest, queryset: Any) -> None:
        self._move(request, queryset, RequestStatus.CAPACITY_ADDED)

    @admin.display(
        description=CapacityRequest._meta.get_field("created_at").verbose_name,
        ordering="created_at",
    )
    def created(self, obj: CapacityRequest) -> str:
        from portal.timefmt import show_time

        return show_time(obj.created_at)
