"""The cases API: thin views over services, selectors and the shared filterset."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
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
    AssignSerializer,
    CaseEventSerializer,
    CaseOpenSerializer,
    CaseSerializer,
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

    queryset = Case.objects.select_related("customer", "partner", "owner")
    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    pagination_class = CasePagination
    ordering_fields = ["opened_at", "response_due_at", "severity", "id"]
    parser_classes = [ExactJSONParser, FormParser, MultiPartParser]  # R-CASE-3: exact shares

    def _answer(self, case: Case, *, code: int = status.HTTP_200_OK) -> Response:
        """The case as the caller may see it (staff see the owner's id and the escalation
        level), read again from the scoped queryset."""
        return answer(
            CaseSerializer,
            case,
            status=code,
            context=self.get_serializer_context(),
            fresh_from=self.get_queryset(),
        )

    @extend_schema(request=CaseOpenSerializer, responses={201: CaseSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = validated(CaseOpenSerializer, request)
        data.setdefault("channel", Channel.API)
        case = services.case_open(user=request.user, **data)
        return self._answer(case, code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    def acknowledge(self, request: Request, pk=None) -> Response:
        case = services.case_acknowledge(user=request.user, case=self.get_object())
        return self._answer(case)

    @extend_schema(request=AssignSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    def assign(self, request: Request, pk=None) -> Response:
        """Staff give the case to an operator engineer (``owner``: a staff user id) or back
        to the queue (``owner``: null)."""
        data = validated(AssignSerializer, request)
        case = services.case_assign(actor=request.user, case=self.get_object(), **data)
        return self._answer(case)

    @extend_schema(request=SeverityReasonSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="request-escalation")
    def request_escalation(self, request: Request, pk=None) -> Response:
        data = validated(SeverityReasonSerializer, request)
        case = services.case_request_escalation(user=request.user, case=self.get_object(), **data)
        return self._answer(case)

    @extend_schema(request=SeverityReasonSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="change-severity", permission_classes=[IsStaff])
    def change_severity(self, request: Request, pk=None) -> Response:
        data = validated(SeverityReasonSerializer, request)
        case = services.case_change_severity(user=request.user, case=self.get_object(), **data)
        return self._answer(case)

    @extend_schema(request=TransitionSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk=None) -> Response:
        data = validated(TransitionSerializer, request)
        case = services.case_transition(user=request.user, case=self.get_object(), **data)
        return self._answer(case)

    @extend_schema(request=RecurrenceSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def recurrence(self, request: Request, pk=None) -> Response:
        """The partner reports that the monitored problem came back (R-CASE-12)."""
        data = validated(RecurrenceSerializer, request)
        case = services.case_report_recurrence(user=request.user, case=self.get_object(), **data)
        return self._answer(case)

    @extend_schema(request=ActionPlanSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="action-plan", permission_classes=[IsStaff])
    def action_plan(self, request: Request, pk=None) -> Response:
        data = validated(ActionPlanSerializer, request)
        case = services.case_set_action_plan(user=request.user, case=self.get_object(), **data)
        return self._answer(case)

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
        return self._answer(case)

    @extend_schema(responses=CaseEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def events(self, request: Request, pk=None) -> Response:
        events = selectors.case_events_for(user=request.user, case=self.get_object())
        return answer(CaseEventSerializer, events, many=True)

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
