"""Staff admin of partner automation: webhook endpoints (writes through the services),
messages and deliveries (read-only, with redelivery), API tokens (revoking through the
service; new keys come from the API, the portal page or ``manage.py drf_create_token``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken as KnoxDefaultToken

from . import tokens, webhooks
from .admin_actions import ServiceAdmin, row_action
from .automation_models import ApiToken, WebhookDelivery, WebhookEndpoint, WebhookMessage

# knox registers its default model, which ours replaces (KNOX_TOKEN_MODEL): it has no table.
if admin.site.is_registered(KnoxDefaultToken):
    admin.site.unregister(KnoxDefaultToken)


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=[(t, t) for t in webhooks.EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["partner", "url", "events", "active"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "partner", "active", "failure_count", "disabled_at", "created_at"]
    list_filter = ["active", "partner"]
    search_fields = ["url", "partner__name"]
    list_select_related = ["partner"]
    readonly_fields = ["failure_count", "disabled_at", "created_by", "created_at"]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return [*self.readonly_fields, "partner"] if obj is not None else self.readonly_fields

    def service_save(self, request, obj: WebhookEndpoint, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            saved = webhooks.webhook_update(
                actor=request.user,
                endpoint=obj,
                url=data["url"],
                events=data["events"],
                active=data["active"],
            )
        else:
            saved = webhooks.webhook_create(
                actor=request.user,
                partner=data["partner"],
                url=data["url"],
                events=data["events"],
                active=data["active"],
            )
        obj.pk = saved.pk

    def service_save_related(self, request, form, formsets, change) -> None:
        return None

    def delete_model(self, request, obj: WebhookEndpoint) -> None:
        webhooks.webhook_delete(actor=request.user, endpoint=obj)


@admin.register(WebhookMessage)
class WebhookMessageAdmin(admin.ModelAdmin):
    list_display = ["msg_id", "type", "partner", "created_at"]
    list_filter = ["type", "partner"]
    search_fields = ["msg_id", "dedupe_key"]
    list_select_related = ["partner"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ServiceAdmin):
    list_display = [
        "message",
        "endpoint",
        "status",
        "attempts",
        "response_status_code",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status"]
    search_fields = ["message__msg_id", "endpoint__url"]
    list_select_related = ["message", "endpoint"]
    actions = [
        row_action(
            _("Redeliver now"),
            lambda request, d: webhooks.webhook_redeliver(actor=request.user, delivery=d),
            _("Queued again"),
        )
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceAdmin):
    list_display = ["name", "user", "token_key", "created", "expiry", "last_used_at"]
    search_fields = ["name", "user__username", "token_key"]
    list_select_related = ["user"]
    actions = [
        row_action(
            _("Revoke"),
            lambda request, t: tokens.api_token_revoke(actor=request.user, token=t),
            _("Revoked"),
        )
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_model(self, request, obj: ApiToken) -> None:
        tokens.api_token_revoke(actor=request.user, token=obj)
