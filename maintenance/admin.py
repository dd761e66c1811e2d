"""Staff UI of maintenance. Every write (add, edit, action) is a call of the same service the
API and the portal use (``portal.admin_actions.ServiceAdmin``): a DomainError shows on the form
and nothing is written. Rows whose state only services move are read-only, with their
actions as buttons."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from portal.admin_actions import AdminAction, ServiceAdmin, row_action

from . import rules, selectors, services
from .choices import ChangeKind, ChangeStatus, PatchStatus
from .models import (
    CalendarFeed,
    Certificate,
    Change,
    ChangeNotice,
    Outage,
    PartnerEmergency,
    PatchRequest,
    RescheduleAlternative,
    RescheduleRequest,
    SsoChecklist,
    SsoChecklistStep,
)

# --- forms ----------------------------------------------------------------------------------


class ChangeAddForm(forms.ModelForm):
    """A new change of any kind: ``change_create`` checks every rule (R-MNT-1 … R-MNT-8)."""

    certificate = forms.ModelChoiceField(
        queryset=Certificate.objects.select_related("customer"),
        required=False,
        label=_("certificate"),
        help_text=_("R-MNT-6: the certificate a renewal renews (one of its customers')."),
    )

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
            "interrupts_calling",
            "sme_publisher_region",
            "case",
        ]
        help_texts = {"start": _("Leave empty for an emergency change starting now (R-MNT-8).")}


class ChangeScheduleForm(forms.ModelForm):
    """Moving a change: ``change_plan`` (a notified change gets a "rescheduled" notice)."""

    class Meta:
        model = Change
        fields = ["kind", "start", "end"]


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ApproveForm(NoteForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", "—"), *ChangeKind.choices],
        help_text=_("Optionally set the kind of maintenance the change becomes."),
    )


class ResolutionForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class OutageDeclareForm(forms.ModelForm):
    class Meta:
        model = Outage
        fields = ["title", "description", "customers", "declared_at"]


class PatchRequestAddForm(forms.ModelForm):
    class Meta:
        model = PatchRequest
        fields = ["customer", "kind", "file_name", "note"]


def _copy_into(target: Any, source: Any) -> None:
    """The admin keeps its own instance: make it the row the service created."""
    for f in type(source)._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
    target._state.adding = False
    target._state.db = source._state.db


# --- changes --------------------------------------------------------------------------------


class NoticeInline(admin.TabularInline):
    model = ChangeNotice
    extra = 0
    can_delete = False
    fields = ["kind", "subject", "recipients", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
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

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Change)
class ChangeAdmin(ServiceAdmin, SimpleHistoryAdmin):
    form = ChangeScheduleForm
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
    inlines = [NoticeInline, RescheduleInline]
    actions = ["send_notice", "complete", "cancel", "review_start", "approve", "reject"]
    detail_readonly = [
        "partner",
        "title",
        "description",
        "customers",
        "reason",
        "urgent",
        "interrupts_calling",
        "sme_publisher_region",
        "case",
        "origin",
        "partner_request_kind",
        "review_note",
        "status",
        "notice_sent_at",
        "reschedule_deadline",
        "reschedule_open",
        "reminder_level",
        "started_at",
        "completed_at",
        "cancelled_at",
        "created_by",
        "partner_emergencies_nearby",
    ]

    # --- the forms: add = change_create, edit = change_plan

    def is_editable(self, obj: Change) -> bool:
        return obj.status in rules.EDITABLE_STATUSES

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a change is cancelled (with its notice), never deleted

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ChangeScheduleForm if obj is not None else ChangeAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [*ChangeAddForm._meta.fields, "certificate"]
        return [*ChangeScheduleForm._meta.fields, *self.detail_readonly]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else list(self.detail_readonly)

    def service_save(self, request, obj: Change, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            if form.has_changed():
                services.change_plan(
                    actor=request.user,
                    change=obj,
                    start=data.get("start"),
                    end=data.get("end"),
                    kind=data.get("kind"),
                )
            return
        created = services.change_create(
            actor=request.user,
            partner=data.get("partner"),
            kind=data.get("kind"),
            title=data.get("title"),
            description=data.get("description", ""),
            customers=list(data.get("customers") or []),
            start=data.get("start"),
            end=data.get("end"),
            reason=data.get("reason", ""),
            urgent=data.get("urgent", False),
            interrupts_calling=data.get("interrupts_calling", False),
            sme_publisher_region=data.get("sme_publisher_region", ""),
            case=data.get("case"),
            certificate=data.get("certificate"),
        )
        _copy_into(obj, created)

    def get_inlines(self, request, obj=None):
        return [] if obj is None else self.inlines

    def service_save_related(self, request, form, formsets, change: bool) -> None:
        """The services wrote the customers; the inlines are read-only (saving them writes
        nothing)."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.display(description=_("partner emergency changes nearby (R-MNT-8)"))
    def partner_emergencies_nearby(self, change: Change) -> str:
        found = list(selectors.partner_emergencies_near(change)[:10])
        if not found:
            return "—"
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:maintenance_partneremergency_change", args=[e.pk]), e.title)
                for e in found
            ),
        )

    # --- the buttons of a change

    object_actions = (
        AdminAction(
            "send-notice",
            _("Send the notice (R-MNT-4)"),
            lambda request, c: services.change_send_notice(actor=request.user, change=c),
            available=lambda c: c.status == ChangeStatus.SCHEDULED,
            confirm=_(
                "The written notice goes to the partner's and the customers' contacts "
                "subscribed to maintenance and outages; the reschedule period opens."
            ),
        ),
        AdminAction(
            "complete",
            _("Complete"),
            lambda request, c: services.change_complete(actor=request.user, change=c),
            available=lambda c: c.status in rules.OPEN_STATUSES,
            confirm=_("The change is recorded as completed and the completion notice is sent."),
        ),
        AdminAction(
            "cancel",
            _("Cancel"),
            lambda request, c, note: services.change_cancel(
                actor=request.user, change=c, note=note
            ),
            form=NoteForm,
            available=lambda c: c.status in rules.CANCELLABLE_STATUSES,
            confirm=_("Contacts already notified receive a cancellation notice."),
        ),
        AdminAction(
            "review-start",
            _("Start joint review (R-MNT-9)"),
            lambda request, c, note: services.change_review(
                actor=request.user, change=c, decision="start", note=note
            ),
            form=NoteForm,
            available=lambda c: c.status == ChangeStatus.SUBMITTED,
        ),
        AdminAction(
            "approve",
            _("Approve after joint review (R-MNT-9)"),
            lambda request, c, note, kind: services.change_review(
                actor=request.user, change=c, decision="approve", note=note, kind=kind or None
            ),
            form=ApproveForm,
            available=lambda c: c.status == ChangeStatus.UNDER_REVIEW,
        ),
        AdminAction(
            "reject",
            _("Reject after joint review (R-MNT-9)"),
            lambda request, c, note: services.change_review(
                actor=request.user, change=c, decision="reject", note=note
            ),
            form=NoteForm,
            available=lambda c: c.status == ChangeStatus.UNDER_REVIEW,
        ),
    )

    # --- changelist actions: the same services, row by row

    send_notice = row_action(
        _("Send the notice (R-MNT-4)"),
        lambda request, c: services.change_send_notice(actor=request.user, change=c),
        _("Notices sent"),
    )

    complete = row_action(
        _("Complete"),
        lambda request, c: services.change_complete(actor=request.user, change=c),
        _("Completed"),
    )

    cancel = row_action(
        _("Cancel"),
        lambda request, c: services.change_cancel(actor=request.user, change=c),
        _("Cancelled"),
    )

    review_start = row_action(
        _("Start joint review (R-MNT-9)"),
        lambda request, c: services.change_review(actor=request.user, change=c, decision="start"),
        _("Under review"),
    )

    approve = row_action(
        _("Approve after joint review (R-MNT-9)"),
        lambda request, c: services.change_review(actor=request.user, change=c, decision="approve"),
        _("Approved"),
    )

    reject = row_action(
        _("Reject after joint review (R-MNT-9)"),
        lambda request, c: services.change_review(actor=request.user, change=c, decision="reject"),
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


# --- reschedule requests (R-MNT-5) ------------------------------------------------------------


class AlternativeInline(admin.TabularInline):
    model = RescheduleAlternative
    extra = 0
    can_delete = False
    fields = ["start", "end", "window_kind"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def _offer_suggested(request: HttpRequest, rr: RescheduleRequest, note: str = "") -> Any:
    """The API's function: the next windows that satisfy the change's rules, for all its
    customers (``reschedule_offer_alternatives`` without explicit alternatives)."""
    return services.reschedule_offer_alternatives(actor=request.user, request=rr, note=note)


@admin.register(RescheduleRequest)
class RescheduleRequestAdmin(ServiceAdmin):
    list_display = ["change", "status", "requested", "answered"]
    list_filter = ["status"]
    search_fields = ["change__title", "reason"]
    fields = [
        "change",
        "reason",
        "status",
        "staff_note",
        "chosen",
        "requested_by",
        "created_at",
        "answered_at",
        "suggested_alternatives",
    ]
    readonly_fields = fields
    list_select_related = ["change"]
    inlines = [AlternativeInline]
    actions = ["offer_suggested", "decline"]

    object_actions = (
        AdminAction(
            "offer-suggested",
            _("Offer the suggested windows (R-MNT-5)"),
            lambda request, rr, note: _offer_suggested(request, rr, note),
            form=NoteForm,
            available=lambda rr: rr.status in rules.OPEN_RESCHEDULE_STATUSES,
            confirm=_("The partner's contacts receive the offered windows to choose from."),
        ),
        AdminAction(
            "decline",
            _("Decline"),
            lambda request, rr, note: services.reschedule_close(
                actor=request.user, request=rr, decline=True, note=note
            ),
            form=NoteForm,
            available=lambda rr: rr.status in rules.OPEN_RESCHEDULE_STATUSES,
        ),
    )

    def is_editable(self, obj) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("suggested windows (R-MNT-5)"))
    def suggested_alternatives(self, rr: RescheduleRequest) -> str:
        if rr.status not in rules.OPEN_RESCHEDULE_STATUSES:
            return "—"
        found = services.reschedule_alternatives_for(change=rr.change)
        if not found:
            return gettext("No window in the coming weeks satisfies this change's rules.")
        return format_html_join(
            ", ", "{} – {}", ((f"{s:%Y-%m-%d %H:%M %Z}", f"{e:%H:%M %Z}") for s, e in found)
        )

    offer_suggested = row_action(
        _("Offer the suggested windows (R-MNT-5)"),
        lambda request, rr: _offer_suggested(request, rr),
        _("Alternatives offered"),
    )

    decline = row_action(
        _("Decline"),
        lambda request, rr: services.reschedule_close(actor=request.user, request=rr, decline=True),
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


# --- certificates (R-MNT-6) -------------------------------------------------------------------


@admin.register(Certificate)
class CertificateAdmin(ServiceAdmin, SimpleHistoryAdmin):
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
class PatchRequestAdmin(ServiceAdmin, SimpleHistoryAdmin):
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


@admin.register(Outage)
class OutageAdmin(ServiceAdmin, SimpleHistoryAdmin):
    """Declared with ``outage_declare`` and resolved with ``outage_resolve``, each telling the
    subscribers of the affected customers."""

    form = OutageDeclareForm
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
        "status",
        "declared_at",
        "resolved_at",
        "resolution",
    ]

    object_actions = (
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

    def get_changeform_initial_data(self, request) -> dict:
        return {"declared_at": timezone.now()}

    def service_save(self, request, obj: Outage, form, change: bool) -> None:
        data = form.cleaned_data
        created = services.outage_declare(
            actor=request.user,
            title=data["title"],
            description=data.get("description", ""),
            customers=list(data.get("customers") or []),
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
