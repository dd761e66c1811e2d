from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from portal.choices import Category, Role
from portal.models import Contact, Customer, Partner

from .fields import TenantPrimaryKeyRelatedField


class PartnerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Partner
        fields = ["id", "name", "slug"]


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
    partner = TenantPrimaryKeyRelatedField(queryset=Partner.objects.all(), required=False)

    class Meta:
        model = Contact
        fields = ["id", "partner", "customer", "name", "email", "phone", "categories"]
        validators: list = []

    def to_representation(self, instance: Contact) -> dict:
        data = super().to_representation(instance)
        data["categories"] = instance.categories
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
