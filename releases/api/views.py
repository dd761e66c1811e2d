"""API of the releases app: the release table, compliance, installed versions, upgrades."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.actions import answer, created, validated
from portal.api.mixins import ListFiltersOnlyMixin, TenantScopedMixin
from portal.api.permissions import IsStaff, ReadOnlyUnlessStaff

from .. import selectors, services
from ..filtersets import InstalledVersionFilter, ReleaseFilter, UpgradeFilter
from ..models import InstalledVersion, Release, Upgrade
from .serializers import (
    AnnounceSerializer,
    ComplianceSerializer,
    InstalledVersionSerializer,
    ReleaseSerializer,
    UpgradeCreateSerializer,
    UpgradeRescheduleSerializer,
    UpgradeSerializer,
)


class ReleaseViewSet(ListFiltersOnlyMixin, viewsets.ModelViewSet):
    """Releases (reference data every partner reads) with derived positions (R-REL-2) and
    policy (R-REL-3). Staff write; ``announce`` makes one available and shifts the rest."""

    queryset = Release.objects.select_related("upgrade_target").order_by("-available_on", "-id")
    serializer_class = ReleaseSerializer
    permission_classes = [ReadOnlyUnlessStaff]
    filterset_class = ReleaseFilter

    def perform_create(self, serializer: ReleaseSerializer) -> None:
        serializer.instance = services.release_save(
            actor=self.request.user, release=Release(**serializer.validated_data)
        )

    def perform_update(self, serializer: ReleaseSerializer) -> None:
        release = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(release, name, value)
        serializer.instance = services.release_save(actor=self.request.user, release=release)

    def perform_destroy(self, instance: Release) -> None:
        services.release_delete(actor=self.request.user, release=instance)

    @extend_schema(request=AnnounceSerializer, responses={200: ReleaseSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    def announce(self, request: Request, pk: int) -> Response:
        """Staff: make the release available; positions shift (R-REL-2)."""
        data = validated(AnnounceSerializer, request)
        release = services.release_announce(actor=request.user, release=self.get_object(), **data)
        return answer(ReleaseSerializer, release, context=self.get_serializer_context())


class ComplianceViewSet(TenantScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Compliance per customer and application (R-REL-2, R-REL-3), scoped to the caller."""

    queryset = InstalledVersion.objects.select_related(
        "customer", "release", "compliance_target"
    ).order_by("customer__name", "application")
    serializer_class = ComplianceSerializer
    filterset_class = InstalledVersionFilter

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "catalogue": selectors.catalogue()}


class InstalledVersionViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """The release each application of each customer runs (R-REL-1). Staff write."""

    queryset = InstalledVersion.objects.select_related(
        "customer", "release", "compliance_target"
    ).order_by("customer__name", "application")
    serializer_class = InstalledVersionSerializer
    permission_classes = [ReadOnlyUnlessStaff]
    filterset_class = InstalledVersionFilter

    def perform_create(self, serializer: InstalledVersionSerializer) -> None:
        serializer.instance = services.installed_version_set(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: InstalledVersionSerializer) -> None:
        data = {
            "customer": serializer.instance.customer,
            "application": serializer.instance.application,
            "release": serializer.instance.release,
            **serializer.validated_data,
        }
        serializer.instance = services.installed_version_set(actor=self.request.user, **data)


class UpgradeViewSet(
    TenantScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Upgrades: maintenance changes of kind ``upgrade`` with a target (R-REL-4)."""

    queryset = (
        Upgrade.objects.select_related("change", "target")
        .prefetch_related("change__customers")
        .order_by("-change__start", "-id")
    )
    serializer_class = UpgradeSerializer
    filterset_class = UpgradeFilter

    @extend_schema(request=UpgradeCreateSerializer, responses={201: UpgradeSerializer})
    def create(self, request: Request) -> Response:
        """Staff: plan an upgrade in the customers' windows (R-MNT-2, R-MNT-7)."""
        if not IsStaff().has_permission(request, self):
            self.permission_denied(request, message=IsStaff.message)
        return created(self, UpgradeCreateSerializer, services.upgrade_schedule, UpgradeSerializer)

    @extend_schema(request=UpgradeRescheduleSerializer, responses={200: UpgradeSerializer})
    @action(detail=True, methods=["post"], serializer_class=UpgradeRescheduleSerializer)
    def reschedule(self, request: Request, pk: int) -> Response:
        """The partner's one reschedule, up to one week before the start (R-REL-4)."""
        upgrade = self.get_object()
        data = validated(UpgradeRescheduleSerializer, request)
        services.upgrade_reschedule(actor=request.user, upgrade=upgrade, **data)
        return answer(UpgradeSerializer, upgrade, fresh_from=self.get_queryset())
