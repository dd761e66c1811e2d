"""REST API of the maintenance app. Thin: reads through selectors (scoped with ``for_user``),
writes through services; a DomainError becomes a 400 naming the field and the rule."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.actions import answer, created, validated
from portal.api.mixins import TenantScopedMixin
from portal.api.permissions import IsPartnerMember, IsStaff, IsStaffOrPartner, ReadOnlyUnlessStaff
from portal.tenancy import is_operator, partner_for

from .. import selectors, services
from ..filtersets import (
    CertificateFilterSet,
    ChangeFilterSet,
    FreezePeriodFilterSet,
    OutageFilterSet,
    PatchRequestFilterSet,
    RescheduleRequestFilterSet,
)
from ..models import Certificate, SsoChecklistStep
from ..windows import windows_between
from . import serializers as s


class MaintenanceWindowView(APIView):
    """The fixed maintenance windows of a region (R-MNT-1)."""

    permission_classes = [IsAuthenticated, IsStaffOrPartner]

    @extend_schema(
        parameters=[
            OpenApiParameter("region", str, required=True),
            OpenApiParameter("start", str, required=True, description="date or ISO datetime"),
            OpenApiParameter("end", str, required=True, description="date or ISO datetime"),
        ],
        responses=s.WindowSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        params = validated(s.WindowQuerySerializer, request, data=request.query_params)
        windows = windows_between(params["region"], params["start"], params["end"])
        return answer(s.WindowSerializer, windows, many=True)


class ChangeViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """Changes: staff write; partners read their own and ask for reschedules."""

    serializer_class = s.ChangeSerializer
    filterset_class = ChangeFilterSet
    permission_classes = [ReadOnlyUnlessStaff]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.changes_for(self.request.user)

    def get_permissions(self):
        if self.action in ("reschedule_requests", "partner_request"):
            return [IsStaffOrPartner()]
        return super().get_permissions()

    @extend_schema(request=s.ChangeWriteSerializer, responses={201: s.ChangeSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return created(self, s.ChangeWriteSerializer, services.change_create, s.ChangeSerializer)

    @extend_schema(request=s.ChangeWriteSerializer, responses=s.ChangeSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        change = self.get_object()
        data = validated(s.ChangeWriteSerializer, request, partial=True)
        change = services.change_plan(
            actor=request.user,
            change=change,
            start=data.get("start", change.start),
            end=data.get("end", change.end),
            kind=data.get("kind"),
        )
        return answer(s.ChangeSerializer, change, fresh_from=self.get_queryset())

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses=s.ChangeSerializer)
    @action(detail=True, methods=["post"], url_path="send-notice")
    def send_notice(self, request: Request, pk: str | None = None) -> Response:
        """Send the written notice (R-MNT-4) and open the reschedule period (R-MNT-5)."""
        change = services.change_send_notice(actor=request.user, change=self.get_object())
        return answer(s.ChangeSerializer, change, fresh_from=self.get_queryset())

    @extend_schema(request=None, responses=s.ChangeSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        change = services.change_complete(actor=request.user, change=self.get_object())
        return answer(s.ChangeSerializer, change, fresh_from=self.get_queryset())

    @extend_schema(request=s.NoteSerializer, responses=s.ChangeSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        note = validated(s.NoteSerializer, request)["note"]
        change = services.change_cancel(actor=request.user, change=self.get_object(), note=note)
        return answer(s.ChangeSerializer, change, fresh_from=self.get_queryset())

    @extend_schema(request=s.ReviewSerializer, responses=s.ChangeSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """Joint review of a partner-requested change (R-MNT-9)."""
        data = validated(s.ReviewSerializer, request)
        change = services.change_review(actor=request.user, change=self.get_object(), **data)
        return answer(s.ChangeSerializer, change, fresh_from=self.get_queryset())

    @extend_schema(request=None, responses=s.NoticeSerializer(many=True))
    # A plain list (a change has a handful of notices): not paginated, and the schema says so.
    @action(detail=True, methods=["get"], pagination_class=None)
    def notices(self, request: Request, pk: str | None = None) -> Response:
        change = self.get_object()
        return answer(s.NoticeSerializer, change.notices.order_by("sent_at", "pk"), many=True)

    @extend_schema(
        methods=["POST"],
        request=s.RescheduleCreateSerializer,
        responses={201: s.RescheduleRequestSerializer},
    )
    @extend_schema(
        methods=["GET"], request=None, responses=s.RescheduleRequestSerializer(many=True)
    )
    @action(
        detail=True, methods=["get", "post"], url_path="reschedule-requests", pagination_class=None
    )
    def reschedule_requests(self, request: Request, pk: str | None = None) -> Response:
        """A partner asks to reschedule (R-MNT-5): reason required, within 3 days of notice."""
        change = self.get_object()
        if request.method == "GET":
            requests = selectors.reschedule_requests_for(request.user).filter(change=change)
            return answer(s.RescheduleRequestSerializer, requests, many=True)
        reason = validated(s.RescheduleCreateSerializer, request)["reason"]
        created = services.reschedule_request_create(
            actor=request.user, change=change, reason=reason
        )
        return answer(
            s.RescheduleRequestSerializer,
            created,
            status=status.HTTP_201_CREATED,
            fresh_from=selectors.reschedule_requests_for(request.user),
        )

    @extend_schema(request=s.PartnerChangeRequestSerializer, responses={201: s.ChangeSerializer})
    @action(detail=False, methods=["post"], url_path="partner-requests")
    def partner_request(self, request: Request) -> Response:
        """A partner-requested change, submitted for joint review (R-MNT-9)."""
        return created(
            self,
            s.PartnerChangeRequestSerializer,
            services.change_request_by_partner,
            s.ChangeSerializer,
        )


class RescheduleRequestViewSet(TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Reschedule requests (R-MNT-5): staff offer alternatives, the partner chooses."""

    serializer_class = s.RescheduleRequestSerializer
    filterset_class = RescheduleRequestFilterSet

    def get_queryset(self):
        return selectors.reschedule_requests_for(self.request.user)

    @extend_schema(request=s.AlternativesInputSerializer, responses=s.RescheduleRequestSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    def alternatives(self, request: Request, pk: str | None = None) -> Response:
        """Offer alternatives (R-MNT-5); without ``alternatives``, the next windows that
        satisfy the change's rules are offered."""
        data = validated(s.AlternativesInputSerializer, request)
        given = data.get("alternatives")
        offered = services.reschedule_offer_alternatives(
            actor=request.user,
            request=self.get_object(),
            alternatives=None if given is None else [(a["start"], a["end"]) for a in given],
            note=data["note"],
        )
        return answer(s.RescheduleRequestSerializer, offered, fresh_from=self.get_queryset())

    @extend_schema(request=s.ChooseSerializer, responses=s.RescheduleRequestSerializer)
    @action(detail=True, methods=["post"])
    def choose(self, request: Request, pk: str | None = None) -> Response:
        data = validated(s.ChooseSerializer, request)
        chosen = services.reschedule_choose(
            actor=request.user, request=self.get_object(), alternative_id=data["alternative"]
        )
        return answer(s.RescheduleRequestSerializer, chosen, fresh_from=self.get_queryset())

    @extend_schema(request=s.NoteSerializer, responses=s.RescheduleRequestSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        note = validated(s.NoteSerializer, request)["note"]
        declined = services.reschedule_close(
            actor=request.user, request=self.get_object(), decline=True, note=note
        )
        return answer(s.RescheduleRequestSerializer, declined, fresh_from=self.get_queryset())

    @extend_schema(request=None, responses=s.RescheduleRequestSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsPartnerMember])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        withdrawn = services.reschedule_close(
            actor=request.user, request=self.get_object(), decline=False
        )
        return answer(s.RescheduleRequestSerializer, withdrawn, fresh_from=self.get_queryset())


class CertificateViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """The certificate inventory (R-MNT-6): staff maintain it, partners read their own."""

    serializer_class = s.CertificateSerializer
    permission_classes = [ReadOnlyUnlessStaff]
    filterset_class = CertificateFilterSet
    queryset = Certificate.objects.none()

    def get_queryset(self):
        return selectors.certificates_for(self.request.user).order_by("expires_at", "pk")

    def perform_create(self, serializer: s.CertificateSerializer) -> None:
        serializer.instance = services.certificate_save(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: s.CertificateSerializer) -> None:
        current = serializer.instance
        data = {
            "customer": current.customer,
            "application": current.application,
            "common_name": current.common_name,
            "expires_at": current.expires_at,
            **serializer.validated_data,
        }
        serializer.instance = services.certificate_save(
            actor=self.request.user, certificate=current, **data
        )

    def perform_destroy(self, instance: Certificate) -> None:
        services.certificate_delete(actor=self.request.user, certificate=instance)


class SsoChecklistViewSet(TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    """The partner's SSO follow-up after a certificate renewal (R-MNT-6)."""

    serializer_class = s.SsoChecklistSerializer

    def get_queryset(self):
        return selectors.sso_checklists_for(self.request.user)

    @extend_schema(request=s.SsoTickSerializer, responses=s.SsoChecklistSerializer)
    @action(detail=True, methods=["post"])
    def tick(self, request: Request, pk: str | None = None) -> Response:
        checklist = self.get_object()
        data = validated(s.SsoTickSerializer, request)
        step = get_object_or_404(SsoChecklistStep, checklist=checklist, pk=data["step"])
        services.sso_step_set(actor=request.user, step=step, done=data["done"])
        return answer(s.SsoChecklistSerializer, checklist, fresh_from=self.get_queryset())


class PatchRequestViewSet(
    TenantScopedMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Patch (COP) files (R-MNT-11): the partner requests, staff upload, the partner installs."""

    serializer_class = s.PatchRequestSerializer
    filterset_class = PatchRequestFilterSet

    def get_queryset(self):
        return selectors.patch_requests_for(self.request.user)

    def perform_create(self, serializer: s.PatchRequestSerializer) -> None:
        serializer.instance = services.patch_request_create(
            actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=None, responses=s.PatchRequestSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    def uploaded(self, request: Request, pk: str | None = None) -> Response:
        patch = services.patch_mark_uploaded(actor=request.user, patch=self.get_object())
        return answer(s.PatchRequestSerializer, patch)

    @extend_schema(request=None, responses=s.PatchRequestSerializer)
    @action(detail=True, methods=["post"])
    def installed(self, request: Request, pk: str | None = None) -> Response:
        patch = services.patch_mark_installed(actor=request.user, patch=self.get_object())
        return answer(s.PatchRequestSerializer, patch)


class VulnerabilityScanRequestView(APIView):
    """Vulnerability scans by partners are not supported (R-MNT-10): always a 400."""

    permission_classes = [IsAuthenticated, IsStaffOrPartner]

    @extend_schema(request=s.VulnerabilityScanSerializer, responses={400: None})
    def post(self, request: Request) -> Response:
        data = validated(s.VulnerabilityScanSerializer, request)
        services.vulnerability_scan_request(actor=request.user, **data)
        return Response(status=status.HTTP_400_BAD_REQUEST)  # pragma: no cover


class ReadAfterLookupUnlessStaff(IsStaffOrPartner):
    """Partners read; only staff write, refused after the lookup so that another partner's
    outage stays a 404 and the partner's own a 403."""

    message = "Only operator staff can change this."

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in SAFE_METHODS or is_operator(request.user)


class OutageViewSet(TenantScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Outages (R-MNT-12): staff declare, post updates and resolve; subscribers are told each."""

    serializer_class = s.OutageSerializer
    permission_classes = [ReadOnlyUnlessStaff]
    filterset_class = OutageFilterSet

    def get_queryset(self):
        return selectors.outages_for(self.request.user)

    @extend_schema(request=s.OutageDeclareSerializer, responses={201: s.OutageSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return created(self, s.OutageDeclareSerializer, services.outage_declare, s.OutageSerializer)

    @extend_schema(methods=["GET"], request=None, responses=s.OutageUpdateSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=s.OutageUpdatePostSerializer,
        responses={201: s.OutageUpdateSerializer},
    )
    @action(detail=True, methods=["get", "post"], permission_classes=[ReadAfterLookupUnlessStaff])
    def updates(self, request: Request, pk: str | None = None) -> Response:
        """The outage's timeline; staff post an update, sent to the subscribers (R-MNT-12)."""
        outage = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.outage_updates_for(request.user, outage))
            return self.get_paginated_response(s.OutageUpdateSerializer(page, many=True).data)
        data = validated(s.OutageUpdatePostSerializer, request)
        update = services.outage_update_post(actor=request.user, outage=outage, **data)
        return answer(s.OutageUpdateSerializer, update, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.OutageResolveSerializer, responses=s.OutageSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        data = validated(s.OutageResolveSerializer, request)
        outage = services.outage_resolve(actor=request.user, outage=self.get_object(), **data)
        return answer(s.OutageSerializer, outage, fresh_from=self.get_queryset())


class CalendarFeedView(APIView):
    """The partner's secret iCalendar address; POST issues a new one."""

    permission_classes = [IsAuthenticated, IsPartnerMember]

    def _answer(self, request: Request, feed: Any) -> Response:
        url = request.build_absolute_uri(reverse("maintenance:feed", args=[feed.token]))
        return Response(
            {"url": url, "include_windows": feed.include_windows, "rotated_at": feed.rotated_at}
        )

    @extend_schema(responses=s.CalendarFeedSerializer)
    def get(self, request: Request) -> Response:
        feed = services.calendar_feed_get_or_create(partner=partner_for(request.user))
        return self._answer(request, feed)

    @extend_schema(request=s.CalendarFeedSerializer, responses=s.CalendarFeedSerializer)
    def post(self, request: Request) -> Response:
        data = validated(s.CalendarFeedSerializer, request)
        feed = services.calendar_feed_rotate(
            actor=request.user,
            partner=partner_for(request.user),
            include_windows=data.get("include_windows"),  # absent: keep the current choice
        )
        return self._answer(request, feed)


class PartnerEmergencyViewSet(
    TenantScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Emergency changes in the partner's own network (R-MNT-8): partners report and read
    their own; staff read them all."""

    serializer_class = s.PartnerEmergencySerializer

    def get_queryset(self):
        return selectors.partner_emergencies_for(self.request.user)

    @extend_schema(
        request=s.PartnerEmergencySerializer, responses={201: s.PartnerEmergencySerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return created(
            self,
            s.PartnerEmergencySerializer,
            services.partner_emergency_report,
            s.PartnerEmergencySerializer,
        )


class FreezePeriodViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """Freeze periods of customers (R-MNT-14): partners declare, change and withdraw their
    customers'; staff all. Writes go through the freeze period services."""

    serializer_class = s.FreezePeriodSerializer
    filterset_class = FreezePeriodFilterSet

    def get_queryset(self):
        return selectors.freeze_periods_for(self.request.user)

    @extend_schema(request=s.FreezePeriodSerializer, responses={201: s.FreezePeriodSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return created(
            self, s.FreezePeriodSerializer, services.freeze_period_create, s.FreezePeriodSerializer
        )

    @extend_schema(request=s.FreezePeriodSerializer, responses=s.FreezePeriodSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        freeze = self.get_object()
        data = validated(s.FreezePeriodSerializer, request, partial=kwargs.get("partial", False))
        freeze = services.freeze_period_update(actor=request.user, freeze=freeze, **data)
        return answer(s.FreezePeriodSerializer, freeze, fresh_from=self.get_queryset())

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.freeze_period_delete(actor=request.user, freeze=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
