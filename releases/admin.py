"""Staff UI of the releases app: releases and policy, installed versions (the compliance
report), upgrades. Every write goes through ``releases.services`` via the shared admin base,
so a broken rule shows on the form, as in the API and the portal."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from maintenance.choices import UpgradeReason
from portal.admin_actions import AdminAction, ServiceAdmin
from portal.admin_history import AuditHistoryAdmin
from portal.choices import Application
from portal.models import Customer, Partner

from . import selectors, services
from .campaigns import campaign_prefill
from .models import InstalledVersion, Release, Upgrade


def announce_confirmation(release: Release) -> str:
    """What announcing ``release`` today will do, shown before staff confirm (R-REL-2)."""
    preview = selectors.announce_preview(release, available_on=timezone.localdate())
    shifts = "; ".join(
        f"{r}: {before or '—'} → {after or '—'}" for r, before, after in preview.shifts
    )
    text = gettext(
        "Announcing %(release)s as available on %(date)s shifts release positions: %(shifts)s."
    ) % {"release": release, "date": preview.available_on.isoformat(), "shifts": shifts}
    if preview.end_of_sale:
        text += " " + gettext("End of sale starts for: %(releases)s.") % {
            "releases": ", ".join(str(r) for r in preview.end_of_sale)
        }
    text += " " + ngettext(
        "%(customers)d customer of %(partners)d partner(s) (%(applications)d applications) "
        "will be told.",
        "%(customers)d customers of %(partners)d partner(s) (%(applications)d applications) "
        "will be told.",
        preview.customers,
    ) % {
        "customers": preview.customers,
        "partners": preview.partners,
        "applications": preview.applications,
    }
    return text


def _announceable(release: Release) -> bool:
    return release.available_on is None or release.available_on > timezone.localdate()


@admin.register(Release)
class ReleaseAdmin(ServiceAdmin, AuditHistoryAdmin):
    """The release table. Position is derived (R-REL-2); empty policy cells follow it."""

    list_display = [
        "__str__",
        "position",
        "available_on",
        "end_of_sale",
        "end_of_life",
        "policy_new_deployments",
        "policy_upgrades",
        "policy_may_stay",
    ]
    search_fields = ["version", "service_update"]
    fields = [
        "version",
        "service_update",
        "available_on",
        "end_of_sale",
        "end_of_life",
        "new_deployments",
        "upgrades_supported",
        "may_stay",
        "upgrade_target",
        "upgrade_campaign",
    ]
    readonly_fields = ["upgrade_campaign"]
    actions = ["announce"]
    object_actions = (
        AdminAction(
            "announce",
            _("Announce as available today"),
            lambda request, release: services.release_announce(
                actor=request.user, release=release
            ),
            available=_announceable,
            confirm=announce_confirmation,
            success=_(
                "Release announced; partners are being told. Plan the upgrade campaign from "
                "the release's page."
            ),
        ),
    )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        self._catalogue = selectors.catalogue()
        return super().changelist_view(request, extra_context)

    def _view(self, obj: Release) -> selectors.ReleaseView:
        cat = getattr(self, "_catalogue", None) or selectors.catalogue()
        return cat.view(obj)

    @admin.display(description=_("upgrade campaign"))
    def upgrade_campaign(self, obj: Release) -> str:
        """R-REL-4, R-MNT-13: an announced release offers a campaign over the customers that
        must upgrade (n-2, or n-1 where policy says), pre-filled."""
        if obj.pk is None or _announceable(obj):
            return "—"
        values = campaign_prefill(obj)
        query = urlencode(
            {
                **{k: v for k, v in values.items() if k not in ("selection", "deadline")},
                "selection": json.dumps(values["selection"]),
                "deadline": values["deadline"].strftime("%Y-%m-%d %H:%M:%S"),
            }
        )
        return format_html(
            '<a class="button" href="{}?{}">{}</a>',
            reverse("admin:maintenance_campaign_add"),
            query,
            gettext("Plan an upgrade campaign over the customers that must upgrade"),
        )

    @admin.display(description=_("position"))
    def position(self, obj: Release) -> str:
        return str(self._view(obj).position or "—")

    @admin.display(description=_("new deployments"), boolean=True)
    def policy_new_deployments(self, obj: Release) -> bool:
        return self._view(obj).policy.new_deployments

    @admin.display(description=_("upgrades supported"), boolean=True)
    def policy_upgrades(self, obj: Release) -> bool:
        return self._view(obj).policy.upgrades_supported

    @admin.display(description=_("customers may stay"), boolean=True)
    def policy_may_stay(self, obj: Release) -> bool:
        return self._view(obj).policy.may_stay

    def service_save(self, request: HttpRequest, obj: Release, form: Any, change: bool) -> None:
        services.release_save(actor=request.user, release=obj)

    def delete_model(self, request: HttpRequest, obj: Release) -> None:
        services.release_delete(actor=request.user, release=obj)

    @admin.action(description=_("Announce as available today (shifts positions, R-REL-2)"))
    def announce(self, request: HttpRequest, queryset: QuerySet) -> Any:
        """Announcing has wide effects: it is confirmed on the release's own action page,
        which says what will shift and who will be told."""
        releases = list(queryset[:2])
        if len(releases) != 1:
            self.message_user(
                request, gettext("Select exactly one release to announce."), messages.ERROR
            )
            return None
        return HttpResponseRedirect(
            reverse(self._url_name("action"), args=[releases[0].pk, "announce"])
        )


class InstalledVersionForm(forms.ModelForm):
    existing_deployment = forms.BooleanField(
        label=_("Existing deployment"),
        required=False,
        help_text=_(
            "Tick to record a customer that already ran this release before it was recorded "
            "here. Otherwise a new customer's first release must support new deployments "
            "(R-REL-3)."
        ),
    )

    class Meta:
        model = InstalledVersion
        fields = ["customer", "application", "release", "installed_at"]


@admin.register(InstalledVersion)
class InstalledVersionAdmin(ServiceAdmin, AuditHistoryAdmin):
    """The compliance report: every customer's applications and where they stand."""

    list_display = [
        "customer",
        "partner",
        "application",
        "release",
        "compliance_state",
        "compliance_target",
        "installed_at",
    ]
    list_filter = ["compliance_state", "application", "release", "customer__partner"]
    search_fields = ["customer__name", "customer__partner__name"]
    autocomplete_fields = ["customer"]
    list_select_related = ["customer", "customer__partner", "release", "compliance_target"]
    form = InstalledVersionForm
    fields = ["customer", "application", "release", "installed_at", "existing_deployment"]

    @admin.display(description=_("partner"), ordering="customer__partner__name")
    def partner(self, obj: InstalledVersion) -> str:
        return obj.customer.partner.name

    def service_save(
        self, request: HttpRequest, obj: InstalledVersion, form: Any, change: bool
    ) -> None:
        saved = services.installed_version_set(
            actor=request.user,
            customer=obj.customer,
            application=obj.application,
            release=obj.release,
            installed_at=obj.installed_at,
            existing_deployment=form.cleaned_data.get("existing_deployment", False),
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: InstalledVersion) -> None:
        services.installed_version_remove(actor=request.user, installed=obj)


