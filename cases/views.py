"""Partner portal pages of the cases app: thin views over services and selectors."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from html import escape

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from portal.admin_times import countdown_html
from portal.choices import REGION_TIMEZONES
from portal.errors import DomainError, write_with_form
from portal.timefmt import show_time
from portal.views import PartnerRequiredMixin, get_for_user_or_404

from . import rules, selectors, services
from .choices import Channel, Clock, Impact, Status, Urgency
from .downloads import attachment_response
from .filtersets import CaseFilter
from .forms import AttachmentForm, CaseOpenForm, CommentForm, EscalationForm, WatcherForm
from .models import Case


def tac_phone_number() -> str:
    """The global TAC phone line partners are asked to call for S1/S2 problems (R-CASE-11)."""
    return settings.TAC_PHONE_NUMBER


def severity_preview() -> dict:
    """What the open-case page needs to show the severity and the response objective live
    (R-CASE-3, R-CASE-5, R-CASE-7), taken from ``cases.rules`` so the rules live in one place;
    rendered as a JSON data element (no inline script)."""
    objectives = {}
    for severity, objective in rules.RESPONSE_OBJECTIVES.items():
        if objective.clock == Clock.WALL:
            minutes = int(objective.wall.total_seconds() // 60)
            respond = ngettext(
                "%(n)s minute, around the clock", "%(n)s minutes, around the clock", minutes
            ) % {"n": minutes}
        else:
            days = objective.business_days
            respond = ngettext("%(n)s business day", "%(n)s business days", days) % {"n": days}
        objectives[severity.value] = {
            "label": str(severity.label),
            "respond": respond,
            "phone": rules.phone_recommended(severity),
        }
    return {
        "matrix": {
            urgency.value: {
                impact.value: rules.severity_for(urgency=urgency, impact=impact).value
                for impact in Impact
            }
            for urgency in Urgency
        },
        # the share must be above a bound to reach its level (exact decimals, compared in JS)
        "bounds": [
            [str(Decimal(bound.numerator) / Decimal(bound.denominator)), impact.value]
            for bound, impact in rules.IMPACT_LOWER_BOUNDS
        ],
        "lowest": Impact.INDIVIDUALIZED.value,
        "objectives": objectives,
        "text": {
            "result": _("Severity %(severity)s: we respond within %(respond)s."),
            "phone": _("For this severity, also call the global TAC phone line at %(phone)s."),
            "incomplete": _(
                "Choose the urgency and the impact (or give the affected share) to see the "
                "severity."
            ),
            "out_of_range": _("The affected share must be a number between 0 and 1."),
        },
        "tac_phone": tac_phone_number(),
    }


def _case(request: HttpRequest, pk: int) -> Case:
    return get_for_user_or_404(selectors.cases_for(request.user), request.user, pk=pk)


def _partner_case_filter(data, queryset, request: HttpRequest) -> CaseFilter:
    """The case list's filters as a partner user sees them: without the partner filter (a
    partner user sees one partner)."""
    filterset = CaseFilter(data, queryset=queryset, request=request)
    filterset.form.fields.pop("partner", None)
    return filterset


# The unfiltered case list's filter fields, rendered once per language and customer list
# (the only parts of them that vary): widget rendering was a quarter of the page's CPU.
_UNFILTERED_FIELDS: dict[tuple, str] = {}
_UNFILTERED_FIELDS_MAX = 512


def _unfiltered_filter_fields(request: HttpRequest) -> str:
    """The filter fields' HTML when no filter is set (the list's first and later pages);
    with a filter the template renders the bound form, with the chosen values and errors."""
    customers = tuple((c.pk, str(c)) for c in CaseFilter.customer_choices(request))
    key = (translation.get_language(), customers)
    html = _UNFILTERED_FIELDS.get(key)
    if html is None:
        filterset = _partner_case_filter(None, Case.objects.none(), request)
        html = render_to_string("cases/_case_filters.html", {"filter": filterset})
        if len(_UNFILTERED_FIELDS) >= _UNFILTERED_FIELDS_MAX:
            _UNFILTERED_FIELDS.clear()
        _UNFILTERED_FIELDS[key] = html
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, escaped there


# What a row of the case list shows, read as plain values: the rest of the row (the
# description, the contact, a dozen timestamps) is neither read nor converted, and no model
# instance is built for a row or its customer.
LIST_COLUMNS = (
    "pk",
    "title",
    "severity",
    "status",
    "opened_at",
    "response_due_at",
    "acknowledged_at",
    "breached_at",
    "customer__name",
    "customer__region",
)


_ROW = (
    '<tr><td>{}</td><td><a href="{}{}/">{}</a></td><td>{} <span class="badge muted">{}</span>'
    '</td><td><span class="badge {}">{}</span></td><td>{}</td><td>{}</td><td>{}</td></tr>'
)


def _case_rows(rows: Iterable[tuple], *, now: datetime) -> str:
    """The list's rows as one HTML string (``rows``: values in the order of ``LIST_COLUMNS``).
    Written here rather than in the template: fifty rows of ten template variables each (every
    one resolved, localized and escaped) were the largest part of the page's CPU. Every text is
    escaped (the standard library's ``html.escape``, which Django's ``escape`` wraps); what
    varies per page, not per row, is done once: the status labels, the reversed detail link,
    the badge texts, the clock, the viewer's zone."""
    status_labels = {value: escape(str(label)) for value, label in Status.choices}
    detail_prefix = reverse("cases:detail", args=[0]).removesuffix("0/")
    breached = format_html(
        '<span class="badge bad" title="{}">{}</span>',
        _("Not acknowledged by its due time"),
        _("Breached"),
    )
    acknowledged = format_html('<span class="badge ok">{}</span>', _("Acknowledged"))
    viewer_zone = timezone.get_current_timezone()
    language = translation.get_language()
    html = []
    for pk, title, severity, status, opened, due_at, acked, breached_at, name, region in rows:
        if breached_at:
            due = breached
        elif acked:
            due = acknowledged
        else:  # the countdown's tooltip: the due time in the customer's zone (R-CASE-8)
            zone_of_due = region if region in REGION_TIMEZONES else None  # else the viewer's
            due = countdown_html(due_at, owner=zone_of_due, now=now)
        severity = escape(severity)
        html.append(
            _ROW.format(
                int(pk),
                detail_prefix,
                int(pk),
                escape(title),
                escape(name),
                escape(region),
                severity,
                severity,
                status_labels.get(status) or escape(status),
                escape(show_time(opened, zone=viewer_zone, language=language)),
                due,
            )
        )
    # One string for the template: a row each was resolved, localized and escaped again.
    return mark_safe("\n".join(html))  # noqa: S308 - every value escaped above


