"""Staff UI of maintenance: forms validate with the same rules as the API, actions call
services, a DomainError shows as an error message."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from portal.errors import DomainError

from . import rules, services
from .choices import ChangeKind, ChangeStatus
from .models import (
    CalendarFeed,
    Certificate,
    Change,
    ChangeNotice,
    Outage,
    PatchRequest,
    RescheduleAlternative,
    RescheduleRequest,
    SsoChecklist,
    SsoChecklistStep,
)

EDITABLE_STATUSES = (ChangeStatus.DRAFT, ChangeStatus.APPROVED, ChangeStatus.SCHEDULED)


def _run(modeladmin: admin.ModelAdmin, request: Any, queryset: QuerySet, func, done: str) -> None:
    ok = 0
    for obj in queryset:
        try:
            func(obj)
            ok += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
    if ok:
        modeladmin.message_user(request, f"{done}: {ok}", messages.SUCCESS)


class ChangeAdminForm(forms.ModelForm):
    class Meta:
        model = Change
        fields = [
            "partner",
            "kind",
            "title",
            "description",
            "customers",
            "start",
            "end",
            "reason",
            "urgent",
            "sme_publisher_region",
            "case",
            "origin",
            "partner_request_kind",
            "review_note",
        ]

    def clean(self) -> dict:
        """Window, weekend, notice and overlap rules (R-MNT-1/2/4), reasons (R-MNT-7/8)."""
        data = super().clean()
        status = self.instance.status if self.instance.pk else ChangeStatus.SCHEDULED
        customers = list(data.get("customers") or [])
        partner = data.get("partner")
        kind = data.get("kind")
        if not (partner and kind and customers):
            return data
        if any(c.partner_id != partner.pk for c in customers):
            self.add_error("customers", _("Every affected customer must belong to the partner."))
            return data
        violation = rules.reason_violation(
            kind=kind, reason=data.get("reason", ""), has_linked_case=bool(data.get("case"))
        )
        if violation is not None:
            self.add_error(
                violation.field if violation.field in self.fields else None, violation.message
            )
            return data
        if kind == ChangeKind.EMERGENCY or status not in EDITABLE_STATUSES:
            return data
        try:
            services.validate_schedule(
                kind=kind,
                customers=customers,
                start=data.get("start"),
                end=data.get("end"),
                sme_publisher_region=data.get("sme_publisher_region", ""),
                notice_at=timezone.now(),
                exclude_change_id=self.instance.pk,
            )
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, str(exc.message))
        return data


class NoticeInline(admin.TabularInline):
    model = ChangeNotice
    extra = 0
    can_delete = False
    fields = ["kind", "subject", "recipients", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class RescheduleInline(admin.TabularInline):
    model = RescheduleRequest
    fk_name = "change"
    extra = 0
    can_delete = False
    fields = ["status", "reason", "created_at", "answered_at"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Change)
class ChangeAdmin(SimpleHistoryAdmin):
    form = ChangeAdminForm
    list_display = ["title", "partner", "kind", "status", "window_start", "notice_sent"]
    list_filter = [
        "status",
        "kind",
        "origin",
        ("start", admin.DateFieldListFilter),
        "reschedule_open",
        "partner",
    ]
    date_hierarchy = "start"
    search_fields = ["title", "description", "partner__name", "customers__name"]
    autocomplete_fields = ["partner", "customers", "case"]
    list_select_related = ["partner"]
    readonly_fields = [
        "status",
        "notice_sent_at",
        "reschedule_deadline",
        "reschedule_open",
        "reminder_level",
        "started_at",
        "completed_at",
        "cancelled_at",
        "created_by",
    ]
    inlines = [NoticeInline, RescheduleInline]
    actions = ["send_notice", "complete", "cancel", "review_start", "approve", "reject"]

    def save_model(self, request, obj: Change, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
            obj.status = (
                ChangeStatus.NOTIFIED
                if obj.kind == ChangeKind.EMERGENCY
                else ChangeStatus.SCHEDULED
            )
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Send the notice (R-MNT-4)"))
    def send_notice(self, request, queryset) -> None:
        _run(
            self,
            request,
            queryset,
            lambda c: services.change_send_notice(actor=request.user, change=c),
            _("Notices sent"),
        )

    @admin.action(description=_("Complete"))
    def complete(self, request, queryset) -> None:
        _run(
            self,
            request,
            queryset,
            lambda c: services.change_complete(actor=request.user, change=c),
            _("Completed"),
        )

    @admin.action(description=_("Cancel"))
    def cancel(self, request, queryset) -> None:
        _run(
            self,
            request,
            queryset,
            lambda c: services.change_cancel(actor=request.user, change=c),
            _("Cancelled"),
        )

    @admin.action(description=_("Start joint review (R-MNT-9)"))
    def review_start(self, request, queryset) -> None:
        _run(
            self,
            request,
            queryset,
            lambda c: services.change_review(actor=request.user, change=c, decision="start"),
            _("Under review"),
        )

    @admin.action(description=_("Approve after joint review (R-MNT-9)"))
    def approve(self, request, queryset) -> None:
        _run(
            self,
            request,
            queryset,
            lambda c: services.change_review(actor=request.user, change=c, decision="approve"),
            _("Approved"),
        )

    @admin.action(description=_("Reject after joint review (R-MNT-9)"))
    def reject(self, request, queryset) -> None:
        _run(
            self,
            request,
            queryset,
            lambda c: services.change_review(actor=request.user, change=c, decision="reject"),
            _("Rejected"),
        )

    @admin.display(description=Change._meta.get_field("start").verbose_name, ordering="start")
    def window_start(self, obj: Change) -> str:
        from portal.timefmt import show_time

        return show_time(obj.start, customer=obj)

    @admin.display(
        description=Change._meta.get_field("notice_sent_at").verbose_name, ordering="notice_sent_at"
    )
    def notice_sent(self, obj: Change) -> str:
        from portal.timefmt import show_time

        return show_time(obj.notice_sent_at)


class AlternativeInline(admin.TabularInline):
    model = RescheduleAlternative
    extra = 0
    fields = ["start", "end", "window_kind"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RescheduleRequest)
class RescheduleRequestAdmin(admin.ModelAdmin):
    list_display = ["change", "status", "requested", "answered"]
    list_filter = ["status"]
    search_fields = ["change__title", "reason"]
    readonly_fields = ["change", "reason", "requested_by", "chosen", "created_at", "answered_at"]
    fields = ["change", "reason", "status", "staff_note", "chosen", "requested_by", "created_at"]
    list_select_related = ["change"]
    inlines = [AlternativeInline]
    actions = ["offer_suggested", "decline"]

    @admin.action(description=_("Offer the next weekday and weekend windows (R-MNT-5)"))
    def offer_suggested(self, request, queryset) -> None:
        def offer(rr: RescheduleRequest) -> None:
            change = rr.change
            customers = list(change.customers.all())
            region = rules.effective_region(customers[0].region, change.sme_publisher_region)
            length = (
                (change.end - change.start) if change.start and change.end else timedelta(hours=1)
            )
            windows = rules.alternative_windows(
                region, max(timezone.now(), change.start or timezone.now())
            )
            services.reschedule_offer_alternatives(
                actor=request.user,
                request=rr,
                alternatives=[(w.start, min(w.start + length, w.end)) for w in windows],
            )

        _run(self, request, queryset, offer, _("Alternatives offered"))

    @admin.action(description=_("Decline"))
    def decline(self, request, queryset) -> None:
        _run(
            self,
            request,
            queryset,
            lambda rr: services.reschedule_close(actor=request.user, request=rr, decline=True),
            _("Declined"),
        )

    @admin.display(
        description=RescheduleRequest._meta.get_field("created_at").verbose_name,
        ordering="created_at",
    )
    def requested(self, obj: RescheduleRequest) -> str:
        from portal.timefmt import show_time

        return show_time(obj.created_at)

    @admin.display(
        description=RescheduleRequest._meta.get_field("answered_at").verbose_name,
        ordering="answered_at",
    )
    def answered(self, obj: RescheduleRequest) -> str:
        from portal.timefmt import show_time

        return show_time(obj.answered_at)


@admin.register(Certificate)
class CertificateAdmin(SimpleHistoryAdmin):
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

    @admin.action(description=_("Run the certificate scan now (R-MNT-6)"))
    def scan(self, request, queryset) -> None:
        counts = services.certificates_scan()
        self.message_user(request, str(counts), messages.SUCCESS)


class StepInline(admin.TabularInline):
    model = SsoChecklistStep
    extra = 0
    fields = ["item", "done_at", "done_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SsoChecklist)
class SsoChecklistAdmin(admin.ModelAdmin):
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


@admin.register(PatchRequest)
class PatchRequestAdmin(SimpleHistoryAdmin):
    list_display = ["file_name", "customer", "kind", "status", "requested", "uploaded"]
    list_filter = ["status", "kind"]
    search_fields = ["file_name", "customer__name"]
    list_select_related = ["customer"]
    readonly_fields = ["partner", "status", "requested_by", "uploaded_at", "installed_at"]
    autocomplete_fields = ["customer"]
    actions = ["mark_uploaded"]

    def save_model(self, request, obj: PatchRequest, form, change: bool) -> None:
        obj.partner_id = obj.customer.partner_id
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Mark uploaded to the SFTP server (R-MNT-11)"))
    def mark_uploaded(self, request, queryset) -> None:
        _run(
            self,
            request,
            queryset,
            lambda p: services.patch_mark_uploaded(actor=request.user, patch=p),
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


@admin.register(Outage)
class OutageAdmin(SimpleHistoryAdmin):
    list_display = ["title", "status", "declared", "resolved"]
    list_filter = ["status"]
    search_fields = ["title", "customers__name"]
    autocomplete_fields = ["customers"]
    readonly_fields = ["status", "resolved_at"]
    date_hierarchy = "declared_at"
    actions = ["resolve"]

    def get_changeform_initial_data(self, request) -> dict:
        return {"declared_at": timezone.now()}

    def save_related(self, request, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not change:
            # R-MNT-12: subscribers of the affected customers hear of it at once.
            services.outage_notify(outage=form.instance, event="declared")

    @admin.action(description=_("Resolve and notify (R-MNT-12)"))
    def resolve(self, request, queryset) -> None:
        _run(
            self,
            request,
            queryset,
            lambda o: services.outage_resolve(actor=request.user, outage=o),
            _("Resolved"),
        )

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


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["partner", "include_windows", "rotated"]
    readonly_fields = ["token", "rotated_at"]

    @admin.display(
        description=CalendarFeed._meta.get_field("rotated_at").verbose_name, ordering="rotated_at"
    )
    def rotated(self, obj: CalendarFeed) -> str:
        from portal.timefmt import show_time

        return show_time(obj.rotated_at)
