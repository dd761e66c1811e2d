"""Staff UI of changes and reschedule requests (R-MNT-1 … R-MNT-9): every write a service call."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.admin_actions import AdminAction, ServiceAdmin, row_action
from portal.admin_history import AuditHistoryAdmin
from portal.timefmt import show_time

from .. import rules, selectors, services, texts
from ..choices import ChangeStatus
from ..models import (
    Change,
    ChangeNotice,
    RescheduleAlternative,
    RescheduleRequest,
)
from .forms import (
    ApproveForm,
    ChangeAddForm,
    ChangeScheduleForm,
    NoteForm,
    _copy_into,
)

# --- changes --------------------------------------------------------------------------------


class NoticeInline(admin.TabularInline):
    model = ChangeNotice
    extra = 0
    can_delete = False
    fields = ["kind", "shown_subject", "recipients", "sent_shown"]
    readonly_fields = fields

    @admin.display(description=_("sent"))
    def sent_shown(self, notice: ChangeNotice) -> str:
        return show_time(notice.sent_at)  # with its zone (DOMAIN.md "Times shown to people")

    @admin.display(description=_("subject"))
    def shown_subject(self, notice: ChangeNotice) -> str:
        """The subject in the reader's language, as the change's page shows it (rendered once
        for all the change's notices: the rows share their change)."""
        change = notice.change
        subjects = getattr(change, "_shown_subjects", None)
        if subjects is None:
            subjects = change._shown_subjects = {
                n.pk: n.shown_subject for n in selectors.notices_for_reader(change)
            }
        return subjects.get(notice.pk, notice.subject)

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
class ChangeAdmin(ServiceAdmin, AuditHistoryAdmin):
    form = ChangeScheduleForm
    list_display = ["shown_title", "partner", "kind", "status", "window_start", "notice_sent"]
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

    def get_queryset(self, request: HttpRequest):
        # The start column is shown in the zone of every customer's region: one prefetch for
        # the page, not a query per row.
        return super().get_queryset(request).prefetch_related("customers")
    actions = ["send_notice", "complete", "cancel", "review_start", "approve", "reject"]
    detail_readonly = [
        "partner",
        "shown_title",
        "shown_description",
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
        "campaign",
        "partner_emergencies_nearby",
        "freeze_periods_overlapping",
    ]

    # --- generated titles: rendered in the staff member's language, found by their words

    @admin.display(description=_("title"), ordering="title")
    def shown_title(self, change: Change) -> str:
        return change.display_title

    @admin.display(description=_("description"))
    def shown_description(self, change: Change) -> str:
        return change.display_description

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        """A change whose title the system renders has no stored title: the search also
        finds it by the words of its kind of text (in English and Portuguese) and by its
        values (a certificate's name, a release)."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return found, duplicates
        generated = Q(text_kind__in=texts.kinds_matching(term)) & Q(title="")
        for key in ("name", "release"):
            generated |= Q(**{f"text_params__{key}__icontains": term})
        return found | queryset.filter(generated), True

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

    @admin.display(description=_("freeze periods it overlaps (R-MNT-14)"))
    def freeze_periods_overlapping(self, change: Change) -> str:
        """A freeze declared after the change was planned: staff reschedule (R-MNT-5)."""
        if change.start is None or change.end is None:
            return "—"
        ids = [c.pk for c in change.customers.all()]
        found = selectors.freeze_periods_overlapping(ids, change.start, change.end)[:10]
        if not found:
            return "—"
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:maintenance_freezeperiod_change", args=[f.pk]), f"{f}: {f.reason}")
                for f in found
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