class CaseListView(PartnerRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        query = request.GET.copy()
        page_number = query.pop("page", [None])[-1]
        if query:
            filterset = _partner_case_filter(
                request.GET, selectors.cases_for(request.user), request
            )
            cases, filter_fields = filterset.qs, None
        else:
            # No filter chosen (the list's first and later pages): no filter form is built or
            # validated; its fields are the HTML rendered once per language and customer list.
            filterset = None
            cases = selectors.cases_for(request.user)
            filter_fields = _unfiltered_filter_fields(request)
        cases = cases.select_related(None)
        # The rows join their customer; the count does not need to (the join would double
        # the count's cost on PostgreSQL: every case row fetched from the heap).
        paginator = Paginator(cases.values_list(*LIST_COLUMNS), 50)
        paginator.count = cases.count()
        page = paginator.get_page(page_number)
        # Per page, not per row: one translation per status, one reversed link, one clock
        # reading.
        rows = _case_rows(page.object_list, now=timezone.now())
        return render(
            request,
            "cases/case_list.html",
            {
                "filter": filterset,
                "filter_fields": filter_fields,
                "page_obj": page,
                "rows": rows,
                "querystring": query.urlencode(),
            },
        )


class CaseDetailView(PartnerRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = _case(request, pk)
        now = timezone.now()
        actions = rules.partner_actions(case, now, reopen_period=services.reopen_period())
        return render(
            request,
            "cases/case_detail.html",
            {
                "case": case,
                "events": selectors.case_events_for(user=request.user, case=case),
                "waiting_on_partner": case.waiting_on_partner(now),
                "can_escalate": actions.escalate,
                "can_resume": actions.resume,
                "can_reopen": actions.reopen,
                "can_close": actions.close,
                "can_report_recurrence": actions.report_recurrence,
                "reopen_until": actions.reopen_until,
                "comment_form": CommentForm(),
                "attachments": selectors.attachments_for(user=request.user, case=case),
                "attachment_form": AttachmentForm(max_bytes=services.attachment_max_bytes()),
                "watchers": selectors.case_watchers_for(user=request.user, case=case),
                "watcher_form": WatcherForm(case=case),
                "phone_recommended": rules.phone_recommended(case.severity),
                "tac_phone": tac_phone_number(),
            },
        )


class CaseOpenView(PartnerRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        form = CaseOpenForm(
            user=user,
            initial={
                "contact_name": user.get_full_name() or user.get_username(),
                "contact_email": user.email,
            },
        )
        return render(request, "cases/case_form.html", self._context(form))

    @staticmethod
    def _context(form: CaseOpenForm) -> dict:
        return {"form": form, "severity_rules": severity_preview(), "tac_phone": tac_phone_number()}

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CaseOpenForm(request.POST, user=request.user)
        written = write_with_form(
            form,
            lambda data: services.case_open(
                user=request.user,
                channel=Channel.WEB,
                **{**data, "impact": data["impact"] or None},
            ),
        )
        if written.ok:
            case = written.result
            messages.success(
                request,
                _("Case #%(id)s opened with severity %(severity)s.")
                % {"id": case.pk, "severity": case.severity},
            )
            return redirect("cases:detail", pk=case.pk)
        return render(request, "cases/case_form.html", self._context(form), status=400)


class CaseEscalateView(PartnerRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = _case(request, pk)
        form = EscalationForm(case=case)
        return render(request, "cases/case_escalate.html", {"case": case, "form": form})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = _case(request, pk)
        form = EscalationForm(request.POST, case=case)
        if write_with_form(
            form,
            lambda data: services.case_request_escalation(user=request.user, case=case, **data),
        ).ok:
            messages.success(request, _("Escalation recorded: the severity is raised."))
            return redirect("cases:detail", pk=case.pk)
        return render(request, "cases/case_escalate.html", {"case": case, "form": form}, status=400)


class CaseTransitionView(PartnerRequiredMixin, View):
    """Partner moves: answer (resume), reopen, close (R-CASE-12)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = _case(request, pk)
        try:
            services.case_transition(
                user=request.user,
                case=case,
                status=request.POST.get("status", ""),
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Case updated."))
        return redirect("cases:detail", pk=case.pk)


class CaseRecurrenceView(PartnerRequiredMixin, View):
    """The partner reports that the monitored problem came back (R-CASE-12)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = _case(request, pk)
        try:
            services.case_report_recurrence(
                user=request.user, case=case, note=request.POST.get("note", "")
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Recurrence reported: the case is back in progress."))
        return redirect("cases:detail", pk=case.pk)


class CaseCommentView(PartnerRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = _case(request, pk)
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                services.case_comment(user=request.user, case=case, text=form.cleaned_data["text"])
            except DomainError as exc:
                messages.error(request, exc.message)
        else:
            messages.error(request, _("The comment is empty."))
        return redirect("cases:detail", pk=case.pk)


class CaseAttachmentUploadView(PartnerRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = _case(request, pk)
        form = AttachmentForm(
            request.POST, request.FILES, max_bytes=services.attachment_max_bytes()
        )
        if not form.is_valid():
            messages.error(request, _("Choose a file to attach."))
            return redirect("cases:detail", pk=case.pk)
        try:
            attachment = services.case_attachment_add(
                actor=request.user, case=case, file=form.cleaned_data["file"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(name)s attached.") % {"name": attachment.original_name})
        return redirect("cases:detail", pk=case.pk)


class CaseAttachmentDownloadView(LoginRequiredMixin, View):
    """Partner users (their own cases) and staff (the admin's links): anybody else 404."""

    def get(self, request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
        attachment = selectors.attachment_for(user=request.user, pk=attachment_id)
        if attachment is None or attachment.case_id != pk:
            raise Http404(_("This attachment does not exist."))
        return attachment_response(attachment)


class CaseWatcherAddView(PartnerRequiredMixin, View):
    """A contact of the partner starts to follow the case (it receives the case's messages)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = _case(request, pk)
        form = WatcherForm(request.POST, case=case)
        if not form.is_valid():
            messages.error(request, _("Choose one of your contacts."))
            return redirect("cases:detail", pk=case.pk)
        try:
            watcher = services.case_watcher_add(
                actor=request.user, case=case, contact=form.cleaned_data["contact"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("%(name)s now follows this case.") % {"name": watcher.contact.name}
            )
        return redirect("cases:detail", pk=case.pk)


class CaseWatcherRemoveView(PartnerRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int, contact_id: int) -> HttpResponse:
        case = _case(request, pk)
        get_for_user_or_404(
            selectors.case_watchers_for(user=request.user, case=case),
            request.user,
            contact_id=contact_id,
        )
        try:
            services.case_watcher_remove(actor=request.user, case=case, contact=contact_id)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The contact no longer follows this case."))
        return redirect("cases:detail", pk=case.pk)


class SloReportView(PartnerRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request, "cases/slo_report.html", {"rows": selectors.slo_report(user=request.user)}
        )
