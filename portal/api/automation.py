"""API of partner automation: webhook endpoints and their deliveries (R-NOT-4), API tokens.

Partner admins manage their own partner's webhooks (engineers get a 403, another partner's
endpoint is a 404); staff see and manage all. A user manages its own tokens; a partner admin
also sees and revokes those of its partner's users. Secrets and token keys appear once: in the
answer that made them.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from portal import tokens, webhooks
from portal.automation_models import ApiToken, WebhookDelivery, WebhookEndpoint
from portal.errors import DomainError
from portal.models import Partner
from portal.tenancy import is_operator, is_partner_admin, partner_for

from .actions import answer, validated
from .fields import AwareDateTimeField, TenantPrimaryKeyRelatedField
from .mixins import ListFiltersOnlyMixin
from .webhook_schemas import WebhookPayload, events_table

# --- webhooks ------------------------------------------------------------------------------


class IsStaffOrPartnerAdmin(BasePermission):
    message = "Only an administrator of this partner can do this."

    def has_permission(self, request, view) -> bool:
        return is_operator(request.user) or is_partner_admin(request.user)


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(webhooks.EVENT_TYPES)),
        help_text="The event types this endpoint receives.",
    )
    partner = TenantPrimaryKeyRelatedField(
        queryset=Partner.objects.all(),
        required=False,
        help_text="Staff name the partner; a partner admin's endpoints are its partner's.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "partner",
            "url",
            "events",
            "active",
            "failure_count",
            "disabled_at",
            "created_at",
        ]
        read_only_fields = ["failure_count", "disabled_at", "created_at"]


class WebhookEndpointUpdateSerializer(WebhookEndpointSerializer):
    class Meta(WebhookEndpointSerializer.Meta):
        read_only_fields = ["partner", "failure_count", "disabled_at", "created_at"]


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The Standard Webhooks signing secret (whsec_…). Shown only in this answer.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    message_id = serializers.CharField(source="message.msg_id", read_only=True)
    type = serializers.CharField(source="message.type", read_only=True)
    payload = serializers.SerializerMethodField()

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "message_id",
            "type",
            "status",
            "attempts",
            "response_status_code",
            "last_error",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
            "payload",
        ]
        read_only_fields = fields

    @extend_schema_field(WebhookPayload)
    def get_payload(self, delivery: WebhookDelivery) -> dict:
        return delivery.message.payload


@extend_schema(tags=["webhooks"])
class WebhookEndpointViewSet(ListFiltersOnlyMixin, viewsets.ModelViewSet):
    __doc__ = (
        "Signed outbound webhooks for partner automation (partner admins; staff see all).\n\n"
        'Each event is POSTed as JSON `{"type", "timestamp", "data"}` and signed per the '
        "Standard Webhooks specification: headers `webhook-id` (the message id, `msg_…`, the "
        "same on every retry: use it to drop duplicates), `webhook-timestamp` (Unix seconds) and "
        '`webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the '
        "endpoint's secret). Verify with any Standard Webhooks library, e.g. Python's "
        "`standardwebhooks`: `Webhook(secret).verify(body, headers)`. A 2xx answer is a "
        "delivery; anything else is retried with exponential backoff, and an endpoint that "
        "keeps failing is disabled (its admins are told; set `active` to resume). Addresses in "
        "private, loopback, link-local, multicast or reserved ranges are refused.\n\n"
        "The `data` of each event type (times in UTC, ISO 8601; full schemas: `WebhookPayload` "
        "in the deliveries answer):\n\n" + events_table()
    )

    queryset = WebhookEndpoint.objects.select_related("partner").order_by("pk")
    permission_classes = [IsStaffOrPartnerAdmin]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().for_user(self.request.user)

    def get_serializer_class(self):
        if self.action in ("partial_update", "update"):
            return WebhookEndpointUpdateSerializer
        return WebhookEndpointSerializer

    @extend_schema(
        request=WebhookEndpointSerializer, responses={201: WebhookEndpointWithSecretSerializer}
    )
    def create(self, request, *args, **kwargs) -> Response:
        data = validated(WebhookEndpointSerializer, request)
        partner = data.pop("partner", None) or partner_for(request.user)
        if partner is None:
            raise DomainError("Staff must name the partner.", field="partner")
        endpoint = webhooks.webhook_create(actor=request.user, partner=partner, **data)
        return answer(WebhookEndpointWithSecretSerializer, endpoint, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = webhooks.webhook_update(
            actor=self.request.user, endpoint=serializer.instance, **data
        )

    def perform_destroy(self, instance: WebhookEndpoint) -> None:
        webhooks.webhook_delete(actor=self.request.user, endpoint=instance)

    @extend_schema(request=None, responses={200: WebhookEndpointWithSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk: str | None = None) -> Response:
        """A new signing secret, shown only in this answer; the old one stops signing now."""
        endpoint = webhooks.webhook_rotate_secret(actor=request.user, endpoint=self.get_object())
        return answer(WebhookEndpointWithSecretSerializer, endpoint)

    @extend_schema(responses={200: WebhookDeliverySerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk: str | None = None) -> Response:
        """The endpoint's deliveries, newest first: status, attempts, the receiver's status
        code, times, and the body that was sent."""
        endpoint = self.get_object()
        rows = endpoint.deliveries.select_related("message").order_by("-created_at", "-pk")
        page = self.paginate_queryset(rows)
        data = WebhookDeliverySerializer(page, many=True).data
        return self.get_paginated_response(data)

    @extend_schema(
        request=None,
        responses={200: WebhookDeliverySerializer},
        parameters=[OpenApiParameter("delivery_id", int, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>\d+)/redeliver",
        url_name="redeliver",
    )
    def redeliver(self, request, pk: str | None = None, delivery_id: str | None = None) -> Response:
        """Send a delivery again, now (whatever its state)."""
        endpoint = self.get_object()
        delivery = get_object_or_404(
            WebhookDelivery.objects.select_related("endpoint", "message"),
            endpoint=endpoint,
            pk=delivery_id,
        )
        delivery = webhooks.webhook_redeliver(actor=request.user, delivery=delivery)
        return answer(WebhookDeliverySerializer, delivery)


# --- API tokens ----------------------------------------------------------------------------


class ApiTokenSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    expires_at = AwareDateTimeField(
        source="expiry", required=False, allow_null=True, help_text="Empty: never expires."
    )
    user = serializers.CharField(source="user.username", read_only=True)
    created_at = serializers.DateTimeField(source="created", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "user", "created_at", "expires_at", "last_used_at"]
        read_only_fields = ["last_used_at"]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text="The key, shown only in this answer: `Authorization: Token …`"
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


@extend_schema_view(
    retrieve=extend_schema(parameters=[OpenApiParameter("id", str, OpenApiParameter.PATH)]),
    destroy=extend_schema(parameters=[OpenApiParameter("id", str, OpenApiParameter.PATH)]),
)
@extend_schema(tags=["tokens"])
class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Named API tokens (stored hashed): yours, and as a partner admin your partner's users'.
    POST makes one and answers its key once; DELETE revokes it at once."""

    serializer_class = ApiTokenSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "id"

    def get_queryset(self) -> QuerySet:
        return tokens.tokens_for(self.request.user).select_related("user").order_by("-created")

    @extend_schema(request=ApiTokenSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request, *args, **kwargs) -> Response:
        data = validated(ApiTokenSerializer, request)
        token, key = tokens.api_token_create(
            actor=request.user,
            user=request.user,
            name=data.get("name", ""),
            expires_at=data.get("expiry"),
        )
        token.token = key
        return answer(ApiTokenCreatedSerializer, token, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiToken) -> None:
        tokens.api_token_revoke(actor=self.request.user, token=instance)
