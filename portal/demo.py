"""Demo data of the core: two partners, their customers, contacts and users.

``python manage.py demo`` runs this, then each feature app's ``demo.load`` in app order.
Everything is get-or-create, so running it again adds nothing.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from .calendars import calendars_ensure_defaults
from .choices import Category, Region, Role
from .models import Contact, Customer, Partner, PartnerMembership, Subscription

DEMO_PASSWORD = "demo-portal-2026"

PARTNERS = {
    "acme": (
        "Acme Telecom",
        [
            ("Alpha Bank", Region.EMEA, "CN-100001", True),
            ("Atlas Logistics", Region.AMER, "CN-100002", False),
            ("Aurora Health", Region.AUS, "CN-100003", True),
        ],
    ),
    "borealis": (
        "Borealis Networks",
        [
            ("Beta Retail", Region.APJC, "CN-200001", False),
            ("Bravo Energy", Region.EMEA, "CN-200002", True),
        ],
    ),
}
USERS = [
    # username, partner slug (None = staff), role, description
    ("alice", "acme", Role.ADMIN, "Acme Telecom partner administrator"),
    ("bob", "acme", Role.ENGINEER, "Acme Telecom partner engineer"),
    ("charlie", "borealis", Role.ADMIN, "Borealis Networks partner administrator"),
    ("tess", None, None, "operator TAC engineer (staff, Django admin)"),
]


@transaction.atomic
def load(stdout=None) -> dict:
    year = __import__("datetime").date.today().year
    calendars_ensure_defaults(years=range(year - 1, year + 3))
    partners = {}
    for slug, (name, customers) in PARTNERS.items():
        partner, _ = Partner.objects.get_or_create(slug=slug, defaults={"name": name})
        partners[slug] = partner
        for cname, region, contract, sso in customers:
            Customer.objects.get_or_create(
                partner=partner,
                name=cname,
                defaults={"region": region, "contract_number": contract, "sso_enabled": sso},
            )
        noc, _ = Contact.objects.get_or_create(
            partner=partner,
            customer=None,
            email=f"noc@{slug}.example",
            defaults={"name": f"{name} NOC", "phone": "+1 555 0100"},
        )
        Subscription.objects.bulk_create(
            [Subscription(contact=noc, category=c) for c in Category.values], ignore_conflicts=True
        )
    User = get_user_model()
    for username, slug, role, _description in USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.com",
                "is_staff": slug is None,
                "is_superuser": slug is None,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        if slug:
            PartnerMembership.objects.get_or_create(
                user=user, defaults={"partner": partners[slug], "role": role}
            )
    return partners
