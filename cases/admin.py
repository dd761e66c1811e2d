"""Staff UI of the cases app. Every write goes through ``cases.services``."""

from __future__ import annotations

import html
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.db.models import DateTimeField, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.admin_actions import (
    AdminAction,
    CheapRowsMixin,
    ServiceAdmin,
    for_staff,
    row_action,
    shortened,
    titled,
)
from portal.admin_history import AuditHistoryAdmin
from portal.admin_times import countdown_html, time_column
from portal.choices import Region
from portal.errors import DomainError, add_domain_error
from portal.models import Customer, Partner
from portal.timefmt import show_time

from . import selectors, services, sweep
from .api.pagination import EstimatedCountPaginator
from .choices import (
    Category,
    Channel,
    Impact,
    OutOfScopeReason,
    Queue,
    Severity,
    Status,
    Urgency,
)
from .models import Case, CaseAttachment, CaseEvent, CaseWatcher

# --- forms of the staff actions -----------------------------------------------------------------


class PhoneCaseForm(forms.Form):
    """Staff record a case opened by phone, with its real opening time (R-CASE-11)."""

    customer = forms.ModelChoiceField(
        queryset=Customer.objects.select_related("partner"), label=_("Customer")
    )
    opened_at = forms.DateTimeField(
        label=_("Opened at (UTC)"),
        initial=timezone.now,
        help_text=_("The real time of the call; it may not lie in the future."),
    )
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.PHONE, label=_("Channel"))
    contract_number = forms.CharField(max_length=40, label=_("Contract number"))
    title = forms.CharField(max_length=200, label=_("Title"))
    description = forms.CharField(widget=forms.Textarea, label=_("Problem description"))
    category = forms.ChoiceField(choices=Category.choices, label=_("Category"))
    urgency = forms.ChoiceField(choices=Urgency.choices, label=_("Urgency"))
    impact = forms.ChoiceField(
        choices=[("", "—"), *Impact.choices], required=False, label=_("Impact")
    )
    affected_share = forms.DecimalField(
        required=False,
        # Any precision (R-CASE-3): the range and the level are checked by the service.
        widget=forms.NumberInput(attrs={"min": "0", "max": "1", "step": "any"}),
        label=_("Affected share (0-1)"),
    )
    contact_name = forms.CharField(max_length=200, label=_("Reporting contact name"))
    contact_phone = forms.CharField(max_length=40, label=_("Reporting contact phone"))
    contact_email = forms.EmailField(label=_("Reporting contact e-mail"))


class SeverityChangeForm(forms.Form):
    severity = forms.ChoiceField(choices=Severity.choices, label=_("New severity"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Reason"))


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices, label=_("New status"))
    monitoring_days = forms.IntegerField(
        required=False,
        label=_("Monitoring period (days)"),
        help_text=_(
            "Only when entering monitoring (R-CASE-12); empty: the default of "
            "CASES_MONITORING_DAYS. When it ends without a recurrence the case resolves itself."
        ),
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Note")
    )


class ActionPlanForm(forms.Form):
    plan = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), label=_("Status and action plan")
    )


def _staff_users():
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")


