"""Staff UI of certificates, SSO checklists, patch files, outages, partner emergency reports,
calendar feeds and freeze periods (R-MNT-6, R-MNT-8, R-MNT-11, R-MNT-12, R-MNT-14): every write
a service call."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.admin_actions import AdminAction, ServiceAdmin, row_action
from portal.admin_history import AuditHistoryAdmin

from .. import rules, services
from ..choices import PatchStatus
from ..models import (
    CalendarFeed,
    Certificate,
    FreezePeriod,
    Outage,
    OutageUpdate,
    PartnerEmergency,
    PatchRequest,
    SsoChecklist,
    SsoChecklistStep,
)
from .forms import (
    OutageDeclareForm,
    OutageUpdateForm,
    PatchRequestAddForm,
    ResolutionForm,
    _copy_into,
)

# --- freeze periods (R-MNT-14) ---------------------------------------------------------------


@admin.register(FreezePeriod)
class FreezePeriodAdmin(ServiceAdmin, AuditHistoryAdmin):
    """Customers' freeze periods: saved with ``freeze_period_create`` / ``_update``, deleted
    with ``freeze_period_delete``, so staff face the partners' rules."""

    list_display = ["customer", "partner", "starts", "ends", "reason", "created_by"]
    list_filter = ["customer__region", "customer__partner"]
    search_fields = ["customer__name", "reason"]
    autocomplete_fields = ["customer"]
    list_select_related = ["customer", "customer__partner", "created_by"]
    fields = ["customer", "start", "end", "reason", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]
    date_hierarchy = "start"

    @admin.display(description=_("partner"), ordering="customer__partner__name")
    def partner(self, freeze: FreezePeriod) -> str:
        return str(freeze.customer.partner)

    @admin.display(description=_("start"), ordering="start")
    def starts(self, freeze: FreezePeriod) -> str:
        from portal.timefmt import show_time

        return show_time(freeze.start, customer=freeze.customer)

    @admin.display(description=_("end"), ordering="end")
    def ends(self, freeze: FreezePeriod) -> str:
        from portal.timefmt import show_time

        return show_time(freeze.end, customer=freeze.customer)

    def service_save(self, request, obj: FreezePeriod, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            saved = services.freeze_period_update(
                actor=request.user,
                freeze=FreezePeriod.objects.get(pk=obj.pk),
                customer=data["customer"],
                start=data["start"],
                end=data["end"],
                reason=data["reason"],
            )
        else:
            saved = services.freeze_period_create(
                actor=request.user,
                customer=data["customer"],
                start=data["start"],
                end=data["end"],
                reason=data["reason"],
            )
        _copy_into(obj, saved)

    def service_save_related(self, request, form, formsets, change: bool) -> None:
        """Nothing more: a freeze period has no relations edited here."""

    def delete_model(self, request, obj: FreezePeriod) -> None:
        services.freeze_period_delete(actor=request.user, freeze=obj)


# --- certificates (R-MNT-6) -------------------------------------------------------------------


@admin.register(Certificate)
class CertificateAdmin(ServiceAdmin, AuditHistoryAdmin):
    """The inventory: saved with ``certificate_save``, deleted with ``certificate_delete``."""

    list_display = ["common_name", "customer", "application", "expiry", "renewal_change"]
    list_filter = ["application", "customer__region"]
    search_fields = ["common_name", "customer__name"]
    autocomplete_fields = ["customer"]
    list_select_related = ["customer", "renewal_change"]
    readonly_fields = ["renewal_change"]
    date_hierarchy = "expires_at"
    actions = ["scan"]

    @admin.display(description=_("expires"), ordering="expires_at")
    def expiry(self, cert: Certificate) -> str:
        """Expired: red; within the 7-day renewal band: amber; within 30 days: muted. Shown in
        the customer's region zone."""
        from portal.timefmt import show_time

        left = cert.expires_at - timezone.now()
        css = "ok"
        if left <= timedelta(0):
            css = "bad"
        elif left <= rules.RENEWAL_EARLIEST_BEFORE_EXPIRY:
            css = "warn"
        elif left <= timedelta(days=30):
            css = "muted"
        colours = {"bad": "#b3261e", "warn": "#b26a00", "muted": "#5d6b7a", "ok": "#1e7f4f"}
        return format_html(
            '<span class="expiry-{}" style="color:{};font-weight:600">{}</span>',
            css,
            colours[css],
            show_time(cert.expires_at, customer=cert.customer),
        )

    def service_save(self, request, obj: Certificate, form, change: bool) -> None:
        data = form.cleaned_data
        saved = services.certificate_save(
            actor=request.user,
            certificate=Certificate.objects.get(pk=obj.pk) if change else None,
            customer=data["customer"],
            application=data["application"],
            common_name=data["common_name"],
            expires_at=data["expires_at"],
        )
        _copy_into(obj, saved)

    def service_save_related(self, request, form, formsets, change: bool) -> None:
        """Nothing more: a certificate has no relations edited here."""

    def delete_model(self, request, obj: Certificate) -> None:
        services.certificate_delete(actor=request.user, certificate=obj)

    @admin.action(description=_("Run the certificate scan now (R-MNT-6)"))
    def scan(self, request, queryset) -> None:
        counts = services.certificates_scan()
        self.message_user(request, str(counts), messages.SUCCESS)


class StepInline(admin.TabularInline):
    model = SsoChecklistStep
    extra = 0
    can_delete = False
    fields = ["item", "done_at", "done_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SsoChecklist)
class SsoChecklistAdmin(admin.ModelAdmin):
    """Created by the renewal's completion, ticked by the partner: staff only look."""

    list_display = ["customer", "change", "created", "completed"]
    list_filter = ["completed_at"]
    readonly_fields = ["customer", "change", "created_at", "completed_at"]
    inlines = [StepInline]

    @admin.display(
        description=SsoChecklist._meta.get_field("created_at").verbose_name, ordering="created_at"
    )
    def created(self, obj: SsoChecklist) -> str:
        from portal.timefmt import show_time

        return show_time(obj.created_at)

    @admin.display(
        description=SsoChecklist._meta.get_field("completed_at").verbose_name,
        ordering="completed_at",
    )
    def completed(self, obj: SsoChecklist) -> str:
        from portal.timefmt import show_time

        return show_time(obj.completed_at)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- patch files (R-MNT-11) -------------------------------------------------------------------


@admin.register(PatchRequest)
class PatchRequestAdmin(ServiceAdmin, AuditHistoryAdmin):
    """Staff record a request for the partner (``patch_request_create``) and upload the file
    (``patch_mark_uploaded``); the partner marks it installed."""

    form = PatchRequestAddForm
    list_display = ["file_name", "customer", "kind", "status", "requested", "uploaded"]
    list_filter = ["status", "kind"]
    search_fields = ["file_name", "customer__name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    actions = ["mark_uploaded"]
    detail_fields = [
        "partner",
        "customer",
        "kind",
        "file_name",
        "note",
        "status",
        "requested_by",
        "requested_at",
        "uploaded_at",
        "installed_at",
    ]

    object_actions = (
        AdminAction(
            "uploaded",
            _("Mark uploaded to the SFTP server (R-MNT-11)"),
            lambda request, p: services.patch_mark_uploaded(actor=request.user, patch=p),
            available=lambda p: p.status == PatchStatus.REQUESTED,
            confirm=_("The partner is told the file is on the instance's SFTP server."),
        ),
    )

    def is_editable(self, obj) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_fields(self, request, obj=None):
        return PatchRequestAddForm._meta.fields if obj is None else self.detail_fields

    def service_save(self, request, obj: PatchRequest, form, change: bool) -> None:
        data = form.cleaned_data
        created = services.patch_request_create(
            actor=request.user,
            customer=data["customer"],
            kind=data["kind"],
            file_name=data["file_name"],
            note=data.get("note", ""),
        )
        _copy_into(obj, created)

    def service_save_related(self, request, form, formsets, change: bool) -> None:
        """Nothing more: the service wrote the row."""

    mark_uploaded = row_action(
        _("Mark uploaded to the SFTP server (R-MNT-11)"),
        lambda request, p: services.patch_mark_uploaded(actor=request.user, patch=p),
        _("Uploaded"),
    )

    @admin.display(
        description=PatchRequest._meta.get_field("requested_at").verbose_name,
        ordering="requested_at",
    )
    def requested(self, obj: PatchRequest) -> str:
        from portal.timefmt import show_time

        return show_time(obj.requested_at)

    @admin.display(
        description=PatchRequest._meta.get_field("uploaded_at").verbose_name, ordering="uploaded_at"
    )
    def uploaded(self, obj: PatchRequest) -> str:
        from portal.timefmt import show_time

        return show_time(obj.uploaded_at)


# --- outages (R-MNT-12) -----------------------------------------------------------------------


class OutageUpdateInline(admin.TabularInline):
    """The timeline, read-only: updates are posted with the "Post an update" action."""

    model = OutageUpdate
    extra = 0
    fields = ["created_at", "status", "text", "created_by"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Outage)
class OutageAdmin(ServiceAdmin, AuditHistoryAdmin):
    """Declared with ``outage_declare``, updated with ``outage_update_post`` and resolved with
    ``outage_resolve``, each telling the subscribers of the affected customers."""

    form = OutageDeclareForm
    inlines = [OutageUpdateInline]
    readonly_fields = ["affected_applications", "affected_regions"]
    list_display = ["title", "status", "declared", "resolved"]
    list_filter = ["status"]
    search_fields = ["title", "customers__name"]
    autocomplete_fields = ["customers"]
    date_hierarchy = "declared_at"
    actions = ["resolve"]
    detail_fields = [
        "title",
        "description",
        "customers",
        "affected_applications",
        "affected_regions",
        "status",
        "declared_at",
        "resolved_at",
        "resolution",
    ]

    object_actions = (
        AdminAction(
            "post-update",
            _("Post an update (R-MNT-12)"),
            lambda request, o, status, text: services.outage_update_post(
                actor=request.user, outage=o, status=status, text=text
            ),
            form=OutageUpdateForm,
            available=lambda o: o.resolved_at is None,
            confirm=_(
                "Subscribers of every affected customer receive the update; a resolved "
                "update resolves the outage."
            ),
        ),
        AdminAction(
            "resolve",
            _("Resolve and notify (R-MNT-12)"),
            lambda request, o, resolution: services.outage_resolve(
                actor=request.user, outage=o, resolution=resolution
            ),
            form=ResolutionForm,
            available=lambda o: o.resolved_at is None,
            confirm=_("Subscribers of every affected customer receive the resolution."),
        ),
    )

    def is_editable(self, obj) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_fields(self, request, obj=None):
        return OutageDeclareForm._meta.fields if obj is None else self.detail_fields

    def get_inline_instances(self, request, obj=None):
        """The timeline shows on a declared outage; the declaration form has none yet."""
        return [] if obj is None else super().get_inline_instances(request, obj)

    def get_changeform_initial_data(self, request) -> dict:
        return {"declared_at": timezone.now()}

    def service_save(self, request, obj: Outage, form, change: bool) -> None:
        data = form.cleaned_data
        created = services.outage_declare(
            actor=request.user,
            title=data["title"],
            description=data.get("description", ""),
            customers=list(data.get("customers") or []),
            applications=data.get("applications") or [],
            regions=data.get("regions") or [],
            now=data.get("declared_at"),
        )
        _copy_into(obj, created)

    def service_save_related(self, request, form, formsets, change: bool) -> None:
        """Nothing more: the service wrote the customers."""

    resolve = row_action(
        _("Resolve and notify (R-MNT-12)"),
        lambda request, o: services.outage_resolve(actor=request.user, outage=o),
        _("Resolved"),
    )

    @admin.display(description=Outage._meta.get_field("applications").verbose_name)
    def affected_applications(self, obj: Outage) -> str:
        return ", ".join(obj.get_applications_display()) or "—"

    @admin.display(description=Outage._meta.get_field("regions").verbose_name)
    def affected_regions(self, obj: Outage) -> str:
        return ", ".join(obj.get_regions_display()) or "—"

    @admin.display(
        description=Outage._meta.get_field("declared_at").verbose_name, ordering="declared_at"
    )
    def declared(self, obj: Outage) -> str:
        from portal.timefmt import show_time

        return show_time(obj.declared_at)

    @admin.display(
        description=Outage._meta.get_field("resolved_at").verbose_name, ordering="resolved_at"
    )
    def resolved(self, obj: Outage) -> str:
        from portal.timefmt import show_time

        return show_time(obj.resolved_at)


# --- emergency changes in partners' networks (R-MNT-8) ----------------------------------------


@admin.register(PartnerEmergency)
class PartnerEmergencyAdmin(admin.ModelAdmin):
    """Reported by partners (``partner_emergency_report``); staff read them."""

    list_display = ["title", "partner", "start", "end", "case", "created_at"]
    list_filter = ["partner", ("start", admin.DateFieldListFilter)]
    search_fields = ["title", "description", "partner__name", "customers__name"]
    list_select_related = ["partner", "case"]
    date_hierarchy = "start"
    fields = [
        "partner",
        "title",
        "description",
        "start",
        "end",
        "customers",
        "visible_impact",
        "case",
        "reported_by",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Partners rotate their own feed token (``calendar_feed_rotate``): staff only look."""

    list_display = ["partner", "include_windows", "rotated"]
    readonly_fields = ["partner", "token", "include_windows", "rotated_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(
        description=CalendarFeed._meta.get_field("rotated_at").verbose_name, ordering="rotated_at"
    )
    def rotated(self, obj: CalendarFeed) -> str:
        from portal.timefmt import show_time

        return show_time(obj.rotated_at)
