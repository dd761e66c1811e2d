"""The cases API: thin views over services, selectors and the shared filterset."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.actions import answer, validated
from portal.api.mixins import TenantScopedMixin
from portal.api.permissions import IsStaff, IsStaffOrPartner
from portal.exports import CsvExportMixin, csv_response, wants_csv

from .. import selectors, services
from ..choices import Channel
from ..downloads import attachment_response
from ..exports import CASE_COLUMNS, SLO_COLUMNS, case_row, slo_row
from ..filtersets import CaseFilter
from ..models import Case
from .pagination import CasePagination
from .parsers import ExactJSONParser
from .serializers import (
    ActionPlanSerializer,
    AssignSerializer,
    AttachmentUploadSerializer,
    CaseAttachmentSerializer,
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


class DownloadRenderer(BaseRenderer):
    """Lets a client that asks for ``application/octet-stream`` reach the download (the body
    is the file itself; an error still answers JSON)."""

    media_type = "application/octet-stream"
    format = "bin"
    charset = None
    errors_as_json = True  # CsvExportMixin answers an error in JSON

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


class CaseViewSet(
    TenantScopedMixin,
    CsvExportMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """TAC cases (R-CASE-1 … R-CASE-13)."""

    queryset = Case.objects.select_related("customer", "partner", "owner").defer("search_vector")
    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    pagination_class = CasePagination
    ordering_fields = ["opened_at", "response_due_at", "severity", "id"]
    parser_classes = [ExactJSONParser, FormParser, MultiPartParser]  # R-CASE-3: exact shares
    csv_actions = frozenset({"list", "slo_report"})  # ?format=csv (portal/exports.py)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=["json", "csv"],
                description="`csv`: every matching case (no pages) as a streamed CSV; times "
                "in ISO 8601 UTC with the offset.",
            )
        ]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        if wants_csv(request):
            cases = self.filter_queryset(self.get_queryset()).iterator(chunk_size=2000)
            return csv_response("cases.csv", CASE_COLUMNS, cases, case_row)
        return super().list(request, *args, **kwargs)

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

    def _scoped_reference(self) -> Case:
        """The routed case as the caller may see it (404 otherwise), read as its id and
        partner only: for a write whose service reads the whole row again under a lock."""
        queryset = self.get_queryset().select_related(None).only("pk", "partner_id")
        case = get_object_or_404(queryset, pk=self.kwargs[self.lookup_url_kwarg or "pk"])
        self.check_object_permissions(self.request, case)
        return case

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
        # The scoped lookup only proves the caller may see the case (404 otherwise); the
        # service reads it once under its lock, and the answer is that row.
        case = services.case_request_escalation(
            user=request.user, case=self._scoped_reference(), **data
        )
        return answer(CaseSerializer, case, context=self.get_serializer_context())

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

    @extend_schema(
        responses=SloRowSerializer(many=True),
        parameters=[OpenApiParameter("format", str, enum=["json", "csv"])],
    )
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
        if wants_csv(request):
            return csv_response("response-objectives.csv", SLO_COLUMNS, rows, slo_row)
        return answer(SloRowSerializer, rows, many=True)

    @extend_schema(
        methods=["GET"],
        responses=CaseAttachmentSerializer(many=True),
        description="The case's attachments, oldest first.",
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: CaseAttachmentSerializer},
        description="Attach a file (multipart field `file`), up to CASE_ATTACHMENT_MAX_MB; a "
        "larger or empty file is a 400 on `file`.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filterset_class=None,
        parser_classes=[MultiPartParser, FormParser],
    )
    def attachments(self, request: Request, pk=None) -> Response:
        case = self.get_object()
        context = {"request": request}
        if request.method == "POST":
            data = validated(AttachmentUploadSerializer, request)
            attachment = services.case_attachment_add(
                actor=request.user, case=case, file=data["file"], name=data.get("name")
            )
            return answer(
                CaseAttachmentSerializer,
                attachment,
                status=status.HTTP_201_CREATED,
                context=context,
            )
        rows = selectors.attachments_for(user=request.user, case=case)
        return answer(CaseAttachmentSerializer, rows, many=True, context=context)

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
        },
        description="The attachment's bytes, always as a download (`Content-Disposition: "
        "attachment`, `application/octet-stream`).",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]+)/download",
        pagination_class=None,
        filterset_class=None,
        renderer_classes=[JSONRenderer, DownloadRenderer],
    )
    def attachment_download(self, request: Request, pk=None, attachment_id=None):
        case = self.get_object()
        attachment = get_object_or_404(
            selectors.attachments_for(user=request.user, case=case), pk=attachment_id
        )
        return attachment_response(attachment)
