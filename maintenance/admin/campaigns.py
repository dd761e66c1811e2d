"""Staff UI of campaigns (R-MNT-13): terms, plan and commit as buttons, the slots with their
move and exclude buttons, the unplaceable customers and the progress of the changes."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.admin_actions import AdminAction, ServiceAdmin
from portal.admin_times import time_column
from portal.models import Customer, Partner
from portal.timefmt import show_time

from .. import selectors, services
from ..choices import CampaignStatus, ChangeStatus, SlotStatus
from ..models import Campaign, CampaignSlot
from ..services.campaigns import CAMPAIGN_FIELDS, EDITABLE_CAMPAIGN_STATUSES


class CampaignForm(forms.ModelForm):
    """The campaign's terms; ``campaign_create`` / ``campaign_update`` check the rules."""

    class Meta:
        model = Campaign
        fields = list(CAMPAIGN_FIELDS)
        help_texts = {
            "selection": _(
                'An object of lists, all optional, combined with AND: {"regions": ["EMEA"], '
                '"partners": [ids], "releases": [ids], "applications": ["CUCM"], '
                '"customers": [ids]}.'
            ),
        }


class SlotInline(admin.TabularInline):
    model = CampaignSlot
    extra = 0
    can_delete = False
    fields = ["customer", "local_start", "window_kind", "status", "change"]
    readonly_fields = fields
    show_change_link = True  # the slot's page carries the move and exclude buttons
    max_num = 0

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("customer", "change")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("start"))
    def local_start(self, slot: CampaignSlot) -> str:
        return show_time(slot.start, customer=slot.customer)


def _plan(request: HttpRequest, campaign: Campaign) -> None:
    services.campaign_plan(actor=request.user, campaign=campaign)


@admin.register(Campaign)
class CampaignAdmin(ServiceAdmin):
    form = CampaignForm
    list_display = [
        "title",
        "kind",
        "status",
        "per_window_limit",
        time_column(Campaign, "deadline"),
        time_column(Campaign, "created_at"),
    ]
    list_filter = ["status", "kind"]
    search_fields = ["title"]
    inlines = [SlotInline]
    detail_readonly = [
        "status",
        "unplaceable_list",
        "progress_table",
        "planned_shown",
        "committed_shown",
        "created_by",
    ]

    # Every time shown carries its zone (DOMAIN.md "Times shown to people"): staff's zone.
    @admin.display(description=_("planned"))
    def planned_shown(self, obj: Campaign) -> str:
        return show_time(obj.planned_at) if obj.planned_at else "—"

    @admin.display(description=_("committed"))
    def committed_shown(self, obj: Campaign) -> str:
        return show_time(obj.committed_at) if obj.committed_at else "—"

    @admin.display(description=_("deadline"))
    def deadline_shown(self, obj: Campaign) -> str:
        return show_time(obj.deadline) if obj.deadline else "—"

    @admin.display(description=_("earliest start"))
    def earliest_start_shown(self, obj: Campaign) -> str:
        return show_time(obj.earliest_start) if obj.earliest_start else "—"

    def _shown_fields(self) -> list[str]:
        """The terms, read-only: the times through their shown columns."""
        times = {"deadline": "deadline_shown", "earliest_start": "earliest_start_shown"}
        return [times.get(name, name) for name in CAMPAIGN_FIELDS]

    def is_editable(self, obj: Campaign) -> bool:
        return obj.status in EDITABLE_CAMPAIGN_STATUSES

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(CAMPAIGN_FIELDS)
        terms = list(CAMPAIGN_FIELDS) if self.is_editable(obj) else self._shown_fields()
        return terms + self.detail_readonly

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if not self.is_editable(obj):
            return [*self._shown_fields(), *self.detail_readonly]
        return list(self.detail_readonly)

    def get_inlines(self, request, obj=None):
        return [] if obj is None else self.inlines

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """Pre-filled from the query string (a release announcement offers one); the
        selection comes as JSON."""
        initial = super().get_changeform_initial_data(request)
        if isinstance(initial.get("selection"), str):
            try:
                initial["selection"] = json.loads(initial["selection"])
            except ValueError:
                initial.pop("selection")
        for name in ("deadline", "earliest_start"):
            if isinstance(initial.get(name), str):
                moment = parse_datetime(initial[name])
                if moment is not None and timezone.is_naive(moment):
                    moment = timezone.make_aware(moment)
                initial[name] = moment
        return initial

    def service_save(self, request, obj: Campaign, form, change: bool) -> None:
        data = {name: form.cleaned_data.get(name) for name in CAMPAIGN_FIELDS}
        data["selection"] = data.get("selection") or {}
        for name in ("description", "reason", "advisory"):
            data[name] = data.get(name) or ""
        if change:
            saved = services.campaign_update(actor=request.user, campaign=obj, **data)
        else:
            saved = services.campaign_create(actor=request.user, **data)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj: Campaign) -> None:
        services.campaign_delete(actor=request.user, campaign=obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or obj.status in EDITABLE_CAMPAIGN_STATUSES

    def service_save_related(self, request, form, formsets, change: bool) -> None:
        """The slots are written by the planner only; the inline saves nothing."""

    @admin.display(description=_("unplaceable customers"))
    def unplaceable_list(self, campaign: Campaign) -> str:
        rows = campaign.unplaceable or []
        if not rows:
            return "—"
        names = dict(
            Customer.objects.filter(pk__in=[r["customer"] for r in rows]).values_list(
                "pk", "name"
            )
        )
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} — {} ({})</li>",
                (
                    (names.get(r["customer"], r["customer"]), r["reason"], r["rule"])
                    for r in rows
                ),
            ),
        )

    @admin.display(description=_("progress"))
    def progress_table(self, campaign: Campaign) -> str:
        progress = selectors.campaign_progress(campaign)
        columns = [*ChangeStatus.values, "excluded", "unplaceable"]
        used = [c for c in columns if progress["total"][c]]
        if not used:
            return "—"
        labels = {**dict(ChangeStatus.choices), "excluded": gettext("Excluded"),
                  "unplaceable": gettext("Unplaceable")}
        partners = dict(
            Partner.objects.filter(pk__in=[int(p) for p in progress["partners"]]).values_list(
                "pk", "name"
            )
        )
        rows = [(gettext("All"), progress["total"])]
        rows += [(region, counts) for region, counts in progress["regions"].items()]
        rows += [(partners.get(int(p), p), counts) for p, counts in progress["partners"].items()]
        head = format_html_join("", "<th>{}</th>", ((labels[c],) for c in used))
        body = format_html_join(
            "",
            "<tr><th>{}</th>{}</tr>",
            (
                (name, format_html_join("", "<td>{}</td>", ((counts[c],) for c in used)))
                for name, counts in rows
            ),
        )
        return format_html("<table><tr><th></th>{}</tr>{}</table>", head, body)

    object_actions = (
        AdminAction(
            "plan",
            _("Plan (R-MNT-13)"),
            _plan,
            available=lambda c: c.status in EDITABLE_CAMPAIGN_STATUSES,
            confirm=_(
                "Every selected customer is placed in the earliest legal window with room; the "
                "previous plan and its adjustments are replaced."
            ),
            success=_("Campaign planned."),
        ),
        AdminAction(
            "commit",
            _("Commit: create the changes and send their notices"),
            lambda request, c: services.campaign_commit(actor=request.user, campaign=c),
            available=lambda c: c.status == CampaignStatus.PLANNED,
            confirm=lambda c: gettext(
                "One change per planned slot (%(n)d) is created for its customer's partner, and "
                "its maintenance notice goes out now."
            )
            % {"n": c.slots.filter(status=SlotStatus.PLANNED).count()},
            success=_("Campaign committed: its changes and notices are created."),
        ),
    )


