"""API of the tenancy core: partners, customers, contacts, users."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import selectors, services
from portal.errors import DomainError
from portal.filtersets import ContactFilter, CustomerFilter, PartnerFilter
from portal.models import Contact, Customer, Delivery, Partner
from portal.tenancy import partner_for

from .actions import answer, validated
from .mixins import TenantScopedMixin
from .permissions import ReadOnlyUnlessStaff
from .serializers import (
    ContactSerializer,
    CustomerSerializer,
    CustomerWriteSerializer,
    DeliverySerializer,
    MeSerializer,
    PartnerSerializer,
    UserInviteSerializer,
    UserSerializer,
)


class PartnerViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """Partners: staff manage them; a partner user sees its own."""

    queryset = Partner.objects.order_by("name")
    serializer_class = PartnerSerializer
    permission_classes = [ReadOnlyUnlessStaff]
    filterset_class = PartnerFilter
    search_fields = ["name"]


class CustomerViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """Customers: staff create them; partners read their own."""

    queryset = Customer.objects.select_related("partner").order_by("name")
    permission_classes = [ReadOnlyUnlessStaff]
    filterset_class = CustomerFilter

    def get_serializer_class(self):
        return (
            CustomerSerializer
            if self.request.method in ("GET", "HEAD", "OPTIONS")
            else CustomerWriteSerializer
        )


class ContactViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """Contacts and their notification subscriptions. Partner admins edit, engineers read."""

    queryset = Contact.objects.all()
    serializer_class = ContactSerializer
    filterset_class = ContactFilter

    def get_queryset(self) -> QuerySet:
        return selectors.contacts_for(self.request.user).order_by("name")

    def perform_create(self, serializer: ContactSerializer) -> None:
        data = dict(serializer.validated_data)
        partner = data.pop("partner", None) or partner_for(self.request.user)
        if partner is None:
            raise DomainError("Staff must name the partner.", field="partner")
        serializer.instance = services.contact_create(
            user=self.request.user,
            partner=partner,
            categories=data.pop("categories", ()),
            chat_categories=data.pop("chat_categories", ()),
            **data,
        )

    def perform_update(self, serializer: ContactSerializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("partner", None)
        categories = data.pop("categories", None)
        chat = data.pop("chat_categories", None)
        serializer.instance = services.contact_update(
            user=self.request.user,
            contact=serializer.instance,
            categories=categories,
            chat_categories=chat,
            **data,
        )

    def perform_destroy(self, instance: Contact) -> None:
        services.contact_delete(user=self.request.user, contact=instance)


class UserViewSet(
    TenantScopedMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Partner users. POST creates one and sends its invitation through the outbox."""

    serializer_class = UserSerializer

    def get_queryset(self) -> QuerySet:
        return selectors.users_for(self.request.user)

    @extend_schema(request=UserInviteSerializer, responses={201: UserSerializer})
    def create(self, request, *args, **kwargs) -> Response:
        data = validated(UserInviteSerializer, request)
        user = services.user_invite(actor=request.user, **data)
        return answer(UserSerializer, user, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: UserSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk: str | None = None) -> Response:
        """A departing user: sessions and API tokens stop working at once; history keeps
        the name. Partner admins of the user's partner, and staff."""
        user = services.user_deactivate(actor=request.user, user=self.get_object())
        return answer(UserSerializer, user)


class MeView(APIView):
    """The caller's own account: read it, change its language and time zone (and name)."""

    serializer_class = MeSerializer

    @staticmethod
    def _with_profile(user):
        user.profile = services.profile_for(user)
        return user

    @extend_schema(responses={200: MeSerializer})
    def get(self, request) -> Response:
        return answer(MeSerializer, self._with_profile(request.user))

    @extend_schema(request=MeSerializer, responses={200: MeSerializer})
    def patch(self, request) -> Response:
        data = validated(MeSerializer, request, partial=True)
        profile = data.pop("profile", {})
        services.profile_update(user=request.user, **profile, **data)
        return answer(MeSerializer, self._with_profile(request.user))


class DeliveryViewSet(TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    """The delivery log: every message sent (or waiting) to the partner's contacts, newest
    first. Read-only: the outbox writes it."""

    queryset = Delivery.objects.all()
    serializer_class = DeliverySerializer

    def get_queryset(self) -> QuerySet:
        return selectors.deliveries_for(self.request.user)