class AssignForm(forms.Form):
    """Give a case to an operator engineer, or back to the queue (empty)."""

    owner = forms.ModelChoiceField(
        queryset=_staff_users(),
        required=False,
        empty_label=_("— nobody (back to the queue) —"),
        label=_("Owner"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff_users()
        self.fields["owner"].label_from_instance = services.owner_display_name


class OutOfScopeForm(forms.Form):
    reason = forms.ChoiceField(choices=OutOfScopeReason.choices, label=_("Reason"))
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Explanation")
    )


class AttachForm(forms.Form):
    file = forms.FileField(label=_("File"), allow_empty_file=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from django.template.defaultfilters import filesizeformat

        self.fields["file"].help_text = gettext("Up to %(limit)s per file.") % {
            "limit": filesizeformat(services.attachment_max_bytes())
        }


#: R-CASE-10: what each escalation level means, for staff.
ESCALATION_LEVEL_NAMES = {
    0: _("not escalated"),
    1: _("1: breached, on-call and the partner told"),
    2: _("2: the duty manager told"),
    3: _("3: the head of support told"),
}

# --- list helpers -------------------------------------------------------------------------------


class BreachedFilter(admin.SimpleListFilter):
    title = _("breached")
    parameter_name = "breached"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(breached_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(breached_at__isnull=True)
        return queryset


class QueueFilter(admin.SimpleListFilter):
    """The operator's work queue (issue 14): named views of the open cases, shown as tabs
    above the list (the sidebar is hidden while a queue is open)."""

    title = _("work queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return Queue.choices

    def queryset(self, request, queryset):
        if self.value() not in Queue.values:
            return queryset
        return selectors.work_queue(self.value(), user=request.user, cases=queryset)


def _queue(request: HttpRequest) -> str | None:
    value = request.GET.get(QueueFilter.parameter_name)
    return value if value in Queue.values else None


class RegionFilter(admin.SimpleListFilter):
    title = _("region")
    parameter_name = "region"

    def lookups(self, request, model_admin):
        return Region.choices

    def queryset(self, request, queryset):
        return queryset.filter(customer__region=self.value()) if self.value() else queryset


class PartnerFilter(admin.SimpleListFilter):
    """The partner, chosen from a drop-down list in a small GET form that keeps the other
    filters: with hundreds of partners a list of links was long to scroll and to build (a
    query string per partner on every page)."""

    title = _("partner")
    parameter_name = "partner__id__exact"  # the field filter's name: links elsewhere keep it
    template = "cases/admin/select_filter.html"

    def lookups(self, request, model_admin):
        return Partner.objects.order_by("name").values_list("pk", "name")

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not str(value).isdigit():
            raise IncorrectLookupParameters(f"{self.parameter_name}: not a partner id")
        return queryset.filter(partner_id=int(value))

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {}  # a drop-down shows no counts ("Show counts" would count every partner)

    def choices(self, changelist):
        chosen = str(self.value() or "")
        yield {
            # the other filters of the page, kept as hidden fields of the form
            "others": [
                (name, value)
                for name, value in changelist.params.items()
                if name not in (self.parameter_name, "p")
            ],
            # Hundreds of options on every page: written with the standard library's escape
            # (what format_html's escaping comes to, without its per-argument overhead).
            "options": mark_safe(  # noqa: S308 - the names are escaped here, ids are ints
                "".join(
                    f'<option value="{int(pk)}"{" selected" if str(pk) == chosen else ""}>'
                    f"{html.escape(name)}</option>"
                    for pk, name in self.lookup_choices
                )
            ),
        }


class CaseEventInline(admin.TabularInline):
    """The timeline, read-only: the audit trail is never edited (R-CASE-6)."""

    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "actor_name", "from_value", "to_value", "shown_text", "data"]
    readonly_fields = fields
    ordering = ["at", "id"]

    @admin.display(description=_("text"))
    def shown_text(self, event: CaseEvent) -> str:
        return event.display_text

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class CaseAttachmentInline(admin.TabularInline):
    """The case's files, read-only, each with its download link (the tenant-checked view);
    staff attach a file with the "Attach a file" action (the service)."""

    model = CaseAttachment
    extra = 0
    can_delete = False
    fields = ["download", "size_shown", "checksum", "uploader_name", "uploaded"]
    readonly_fields = fields
    ordering = ["created_at", "id"]
    verbose_name_plural = _("attachments")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("file"))
    def download(self, attachment: CaseAttachment) -> str:
        url = reverse("cases:attachment", args=[attachment.case_id, attachment.pk])
        return format_html('<a href="{}" download>{}</a>', url, attachment.original_name)

    @admin.display(description=_("size"))
    def size_shown(self, attachment: CaseAttachment) -> str:
        from django.template.defaultfilters import filesizeformat

        return filesizeformat(attachment.size)

    @admin.display(description=_("SHA-256"))
    def checksum(self, attachment: CaseAttachment) -> str:
        """The first 16 hex digits; the whole checksum is the tooltip."""
        return format_html('<code title="{}">{}…</code>', attachment.sha256, attachment.sha256[:16])

    @admin.display(description=_("uploaded"))
    def uploaded(self, attachment: CaseAttachment) -> str:
        return show_time(attachment.created_at)


class CaseWatcherInline(admin.TabularInline):
    """The contacts that follow the case; staff add and remove them on the watcher pages
    (each a service call), linked from here."""

    model = CaseWatcher
    extra = 0
    can_delete = False
    fields = ["contact", "added_by", "added_at", "remove"]
    readonly_fields = fields
    verbose_name_plural = _("watchers (they receive the case's messages)")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("remove"))
    def remove(self, watcher: CaseWatcher) -> str:
        url = reverse("admin:cases_casewatcher_delete", args=[watcher.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Remove"))


@admin.register(Case)
class CaseAdmin(CheapRowsMixin, ServiceAdmin, AuditHistoryAdmin):
    # Fits a 1366 px screen: what staff triage on. Customer, channel and the opening time are
    # filters and the date drill-down; the due time is the countdown's tooltip.
    list_display = [
        "id",
        "short_title",
        "partner_name",
        "severity_badge",
        "status",
        "owner_name",
        "due_marker",
    ]
    # The work queue (?queue=…): what an engineer picks the next case by, and the row actions.
    queue_list_display = [
        "id",
        "queue_title",
        "severity_badge",
        "queue_partner",
        "queue_customer",
        "status",
        "owner_name",
        "level_badge",
        "queue_due",
    ]
    list_display_links = ["id", "short_title"]
    list_filter = [
        QueueFilter,
        "severity",
        "status",
        "owner",
        BreachedFilter,
        RegionFilter,
        PartnerFilter,
        "channel",
        "out_of_scope",
    ]
    search_fields = [
        "title",
        "customer__name",
        "partner__name",
        "contract_number",
        "contact_name",
        "contact_email",
    ]
    date_hierarchy = "opened_at"
    list_select_related = ["customer", "partner", "owner"]
    inlines = [CaseWatcherInline, CaseAttachmentInline, CaseEventInline]
    actions = [
        "claim_selected",
        "acknowledge_selected",
        "reassign_selected",
        "run_escalation_sweep",
    ]
    action_template = "cases/admin/action_form.html"
    change_list_template = "cases/admin/case_change_list.html"
    # A million cases: no second count of the whole table, and the unfiltered list's count
    # is PostgreSQL's estimate (the API list's paginator); filtered lists count exactly.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    preserve_filters = False  # the change form is read-only; saves a URL resolve per row link
    list_per_page = 50  # as the portal and the API; half the rendering of Django's 100

    class Media:
        js = ["portal/portal.js"]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        """Staff see every calendar that lacks the holidays of a year due times reach
        (R-CASE-8): the current and the next year."""
        from portal.calendars import calendars_missing_holidays, holiday_years_reached

        extra_context = dict(extra_context or {})
        extra_context["calendars_missing_holidays"] = calendars_missing_holidays(
            years=holiday_years_reached()
        )
        counts = selectors.queue_counts(user=request.user)
        current = _queue(request)
        extra_context["queue_tabs"] = [
            {"value": q.value, "label": q.label, "count": counts[q.value], "active": q == current}
            for q in Queue
        ]
        extra_context["queue_current"] = current
        return super().changelist_view(request, extra_context)

    def get_list_display(self, request: HttpRequest):
        if _queue(request):
            return [*self.queue_list_display, self._row_actions_column(request)]
        return super().get_list_display(request)

    def get_list_display_links(self, request: HttpRequest, list_display):
        if _queue(request):
            return ["id", "queue_title"]
        return super().get_list_display_links(request, list_display)

    def get_list_filter(self, request: HttpRequest):
        # In a queue the tabs are the filter: the sidebar gives its width to the columns.
        return [QueueFilter] if _queue(request) else super().get_list_filter(request)

    def get_ordering(self, request: HttpRequest):
        """A queue is sorted by what is due first (the response due time; the plan's due
        time for overdue action plans)."""
        queue = _queue(request)
        return selectors.queue_ordering(queue) if queue else super().get_ordering(request)

    def _row_actions_column(self, request: HttpRequest):
        """Claim, acknowledge and reassign from the row: buttons of the forms the list
        template puts outside the changelist form, each a changelist action (a service)."""
        user_id = request.user.pk

        @admin.display(description=_("actions"))
        def row_actions(case: Case) -> str:
            buttons = []
            if case.owner_id != user_id:
                buttons.append(("queue-claim", gettext("Claim")))
            if case.status == Status.NEW:
                buttons.append(("queue-acknowledge", gettext("Acknowledge")))
            buttons.append(("queue-reassign", gettext("Reassign…")))
            return format_html_join(
                " ",
                '<button type="submit" class="button queue-action" form="{}" '
                'name="_selected_action" value="{}">{}</button>',
                ((form, case.pk, label) for form, label in buttons),
            )

        return row_actions

    # --- list columns

    @admin.display(description=_("severity"), ordering="severity")
    def severity_badge(self, case: Case) -> str:
        colours = {"S1": "#b3261e", "S2": "#d35400", "S3": "#b28900", "S4": "#4a6fa5"}
        return format_html(
            '<strong style="color:#fff;background:{};padding:0 .4em;border-radius:8px">{}</strong>',
            colours.get(case.severity, "#555"),
            case.severity,
        )

    @admin.display(description=_("title"), ordering="title")
    def short_title(self, case: Case) -> str:
        return shortened(case.title, 48)

    @admin.display(description=_("partner"), ordering="partner__name")
    def partner_name(self, case: Case) -> str:
        name = case.partner.name
        return titled(name, 28)

    @admin.display(description=_("response due"), ordering="response_due_at")
    def due_marker(self, case: Case) -> str:
        """A live countdown to the due time, or the breach marker (R-CASE-10). The due time
        itself, in the customer's region zone, is the tooltip."""
        if case.breached:
            due = show_time(case.response_due_at, customer=case.customer)
            return format_html(
                '<strong style="color:#b3261e" title="{}">⚠ {}</strong>', due, gettext("BREACHED")
            )
        if case.acknowledged_at:
            due = show_time(case.response_due_at, customer=case.customer)
            return format_html(
                '<span style="color:#1e7f4f" title="{}">✔ {}</span>', due, gettext("acknowledged")
            )
        # The countdown writes the due time as its own tooltip.
        return countdown_html(case.response_due_at, owner=case.customer)

    @admin.display(description=_("owner"), ordering="owner__username")
    def owner_name(self, case: Case) -> str:
        return services.owner_display_name(case.owner) or "—"

    @admin.display(description=_("title"), ordering="title")
    def queue_title(self, case: Case) -> str:
        return titled(case.title, 34)

    @admin.display(description=_("partner"), ordering="partner__name")
    def queue_partner(self, case: Case) -> str:
        name = case.partner.name
        return titled(name, 18)

    @admin.display(description=_("customer"), ordering="customer__name")
    def queue_customer(self, case: Case) -> str:
        name = case.customer.name
        return titled(name, 18)

    @admin.display(description=_("level"))
    def level_badge(self, case: Case) -> str:
        """The escalation level (R-CASE-10): 1 breached, 2 duty manager, 3 head of support."""
        level = case.escalation_level
        if not level:
            return "—"
        return format_html(
            '<strong class="escalation-level" style="color:#b3261e" title="{}">⚠ {}</strong>',
            ESCALATION_LEVEL_NAMES[level],
            level,
        )

    @admin.display(description=_("due"))
    def queue_due(self, case: Case) -> str:
        """A live countdown to what is due next: the acknowledgement, or once acknowledged
        the status and action plan (R-CASE-9); the due time with its zone as the tooltip."""
        if case.acknowledged_at is None:
            return countdown_html(case.response_due_at, owner=case.customer)
        if case.action_plan_at is None and case.action_plan_due_at and case.is_open:
            return format_html(
                "{} {}",
                gettext("plan"),
                countdown_html(case.action_plan_due_at, owner=case.customer),
            )
        return format_html('<span style="color:#1e7f4f">✔ {}</span>', gettext("acknowledged"))

    @admin.display(description=_("escalation level"))
    def escalation_level_shown(self, case: Case) -> str:
        return ESCALATION_LEVEL_NAMES[case.escalation_level]

    def get_search_results(self, request, queryset, search_term):
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().lstrip("#")
        if term.isdigit():
            queryset |= self.model.objects.filter(pk=int(term))
        return queryset, duplicates

    # --- the change form is read-only: changes go through the action pages

    def get_readonly_fields(self, request, obj=None) -> list[Any]:
        """Every field, read-only; times with their zone (the due times in the customer's
        region zone, DOMAIN.md "Times shown to people")."""
        return [
            f"{f.name}_shown" if isinstance(f, DateTimeField) else f.name
            for f in Case._meta.fields
            if f.name != "search_vector"  # the search's words, not for people
        ] + ["escalation_level_shown"]

    def is_editable(self, obj: Case) -> bool:
        return False  # changes go through the action pages, each a service

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the audit trail is never deleted

    # --- actions

    @admin.action(description=_("Acknowledge the selected cases"))
    def acknowledge_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.run_each(
            request,
            queryset.filter(status=Status.NEW),
            lambda case: services.case_acknowledge(user=request.user, case=case),
            gettext("Cases acknowledged"),
        )

    claim_selected = row_action(
        _("Claim: assign the selected cases to me"),
        lambda request, case: services.case_assign(
            actor=request.user, case=case, owner=request.user
        ),
        _("Cases claimed"),
    )

    @admin.action(description=_("Reassign the selected cases…"))
    def reassign_selected(self, request: HttpRequest, queryset: QuerySet):
        """Pick an engineer (or nobody), then assign every selected case through the
        service."""
        form = AssignForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            owner = form.cleaned_data["owner"]
            self.run_each(
                request,
                queryset,
                lambda case: services.case_assign(actor=request.user, case=case, owner=owner),
                gettext("Cases reassigned"),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Reassign cases"),
            "form": form,
            "cases": list(queryset.select_related("customer", "owner")[:100]),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "cases/admin/reassign.html", context)

    @admin.action(description=_("Run the escalation sweep now"))
    def run_escalation_sweep(self, request: HttpRequest, queryset: QuerySet) -> None:
        result = sweep.escalation_sweep()
        self.message_user(request, result.summary(), messages.SUCCESS)

    # --- extra pages

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("slo-report/", view(self.slo_report_view), name="cases_case_slo"),
            path("sweep/", view(self.sweep_view), name="cases_case_sweep"),
            *super().get_urls(),
        ]

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        """Staff record a (phone-opened) case with its real opening time (R-CASE-11)."""
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:cases_case_changelist"))
        form = PhoneCaseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            data["impact"] = data["impact"] or None
            try:
                case = services.case_open(user=request.user, **data)
            except DomainError as exc:
                add_domain_error(form, for_staff(exc))
            else:
                self.message_user(
                    request,
                    gettext("Case #%(id)s recorded with severity %(severity)s.")
                    % {"id": case.pk, "severity": case.severity},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:cases_case_change", args=[case.pk]))
        return self.render_action_form(request, form, title=gettext("Record a case"), obj=None)

    object_actions = (
        AdminAction(
            "assign",
            _("Assign"),
            lambda request, case, **data: services.case_assign(
                actor=request.user, case=case, **data
            ),
            form=AssignForm,
            initial=lambda case: {"owner": case.owner_id},
            available=lambda case: case.is_open,
            success=_("Case updated."),
        ),
        AdminAction(
            "attach",
            _("Attach a file"),
            lambda request, case, **data: services.case_attachment_add(
                actor=request.user, case=case, file=data["file"]
            ),
            form=AttachForm,
            success=_("File attached."),
        ),
        AdminAction(
            "acknowledge",
            _("Acknowledge"),
            lambda request, case: services.case_acknowledge(user=request.user, case=case),
            available=lambda case: case.status == Status.NEW,
            success=_("Case updated."),
        ),
        AdminAction(
            "change-severity",
            _("Change severity"),
            lambda request, case, **data: services.case_change_severity(
                user=request.user, case=case, **data
            ),
            form=SeverityChangeForm,
            success=_("Case updated."),
        ),
        AdminAction(
            "transition",
            _("Change status"),
            lambda request, case, **data: services.case_transition(
                user=request.user, case=case, **data
            ),
            form=TransitionForm,
            success=_("Case updated."),
        ),
        AdminAction(
            "action-plan",
            _("Action plan"),
            lambda request, case, **data: services.case_set_action_plan(
                user=request.user, case=case, **data
            ),
            form=ActionPlanForm,
            initial=lambda case: {"plan": case.action_plan},
            success=_("Case updated."),
        ),
        AdminAction(
            "out-of-scope",
            _("Out of scope"),
            lambda request, case, **data: services.case_mark_out_of_scope(
                user=request.user, case=case, **data
            ),
            form=OutOfScopeForm,
            success=_("Case updated."),
        ),
    )

    def slo_report_view(self, request: HttpRequest) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Response objective attainment"),
            "rows": selectors.slo_report(user=request.user),
        }
        return TemplateResponse(request, "cases/admin/slo_report.html", context)

    def sweep_view(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            self.message_user(request, sweep.escalation_sweep().summary(), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:cases_case_changelist"))


# The change form's times, read-only, with their zone: the due times in the customer's region
# zone, the others in the viewer's (DOMAIN.md "Times shown to people").
for _field in Case._meta.fields:
    if isinstance(_field, DateTimeField):
        _owner = (
            (lambda case: case.customer)
            if _field.name in {"response_due_at", "warning_due_at"}
            else None
        )
        setattr(
            CaseAdmin,
            f"{_field.name}_shown",
            staticmethod(time_column(Case, _field.name, owner=_owner)),
        )


@admin.register(CaseEvent)
class CaseEventAdmin(admin.ModelAdmin):
    list_display = [
        time_column(CaseEvent, "at"),
        "case",
        "kind",
        "actor_name",
        "from_value",
        "to_value",
    ]
    list_filter = ["kind"]
    search_fields = ["case__title", "text", "actor_name"]
    date_hierarchy = "at"
    list_select_related = ["case"]
    readonly_fields = [
        "case",
        "kind",
        "at",
        "actor",
        "actor_name",
        "from_value",
        "to_value",
        "text",
        "data",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CaseWatcherForm(forms.ModelForm):
    class Meta:
        model = CaseWatcher
        fields = ["case", "contact"]


@admin.register(CaseWatcher)
class CaseWatcherAdmin(ServiceAdmin):
    """Staff add a partner's contact to a case's watchers, or remove one: the services check
    that the contact is the case's partner's (and, if a customer's, the case's customer's)."""

    form = CaseWatcherForm
    list_display = ["case", "contact", "added_by", "added_at"]
    list_select_related = ["case", "contact", "added_by"]
    search_fields = ["case__title", "contact__name", "contact__email"]
    autocomplete_fields = ["case", "contact"]

    def is_editable(self, obj: CaseWatcher) -> bool:
        return False  # a watcher is added or removed, never changed

    def service_save(self, request, obj: CaseWatcher, form, change: bool) -> None:
        data = form.cleaned_data
        created = services.case_watcher_add(
            actor=request.user, case=data["case"], contact=data["contact"]
        )
        obj.pk = created.pk
        obj.added_at = created.added_at

    def delete_model(self, request, obj: CaseWatcher) -> None:
        services.case_watcher_remove(actor=request.user, case=obj.case, contact=obj.contact_id)

    def delete_queryset(self, request, queryset) -> None:
        for watcher in queryset.select_related("case"):
            self.delete_model(request, watcher)
