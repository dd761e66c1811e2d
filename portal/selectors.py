"""Reads of the tenancy core, always scoped to the caller."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from .models import Contact, Customer, Delivery, Partner, Subscription
from .tenancy import is_operator, partner_for


def customers_for(user: Any) -> QuerySet[Customer]:
    return Customer.objects.for_user(user).select_related("partner")


def contacts_for(user: Any) -> QuerySet[Contact]:
    return (
        Contact.objects.for_user(user)
        .select_related("partner", "customer")
        .prefetch_related(
            Prefetch("subscriptions", queryset=Subscription.objects.order_by("category"))
        )
    )


def partners_for(user: Any) -> QuerySet[Partner]:
    return Partner.objects.for_user(user).annotate(customer_count=Count("customers"))


def staff_customers_by_partner(partner_ids: list[int]) -> dict[int, int]:
    """Staff overview: customers per partner (one grouped query)."""
    rows = Customer.objects.filter(partner_id__in=partner_ids).values("partner_id")
    return dict(rows.annotate(n=Count("id")).values_list("partner_id", "n"))


def users_for(user: Any) -> QuerySet:
    """Partner users the caller may see: staff all of them, a partner user its colleagues
    (deactivated ones included: history keeps their names)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.select_related("membership").order_by("username")
    if is_operator(user):
        return users.filter(membership__isnull=False)
    partner = partner_for(user)
    return users.filter(membership__partner=partner) if partner else users.none()


def deliveries_for(user: Any) -> QuerySet[Delivery]:
    """The delivery log (R-NOT-4): what was sent to the partner's contacts and people, newest
    first. A partner never sees what went to the operator's own addresses (their deliveries
    belong to no partner)."""
    return (
        Delivery.objects.for_user(user)
        .select_related("notification", "notification__customer", "notification__partner")
        .order_by("-created_at", "-id")
    )
