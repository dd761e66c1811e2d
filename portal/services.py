"""Writes of the tenancy core. Views, the API, the admin and tasks all call these."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from . import jobs, webhooks
from .automation_models import ApiToken
from .choices import Category, Language, Role
from .errors import DomainError, unique_violation_as
from .identity import username_problem
from .models import Contact, Customer, Partner, PartnerMembership, Subscription, UserProfile
from .notifications import Event, notify, notify_many
from .tenancy import is_operator, is_partner_admin, partner_for, require_operator

User = get_user_model()


def _require_partner_admin(user: Any, partner: Partner) -> None:
    """Partner admins manage their own partner's users and contacts; staff manage all."""
    if is_operator(user):
        return
    if not is_partner_admin(user) or partner_for(user) != partner:
        raise PermissionDenied(_("Only an administrator of this partner can do this."))


def _check_chat_url(url: str) -> None:
    """A chat webhook is an address the portal posts to: the webhooks' guard (http or https,
    no private or reserved network unless ``WEBHOOKS_ALLOW_PRIVATE_NETWORKS``)."""
    problem = webhooks.url_problem(url) if url else None
    if problem:
        raise DomainError(problem, field="chat_webhook_url")


def _set_subscriptions(
    contact: Contact, categories: Iterable[str], chat: Iterable[str] | None = None
) -> None:
    """The contact's categories; ``chat`` names those also (or, without e-mail: only) sent to
    the contact's chat webhook. Every category goes by e-mail."""
    wanted = set(categories)
    chat_wanted = set(chat or ())
    if chat_wanted - wanted:
        raise DomainError(
            _("A category sent to chat must also be chosen."), field="chat_categories"
        )
    if chat_wanted and not contact.chat_webhook_url:
        raise DomainError(
            _("Give the chat webhook address to send messages to chat."),
            field="chat_webhook_url",
        )
    unknown = wanted - set(Category.values)
    if unknown:
        raise DomainError(
            _("Unknown notification category: %(names)s.") % {"names": ", ".join(sorted(unknown))},
            field="categories",
            rule="R-NOT-1",
        )
    contact.subscriptions.exclude(category__in=wanted).delete()
    Subscription.objects.bulk_create(
        [Subscription(contact=contact, category=c) for c in sorted(wanted)], ignore_conflicts=True
    )
    if chat is not None:
        contact.subscriptions.update(chat=False)
        contact.subscriptions.filter(category__in=chat_wanted).update(chat=True)


def _check_customer_scope(partner: Partner, customer: Customer | None) -> None:
    if customer is not None and customer.partner_id != partner.pk:
        raise DomainError(_("This customer does not exist."), field="customer")


@transaction.atomic
def contact_create(
    *,
    user: Any,
    partner: Partner,
    name: str,
    email: str,
    phone: str = "",
    customer: Customer | None = None,
    categories: Iterable[str] = (),
    language: str = "",
    chat_webhook_url: str = "",
    chat_categories: Iterable[str] = (),
) -> Contact:
    _require_partner_admin(user, partner)
    _check_customer_scope(partner, customer)
    _check_chat_url(chat_webhook_url)
    if Contact.objects.filter(partner=partner, customer=customer, email__iexact=email).exists():
        raise DomainError(_("A contact with this e-mail already exists."), field="email")
    # Two identical submits at once both pass the check above: the constraint decides.
    with unique_violation_as(_("A contact with this e-mail already exists."), field="email"):
        contact = Contact.objects.create(
            partner=partner,
            customer=customer,
            name=name,
            email=email,
            phone=phone,
            language=language,
            chat_webhook_url=chat_webhook_url,
        )
    _set_subscriptions(contact, categories, chat_categories)
    return contact


@transaction.atomic
def contact_update(
    *,
    user: Any,
    contact: Contact,
    categories: Iterable[str] | None = None,
    chat_categories: Iterable[str] | None = None,
    **fields: Any,
) -> Contact:
    _require_partner_admin(user, contact.partner)
    if "customer" in fields:
        _check_customer_scope(contact.partner, fields["customer"])
    if fields.get("chat_webhook_url", contact.chat_webhook_url) != contact.chat_webhook_url:
        _check_chat_url(fields["chat_webhook_url"])
    email = fields.get("email")
    if (
        email
        and Contact.objects.filter(
            partner=contact.partner,
            customer=fields.get("customer", contact.customer),
            email__iexact=email,
        )
        .exclude(pk=contact.pk)
        .exists()
    ):
        raise DomainError(_("A contact with this e-mail already exists."), field="email")
    for name, value in fields.items():
        setattr(contact, name, value)
    with unique_violation_as(_("A contact with this e-mail already exists."), field="email"):
        contact.save()
    if categories is not None or chat_categories is not None:
        _set_subscriptions(
            contact,
            contact.categories if categories is None else categories,
            chat_categories,
        )
    return contact


@transaction.atomic
def contact_delete(*, user: Any, contact: Contact) -> None:
    _require_partner_admin(user, contact.partner)
    contact.delete()


