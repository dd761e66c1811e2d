"""API of the capacity app: per-customer capacity, provisioned reports, change requests."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.actions import answer, validated
from portal.api.mixins import TenantScopedMixin
from portal.api.permissions import IsStaff
from portal.errors import DomainError
from portal.models import Customer

from .. import selectors, services
from ..choices import ReportSource
from ..filtersets import CapacityRequestFilter, CustomerCapacityFilter
from ..models import CapacityRequest
from .serializers import (
    CapacityActivationSerializer,
    CapacityRequestSerializer,
    CapacityRequestUpdateSerializer,
    CapacitySummarySerializer,
    CapacityTransitionSerializer,
    CapacityWithdrawSerializer,
    ProvisionedReportSerializer,
)


class CapacityViewSet(TenantScopedMixin, viewsets.GenericViewSet):
    """Per customer: approved, provisioned, utilisation and forecast date (R-CAP-4)."""

    queryset = Customer.objects.select_related("partner").order_by("name")
    serializer_class = CapacitySummarySerializer
    lookup_url_kwarg = "customer_id"
    filterset_class = CustomerCapacityFilter

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = CapacitySummarySerializer(selectors.summaries(list(page)), many=True).data
        return self.get_paginated_response(data)

    def retrieve(self, request: Request, customer_id: int) -> Response:
        summary = selectors.summary_for_customer(self.get_object())
        return answer(CapacitySummarySerializer, summary)

    @extend_schema(request=ProvisionedReportSerializer, responses={201: CapacitySummarySerializer})
    @action(detail=True, methods=["post"], serializer_class=ProvisionedReportSerializer)
    def provisioned(self, request: Request, customer_id: int) -> Response:
        """Report the provisioned counts; 400 above approved capacity (R-CAP-2)."""
        customer = self.get_object()
        data = validated(ProvisionedReportSerializer, request)
        services.provisioned_report(
            customer=customer,
            actor=request.user,
            source=ReportSource.STAFF if request.user.is_staff else ReportSource.API,
            **data,
        )
        summary = selectors.summary_for_customer(customer)
        return answer(CapacitySummarySerializer, summary, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["post"],
        request=CapacityActivationSerializer,
        responses={201: CapacityActivationSerializer},
    )
    @extend_schema(methods=["get"], responses={200: CapacityActivationSerializer})
    @action(detail=True, methods=["get", "post"], serializer_class=CapacityActivationSerializer)
    def activation(self, request: Request, customer_id: int) -> Response:
        """A new customer's activation counts (R-CAP-1): the partner submits them (again,
        until staff confirm); GET shows them."""
        customer = self.get_object()
        if request.method == "GET":
            activation = selectors.activation_for(request.user, customer)
            if activation is None:
                return Response({"detail": _("No activation counts yet.")}, status=404)
            return answer(CapacityActivationSerializer, activation)
        data = validated(CapacityActivationSerializer, request)
        activation = services.capacity_activation_submit(
            customer=customer, actor=request.user, **data
        )
        return answer(CapacityActivationSerializer, activation, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: CapacitySummarySerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="activation/confirm",
        permission_classes=[IsStaff],
        serializer_class=CapacitySummarySerializer,
    )
    def confirm_activation(self, request: Request, customer_id: int) -> Response:
        """Staff: the activation counts become the approved capacity (R-CAP-1)."""
        customer = self.get_object()
        activation = selectors.activation_for(request.user, customer)
        if activation is None:
            raise DomainError(_("No activation counts yet."), rule="R-CAP-1")
        services.capacity_activation_confirm(activation=activation, actor=request.user)
        return answer(CapacitySummarySerializer, selectors.summary_for_customer(customer))


class CapacityRequestViewSet(
    TenantScopedMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Capacity change requests (R-CAP-3): partners submit, staff move them on."""

    queryset = CapacityRequest.objects.all()
    serializer_class = CapacityRequestSerializer
    filterset_class = CapacityRequestFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return selectors.requests_for(self.request.user).prefetch_related("events")

    def perform_create(self, serializer: CapacityRequestSerializer) -> None:
        serializer.instance = services.capacity_request_submit(
            actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(
        request=CapacityRequestUpdateSerializer, responses={200: CapacityRequestSerializer}
    )
    def partial_update(self, request: Request, pk: int) -> Response:
        """The partner changes the totals or reason of its open request until staff agree a
        plan (R-CAP-3)."""
        capacity_request = self.get_object()
        data = validated(CapacityRequestUpdateSerializer, request)
        updated = services.capacity_request_update(
            request=capacity_request, actor=request.user, **data
        )
        return answer(CapacityRequestSerializer, updated, fresh_from=self.get_queryset())

    @extend_schema(request=CapacityWithdrawSerializer, responses={200: CapacityRequestSerializer})
    @action(detail=True, methods=["post"], serializer_class=CapacityWithdrawSerializer)
    def withdraw(self, request: Request, pk: int) -> Response:
        """The partner withdraws its open request until staff agree a plan (R-CAP-3)."""
        capacity_request = self.get_object()
        data = validated(CapacityWithdrawSerializer, request)
        updated = services.capacity_request_withdraw(
            request=capacity_request, actor=request.user, **data
        )
        return answer(CapacityRequestSerializer, updated, fresh_from=self.get_queryset())

    @extend_schema(request=CapacityTransitionSerializer, responses={200: CapacityRequestSerializer})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[IsStaff],
        serializer_class=CapacityTransitionSerializer,
    )
    def transition(self, request: Request, pk: int) -> Response:
        """Staff: move the request one step (R-CAP-3); the partner is notified."""
        capacity_request = self.get_object()
        data = validated(CapacityTransitionSerializer, request)
        updated = services.capacity_request_transition(
            request=capacity_request, actor=request.user, **data
        )
        return answer(CapacityRequestSerializer, updated, fresh_from=self.get_queryset())