class SlotMoveForm(forms.Form):
    start = forms.SplitDateTimeField(label=_("new start"), widget=AdminSplitDateTime)


@admin.register(CampaignSlot)
class CampaignSlotAdmin(ServiceAdmin):
    list_display = ["campaign", "customer", "start", "end", "window_kind", "status"]
    list_filter = ["status", "window_kind"]
    list_select_related = ["campaign", "customer"]
    search_fields = ["customer__name", "campaign__title"]
    readonly_fields = ["campaign", "customer", "start", "end", "window_kind", "status", "change"]
    fields = readonly_fields

    def is_editable(self, obj: CampaignSlot) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_model_perms(self, request):
        return {}  # reached from its campaign, not from the index

    object_actions = (
        AdminAction(
            "move",
            _("Move"),
            lambda request, slot, start: services.campaign_slot_move(
                actor=request.user, campaign=slot.campaign, slot=slot, start=start
            ),
            form=SlotMoveForm,
            initial=lambda slot: {"start": slot.start},
            available=lambda slot: slot.campaign.status == CampaignStatus.PLANNED,
            success=_("Slot moved."),
        ),
        AdminAction(
            "exclude",
            _("Exclude from the campaign"),
            lambda request, slot: services.campaign_slot_exclude(
                actor=request.user, campaign=slot.campaign, slot=slot
            ),
            available=lambda slot: slot.campaign.status == CampaignStatus.PLANNED
            and slot.status == SlotStatus.PLANNED,
            success=_("Slot excluded."),
        ),
    )


def campaign_link(campaign_id: int | None) -> str:
    """A link to a campaign's admin page, for the pages of its changes."""
    if campaign_id is None:
        return "—"
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:maintenance_campaign_change", args=[campaign_id]),
        gettext("campaign"),
    )
