"""factory_boy factories of the tenancy core. App factories live in tests/<app>/factories.py."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from portal.choices import Region, Role
from portal.models import Contact, Customer, Partner, PartnerMembership, Subscription


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Partner {n}")
    slug = factory.Sequence(lambda n: f"partner-{n}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    region = Region.EMEA
    contract_number = factory.Sequence(lambda n: f"CN-{n:06d}")
    sso_enabled = False


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("password")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerMembership

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)
    role = Role.ENGINEER


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    customer = None
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
    phone = "+1 555 0100"

    @factory.post_generation
    def categories(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            Subscription.objects.bulk_create(
                [Subscription(contact=self, category=c) for c in extracted]
            )


def partner_user(partner: Partner, username: str, role: str = Role.ENGINEER):
    user = UserFactory(username=username)
    MembershipFactory(user=user, partner=partner, role=role)
    return user


def token_client(user):
    """An API client that authenticates as ``user`` with a real token, as automation does:
    the API (not the test client) then learns who calls, and so the caller's language."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


class AccessAttemptFactory(factory.django.DjangoModelFactory):
    """A failed-login record of django-axes (the sign-in protection)."""

    class Meta:
        model = "axes.AccessAttempt"

    username = factory.Sequence(lambda n: f"guess-{n}")
    ip_address = "192.0.2.9"
    user_agent = ""
    http_accept = ""
    path_info = "/accounts/login/"
    get_data = ""
    post_data = ""
    failures_since_start = 1