class UpgradeForm(forms.ModelForm):
    """Plans an upgrade change through the services (R-REL-4, R-MNT-7)."""

    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Partner.objects.all())
    customers = forms.ModelMultipleChoiceField(
        label=_("Customers"), queryset=Customer.objects.select_related("partner")
    )
    reason = forms.ChoiceField(label=_("Reason (R-MNT-7)"), choices=UpgradeReason.choices)
    advisory = forms.CharField(
        label=_("Security advisory"),
        required=False,
        max_length=200,
        help_text=_("Required for the security reason: the advisory the upgrade fixes."),
    )
    case = forms.ModelChoiceField(
        label=_("Partner's TAC case"),
        queryset=Case.objects.select_related("customer"),
        required=False,
        widget=forms.NumberInput,
        help_text=_("Required for the feature reason: the case number of the partner's request."),
    )
    start = forms.SplitDateTimeField(label=_("Start"), widget=AdminSplitDateTime)
    end = forms.SplitDateTimeField(label=_("End"), widget=AdminSplitDateTime)
    application_list = forms.MultipleChoiceField(
        label=_("Applications"),
        choices=Application.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every installed application."),
    )

    class Meta:
        model = Upgrade
        fields = ["target"]


ADD_FIELDS = [
    "partner",
    "customers",
    "target",
    "reason",
    "advisory",
    "case",
    "start",
    "end",
    "application_list",
]


@admin.register(Upgrade)
class UpgradeAdmin(ServiceAdmin, AuditHistoryAdmin):
    """Upgrades are planned here through ``upgrade_schedule``; once planned they move as
    maintenance changes (the change's own admin and services)."""

    list_display = [
        "change",
        "partner",
        "target",
        "start",
        "status",
        "completed",
    ]  # fits 1366 px; the reschedules used are on the upgrade's page
    list_filter = ["target", "change__status"]
    search_fields = ["change__title", "change__partner__name"]
    list_select_related = ["change", "change__partner", "target"]

    def get_queryset(self, request: HttpRequest):
        # Start and completion show in the zone of the customers' regions: one prefetch.
        return super().get_queryset(request).prefetch_related("change__customers")

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = UpgradeForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ADD_FIELDS
        return [
            "change",
            "target",
            "applications",
            "advisory",
            "reschedules_used",
            "rescheduled_at",
            "reschedule_reason",
            "completed_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else self.get_fields(request, obj)

    def is_editable(self, obj: Upgrade) -> bool:
        return False  # a planned upgrade moves through maintenance's change services

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an upgrade is cancelled as a maintenance change, never deleted

    @admin.display(description=_("partner"))
    def partner(self, obj: Upgrade) -> str:
        return obj.change.partner.name

    @admin.display(description=_("start"), ordering="change__start")
    def start(self, obj: Upgrade) -> Any:
        """In the zone of the customers' regions, with the zone named."""
        from portal.timefmt import show_time

        return show_time(obj.change.start, customer=obj.change)

    @admin.display(description=_("completed"), ordering="completed_at")
    def completed(self, obj: Upgrade) -> str:
        from portal.timefmt import show_time

        return show_time(obj.completed_at, customer=obj.change)

    @admin.display(description=_("status"))
    def status(self, obj: Upgrade) -> str:
        return obj.change.get_status_display()

    def service_save(self, request: HttpRequest, obj: Upgrade, form: Any, change: bool) -> None:
        data = form.cleaned_data
        upgrade = services.upgrade_schedule(
            actor=request.user,
            partner=data["partner"],
            customers=data["customers"],
            target=data["target"],
            reason=data["reason"],
            advisory=data.get("advisory") or "",
            case=data.get("case"),
            start=data["start"],
            end=data["end"],
            applications=data.get("application_list") or [],
        )
        obj.pk = upgrade.pk
        obj.change = upgrade.change
