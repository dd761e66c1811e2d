"""Staff UI of the releases app: releases and policy, installed versions (the compliance
report), upgrades. Every write goes through ``releases.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from maintenance.choices import UpgradeReason
from portal.choices import Application
from portal.errors import DomainError
from portal.models import Customer, Partner

from . import selectors, services
from .models import InstalledVersion, Release, Upgrade


@admin.register(Release)
class ReleaseAdmin(SimpleHistoryAdmin):
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
    ]
    actions = ["announce"]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        self._catalogue = selectors.catalogue()
        return super().changelist_view(request, extra_context)

    def _view(self, obj: Release) -> selectors.ReleaseView:
        cat = getattr(self, "_catalogue", None) or selectors.catalogue()
        return cat.view(obj)

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

    def save_model(self, request: HttpRequest, obj: Release, form: Any, change: bool) -> None:
        services.release_save(actor=request.user, release=obj)

    def delete_model(self, request: HttpRequest, obj: Release) -> None:
        obj.delete()

    @admin.action(description=_("Announce as available today (shifts positions, R-REL-2)"))
    def announce(self, request: HttpRequest, queryset: Any) -> None:
        for release in queryset:
            try:
                services.release_announce(actor=request.user, release=release)
            except DomainError as exc:
                self.message_user(request, f"{release}: {exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request, _("%(release)s announced.") % {"release": release}, messages.SUCCESS
                )


@admin.register(InstalledVersion)
class InstalledVersionAdmin(SimpleHistoryAdmin):
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
    fields = ["customer", "application", "release", "installed_at"]

    @admin.display(description=_("partner"), ordering="customer__partner__name")
    def partner(self, obj: InstalledVersion) -> str:
        return obj.customer.partner.name

    def save_model(
        self, request: HttpRequest, obj: InstalledVersion, form: Any, change: bool
    ) -> None:
        saved = services.installed_version_set(
            actor=request.user,
            customer=obj.customer,
            application=obj.application,
            release=obj.release,
            installed_at=obj.installed_at,
        )
        obj.pk = saved.pk


class UpgradeForm(forms.ModelForm):
    """Plans an upgrade change through the services (R-REL-4, R-MNT-7)."""

    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Partner.objects.all())
    customers = forms.ModelMultipleChoiceField(
        label=_("Customers"), queryset=Customer.objects.select_related("partner")
    )
    reason = forms.ChoiceField(label=_("Reason (R-MNT-7)"), choices=UpgradeReason.choices)
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


@admin.register(Upgrade)
class UpgradeAdmin(SimpleHistoryAdmin):
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

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = UpgradeForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["partner", "customers", "target", "reason", "start", "end", "application_list"]
        return [
            "change",
            "target",
            "applications",
            "reschedules_used",
            "rescheduled_at",
            "reschedule_reason",
            "completed_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else self.get_fields(request, obj)

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

    def save_model(self, request: HttpRequest, obj: Upgrade, form: Any, change: bool) -> None:
        data = form.cleaned_data
        upgrade = services.upgrade_schedule(
            actor=request.user,
            partner=data["partner"],
            customers=data["customers"],
            target=data["target"],
            reason=data["reason"],
            start=data["start"],
            end=data["end"],
            applications=data.get("application_list") or [],
        )
        obj.pk = upgrade.pk
        obj.change = upgrade.change

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> Any:
        try:
            return super().add_view(request, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            from django.shortcuts import redirect

            return redirect(request.get_full_path())