@transaction.atomic
def contacts_confirm(*, user: Any, partner: Partner, now: datetime | None = None) -> Partner:
    """R-NOT-3: a partner admin confirms that the contact list is accurate and current."""
    _require_partner_admin(user, partner)
    partner.contacts_confirmed_at = now or timezone.now()
    partner.save(update_fields=["contacts_confirmed_at"])
    return partner


def contact_review_request_due(*, now=None) -> int:
    """R-NOT-3: ask the admins of every partner whose contacts were not confirmed (nor asked
    about) in the last CONTACT_REVIEW_DAYS to confirm them. Set-based through portal.jobs: one
    query finds the partners due, the claim stamps them, one query finds their admins."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CONTACT_REVIEW_DAYS)

    def due():
        return Partner.objects.filter(
            Q(contacts_confirmed_at__isnull=True) | Q(contacts_confirmed_at__lt=cutoff),
            Q(contact_review_requested_at__isnull=True)
            | Q(contact_review_requested_at__lt=cutoff),
        )

    def ask(partner_ids: list[int]) -> dict[str, int]:
        admins: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for partner_id, email, language, partner_language in (
            User.objects.filter(
                membership__partner_id__in=partner_ids,
                membership__role=Role.ADMIN,
                is_active=True,
            )
            .exclude(email="")
            .values_list(
                "membership__partner_id", "email", "profile__language", "membership__partner__language"
            )
        ):
            admins[partner_id].append((email, language or partner_language))
        link = reverse("portal:contacts")
        notify_many(
            [
                Event(
                    kind="account.contact_review",
                    partner_id=partner_id,
                    category="account",
                    context={"partner": partner_id, "link": link},
                    dedupe_key=f"partner:{partner_id}:contact-review:{now.date().isoformat()}",
                    emails=tuple(admins[partner_id]),
                )
                for partner_id in partner_ids
            ]
        )
        return {"asked": len(partner_ids)}

    return len(
        jobs.run_batches(
            name="contact review",
            due=due,
            handle=ask,
            stamp={"contact_review_requested_at": now},
        ).handled
    )


@transaction.atomic
def user_invite(*, actor: Any, partner: Partner, username: str, email: str, role: str) -> Any:
    """Create a partner user and e-mail an invitation with a set-password link (outbox)."""
    _require_partner_admin(actor, partner)
    if role not in Role.values:
        raise DomainError(
            _("Role must be one of: %(roles)s.") % {"roles": ", ".join(Role.values)}, field="role"
        )
    problem = username_problem(username)
    if problem:
        raise DomainError(problem, field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("This username is taken."), field="username")
    # The unique index on lower(username) settles two invitations of one name at once.
    with unique_violation_as(_("This username is taken."), field="username"):
        user = User.objects.create_user(username=username, email=email)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    PartnerMembership.objects.create(user=user, partner=partner, role=role)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    notify(
        kind="account.invitation",
        partner=partner,
        context={"partner": partner.pk, "username": username, "link": link},
        dedupe_key=f"user:{user.pk}:invitation",
        related=user,
        emails=[(email, partner.language)],
    )
    return user


@transaction.atomic
def profile_update(
    *,
    user: Any,
    language: str | None = None,
    time_zone: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
) -> UserProfile:
    """A user changes its own settings (DOMAIN.md: "Times shown to people"). Only the given
    fields change; an empty language or zone returns to the default."""
    from .timefmt import zone_names

    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Log in to change your settings."))
    profile = profile_for(user)
    if language is not None:
        if language and language not in Language.values:
            raise DomainError(
                _("Language must be one of: %(languages)s.")
                % {"languages": ", ".join(Language.values)},
                field="language",
            )
        profile.language = language
    if time_zone is not None:
        time_zone = time_zone.strip()
        if time_zone and time_zone not in zone_names():
            raise DomainError(
                _("Unknown time zone %(zone)s: use an IANA name such as America/Sao_Paulo.")
                % {"zone": time_zone},
                field="time_zone",
            )
        profile.time_zone = time_zone
    profile.save()
    changed = []
    for name, value in (("first_name", first_name), ("last_name", last_name), ("email", email)):
        if value is not None and getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if changed:
        user.save(update_fields=changed)
    for cached in ("_portal_zone", "_portal_language", "_portal_viewer"):
        if hasattr(user, cached):
            delattr(user, cached)
    return profile


def profile_for(user: Any) -> UserProfile:
    """The user's profile, created on first use (blank: every default applies)."""
    profile, _created = UserProfile.objects.get_or_create(user_id=user.pk)
    return profile
def user_deactivate(*, actor: Any, user: Any) -> Any:
    """A departing user loses access at once, and history keeps their name.

    The account is kept (cases, changes and audit rows point to it) but made inactive. Its
    password is made unusable, which also changes the session-auth hash, so every open
    session fails Django's verification on its next request; its API tokens are deleted.
    """
    membership = PartnerMembership.objects.select_related("partner").filter(user=user).first()
    if membership is None:
        # Staff accounts are managed in the admin, not by partners.
        require_operator(actor, message=_("Only operator staff can deactivate staff accounts."))
    else:
        _require_partner_admin(actor, membership.partner)
    if actor is not None and actor.pk == user.pk:
        raise DomainError(_("You cannot deactivate your own account."))
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
    Token.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user).delete()
    return user
