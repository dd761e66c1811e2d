"""The cases API: thin views over services, selectors and the shared filterset."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.actions import answer, validated
from portal.api.mixins import TenantScopedMixin
from portal.api.permissions import IsStaff, IsStaffOrPartner

from .. import selectors, services
from ..choices import Channel
from ..filtersets import CaseFilter
from ..models import Case
from .pagination import CasePagination
from .parsers import ExactJSONParser
from .serializers import (
    ActionPlanSerializer,
    CaseEventSerializer,
    CaseOpenSerializer,
    CaseSerializer,
    CaseWatcherAddSerializer,
    CaseWatcherSerializer,
    OutOfScopeSerializer,
    RecurrenceSerializer,
    SeverityReasonSerializer,
    SloRowSerializer,
    TransitionSerializer,
)


class CaseViewSet(
    TenantScopedMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """TAC cases (R-CASE-1 … R-CASE-13)."""

    queryset = Case.objects.select_related("customer", "partner")
    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    pagination_class = CasePagination
    ordering_fields = ["opened_at", "response_due_at", "severity", "id"]
    parser_classes = [ExactJSONParser, FormParser, MultiPartParser]  # R-CASE-3: exact shares

    @extend_schema(request=CaseOpenSerializer, responses={201: CaseSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = validated(CaseOpenSerializer, request)
        data.setdefault("channel", Channel.API)
        case = services.case_open(user=request.user, **data)
        return answer(
            CaseSerializer, case, status=status.HTTP_201_CREATED, fresh_from=self.get_queryset()
        )

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    def acknowledge(self, request: Request, pk=None) -> Response:
        case = services.case_acknowledge(user=request.user, case=self.get_object())
        return answer(CaseSerializer, case, fresh_from=self.get_queryset())

    @extend_schema(request=SeverityReasonSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="request-escalation")
    def request_escalation(self, request: Request, pk=None) -> Response:
        data = validated(SeverityReasonSerializer, request)
        case = services.case_request_escalation(user=request.user, case=self.get_object(), **data)
        return answer(CaseSerializer, case, fresh_from=self.get_queryset())

    @extend_schema(request=SeverityReasonSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="change-severity", permission_classes=[IsStaff])
    def change_severity(self, request: Request, pk=None) -> Response:
        data = validated(SeverityReasonSerializer, request)
        case = services.case_change_severity(user=request.user, case=self.get_object(), **data)
        return answer(CaseSerializer, case, fresh_from=self.get_queryset())

    @extend_schema(request=TransitionSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk=None) -> Response:
        data = validated(TransitionSerializer, request)
        case = services.case_transition(user=request.user, case=self.get_object(), **data)
        return answer(CaseSerializer, case, fresh_from=self.get_queryset())

    @extend_schema(request=RecurrenceSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def recurrence(self, request: Request, pk=None) -> Response:
        """The partner reports that the monitored problem came back (R-CASE-12)."""
        data = validated(RecurrenceSerializer, request)
        case = services.case_report_recurrence(user=request.user, case=self.get_object(), **data)
        return answer(CaseSerializer, case, fresh_from=self.get_queryset())

    @extend_schema(request=ActionPlanSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="action-plan", permission_classes=[IsStaff])
    def action_plan(self, request: Request, pk=None) -> Response:
        data = validated(ActionPlanSerializer, request)
        case = services.case_set_action_plan(user=request.user, case=self.get_object(), **data)
        return answer(CaseSerializer, case, fresh_from=self.get_queryset())

    @extend_schema(request=OutOfScopeSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="out-of-scope", permission_classes=[IsStaff])
    def out_of_scope(self, request: Request, pk=None) -> Response:
        data = validated(OutOfScopeSerializer, request)
        case = services.case_mark_out_of_scope(
            user=request.user,
            case=self.get_object(),
            reason=data["out_of_scope_reason"],
            note=data["out_of_scope_note"],
        )
        return answer(CaseSerializer, case, fresh_from=self.get_queryset())

    @extend_schema(responses=CaseEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def events(self, request: Request, pk=None) -> Response:
        events = selectors.case_events_for(user=request.user, case=self.get_object())
        return answer(CaseEventSerializer, events, many=True)

    @extend_schema(methods=["GET"], responses=CaseWatcherSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=CaseWatcherAddSerializer,
        responses={201: CaseWatcherSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def watchers(self, request: Request, pk=None) -> Response:
        """The contacts that follow the case: they receive its messages (partners add them)."""
        case = self.get_object()
        if request.method == "POST":
            data = validated(CaseWatcherAddSerializer, request)
            watcher = services.case_watcher_add(
                actor=request.user, case=case, contact=data["contact"]
            )
            return answer(CaseWatcherSerializer, watcher, status=status.HTTP_201_CREATED)
        watchers = selectors.case_watchers_for(user=request.user, case=case)
        return answer(CaseWatcherSerializer, watchers, many=True)

    @extend_schema(request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"watchers/(?P<contact_id>\d+)",
        pagination_class=None,
        filterset_class=None,
    )
    def watcher(self, request: Request, pk=None, contact_id=None) -> Response:
        case = self.get_object()
        if not selectors.case_watchers_for(user=request.user, case=case).filter(
            contact_id=int(contact_id)
        ).exists():
            raise NotFound()
        services.case_watcher_remove(actor=request.user, case=case, contact=int(contact_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=SloRowSerializer(many=True))
    @action(
        detail=False,
        methods=["get"],
        url_path="slo-report",
        pagination_class=None,
        filterset_class=None,
        permission_classes=[IsStaffOrPartner],
    )
    def slo_report(self, request: Request) -> Response:
        rows = selectors.slo_report(user=request.user)
        return answer(SloRowSerializer, rows, many=True)
