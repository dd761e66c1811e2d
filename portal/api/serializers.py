from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework import serializers

from portal.choices import Category, Language, Role
from portal.models import Contact, Customer, Delivery, Partner
from portal.tenancy import partner_for, role_for

from .fields import TenantPrimaryKeyRelatedField


class PartnerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Partner
        fields = ["id", "name", "slug", "language"]


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "partner", "name", "region", "contract_number", "sso_enabled"]
        read_only_fields = ["partner"]


class CustomerWriteSerializer(CustomerSerializer):
    partner = serializers.PrimaryKeyRelatedField(queryset=Partner.objects.all())

    class Meta(CustomerSerializer.Meta):
        read_only_fields: list[str] = []


class ContactSerializer(serializers.ModelSerializer):
    customer = TenantPrimaryKeyRelatedField(
        queryset=Customer.objects.all(), allow_null=True, required=False
    )
    categories = serializers.MultipleChoiceField(choices=Category.choices, required=False)
    chat_categories = serializers.MultipleChoiceField(choices=Category.choices, required=False)
    partner = TenantPrimaryKeyRelatedField(queryset=Partner.objects.all(), required=False)

    class Meta:
        model = Contact
        fields = [
            "id",
            "partner",
            "customer",
            "name",
            "email",
            "phone",
            "language",
            "chat_webhook_url",
            "categories",
            "chat_categories",
            "delivery_failing_since",
        ]
        read_only_fields = ["delivery_failing_since"]
        validators: list = []

    def to_representation(self, instance: Contact) -> dict:
        data = super().to_representation(instance)
        data["categories"] = instance.categories
        data["chat_categories"] = sorted(s.category for s in instance.subscriptions.all() if s.chat)
        return data


class UserInviteSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$", max_length=150)
    email = serializers.EmailField()
    partner = TenantPrimaryKeyRelatedField(queryset=Partner.objects.all())
    role = serializers.ChoiceField(choices=Role.choices)


class UserSerializer(serializers.ModelSerializer):
    partner = serializers.IntegerField(source="membership.partner_id", read_only=True)
    role = serializers.CharField(source="membership.role", read_only=True)

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "partner", "role", "is_active"]
        read_only_fields = ["is_active"]


class MeSerializer(serializers.Serializer):
    """The caller's own account and settings (``/api/v1/me/``). Blank language or time zone
    means the default: the partner's language, the zone of the first customer's region (UTC
    for staff); ``effective_language`` and ``effective_time_zone`` say what applies."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(required=False)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    partner = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()
    is_staff = serializers.BooleanField(read_only=True)
    language = serializers.ChoiceField(
        choices=Language.choices, required=False, allow_blank=True, source="profile.language"
    )
    time_zone = serializers.CharField(
        required=False, allow_blank=True, max_length=64, source="profile.time_zone"
    )
    effective_language = serializers.SerializerMethodField()
    effective_time_zone = serializers.SerializerMethodField()

    def get_partner(self, user) -> int | None:
        partner = partner_for(user)
        return partner.pk if partner else None

    def get_role(self, user) -> str | None:
        return role_for(user)

    def get_effective_language(self, user) -> str:
        from portal.middleware import language_for_user

        return language_for_user(user) or settings.LANGUAGE_CODE

    def get_effective_time_zone(self, user) -> str:
        from portal.timefmt import zone_for_user

        return zone_for_user(user).key


class DeliverySerializer(serializers.ModelSerializer):
    """One message of the delivery log: to whom, through which channel, and how it went."""

    kind = serializers.CharField(source="notification.kind", read_only=True)
    category = serializers.CharField(source="notification.category", read_only=True)
    customer = serializers.IntegerField(source="notification.customer_id", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "kind",
            "category",
            "customer",
            "contact",
            "channel",
            "recipient",
            "language",
            "status",
            "attempts",
            "last_error",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields
