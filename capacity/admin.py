"""Staff UI of the capacity app: activation counts, baselines, the change-request queue,
reports.

Every write goes through ``capacity.services`` via the shared admin base: the services
check the rules, and a broken one shows on the form's field, as in the API and the portal.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.admin_actions import AdminAction, ServiceAdmin
from portal.admin_history import AuditHistoryAdmin

from . import rules, services
from .choices import ActivationStatus, ReportSource, RequestStatus
from .models import (
    CapacityActivation,
    CapacityBaseline,
    CapacityRequest,
    CapacityRequestEvent,
    CustomerCapacity,
    ProvisionedReport,
)


@admin.register(CustomerCapacity)
class CustomerCapacityAdmin(ServiceAdmin, AuditHistoryAdmin):
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

    def is_editable(self, obj: CustomerCapacity) -> bool:
        return False  # kept current by the services from baselines and reports

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
class CapacityBaselineAdmin(ServiceAdmin):
    """Approved capacity history (R-CAP-1). Adding a row sets the customer's approved capacity."""

    list_display = [
        "customer",
        "knowledge_workers",
        "workspace_devices",
        "effective",
        "shown_reason",
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

    def get_fields(self, request: HttpRequest, obj: Any = None):
        if obj is None:
            return self.fields
        return ["customer", "knowledge_workers", "workspace_devices", "shown_reason"]

    @admin.display(description=_("reason"), ordering="reason")
    def shown_reason(self, obj: CapacityBaseline) -> str:
        return obj.display_reason

    def service_save(
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
class ProvisionedReportAdmin(ServiceAdmin):
    list_display = ["customer", "knowledge_workers", "workspace_devices", "reported", "source"]
    list_filter = ["source", "customer__partner"]
    search_fields = ["customer__name"]
    autocomplete_fields = ["customer"]
    list_select_related = ["customer"]
    fields = ["customer", "knowledge_workers", "workspace_devices"]
    date_hierarchy = "reported_at"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the samples of the trend (R-CAP-4) are never rewritten

    def service_save(
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

    @admin.display(
        description=ProvisionedReport._meta.get_field("reported_at").verbose_name,
        ordering="reported_at",
    )
    def reported(self, obj: ProvisionedReport) -> str:
        from portal.timefmt import show_time

        return show_time(obj.reported_at)



class EventInline(admin.TabularInline):
    model = CapacityRequestEvent
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "shown_note", "actor"]
    readonly_fields = fields

    @admin.display(description=_("note"))
    def shown_note(self, obj: CapacityRequestEvent) -> str:
        return obj.display_note

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


@admin.register(CapacityRequest)
class CapacityRequestAdmin(ServiceAdmin, AuditHistoryAdmin):
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

    def service_save(
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
        self.run_each(
            request,
            queryset,
            lambda item: services.capacity_request_transition(
                request=item, status=status, actor=request.user
            ),
            gettext("Requests moved to “%(status)s”") % {"status": RequestStatus(status).label},
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

def activation_confirmation(activation: CapacityActivation) -> str:
    """What confirming does, shown before staff confirm (R-CAP-1)."""
    return gettext(
        "The approved capacity of %(customer)s becomes %(kw)s knowledge workers and %(wd)s "
        "workspace devices, and the partner is told."
    ) % {
        "customer": activation.customer,
        "kw": activation.knowledge_workers,
        "wd": activation.workspace_devices,
    }


@admin.register(CapacityActivation)
class CapacityActivationAdmin(ServiceAdmin, AuditHistoryAdmin):
    """The partners' activation counts of new customers (R-CAP-1): confirming one sets the
    customer's approved capacity."""

    list_display = [
        "customer",
        "knowledge_workers",
        "workspace_devices",
        "status",
        "submitted_at",
        "confirmed_at",
    ]
    list_filter = ["status", "customer__partner"]
    search_fields = ["customer__name", "customer__partner__name"]
    autocomplete_fields = ["customer"]
    list_select_related = ["customer"]
    fields = ["customer", "knowledge_workers", "workspace_devices"]
    actions = ["confirm_selected"]
    object_actions = (
        AdminAction(
            "confirm",
            _("Confirm as approved capacity"),
            lambda request, activation: services.capacity_activation_confirm(
                activation=activation, actor=request.user
            ),
            available=lambda activation: activation.status == ActivationStatus.SUBMITTED,
            confirm=activation_confirmation,
            success=_("Approved capacity recorded."),
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return [*self.fields, "status", "submitted_by", "submitted_at", "confirmed_at"]

    def is_editable(self, obj: CapacityActivation) -> bool:
        return False  # the partner resubmits; staff confirm through the action

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def service_save(
        self, request: HttpRequest, obj: CapacityActivation, form: Any, change: bool
    ) -> None:
        """Staff record the counts a partner gave by other means (R-CAP-1)."""
        saved = services.capacity_activation_submit(
            customer=obj.customer,
            knowledge_workers=obj.knowledge_workers,
            workspace_devices=obj.workspace_devices,
            actor=request.user,
        )
        obj.pk, obj.status, obj.submitted_at = saved.pk, saved.status, saved.submitted_at

    @admin.action(description=_("Confirm the selected counts as approved capacity"))
    def confirm_selected(self, request: HttpRequest, queryset: Any) -> None:
        self.run_each(
            request,
            queryset,
            lambda activation: services.capacity_activation_confirm(
                activation=activation, actor=request.user
            ),
            gettext("Approved capacity recorded"),
        )
