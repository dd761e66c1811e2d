"""API tokens: named, hashed (django-rest-knox), shown once, revocable.

A user makes and revokes its own; a partner admin sees and revokes its partner's users'
tokens; staff manage every token in the admin. ``manage.py drf_create_token USER`` makes one
for operators' scripts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .automation_models import ApiToken
from .errors import DomainError
from .tenancy import is_operator, is_partner_admin, partner_for


def tokens_for(user: Any) -> QuerySet:
    """The tokens ``user`` may see: staff all, a partner admin its partner's users', anybody
    else its own."""
    if is_operator(user):
        return ApiToken.objects.all()
    if not getattr(user, "is_authenticated", False):
        return ApiToken.objects.none()
    partner = partner_for(user)
    if partner is not None and is_partner_admin(user):
        return ApiToken.objects.filter(user__membership__partner=partner)
    return ApiToken.objects.filter(user=user)


def api_token_create(
    *,
    actor: Any,
    user: Any,
    name: str = "",
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token of ``user`` (the actor itself, or any user for staff and the command);
    returns the row and its key, which is not stored and cannot be shown again."""
    if actor is not None and not is_operator(actor) and actor.pk != user.pk:
        raise PermissionDenied(_("You can only make tokens for yourself."))
    now = now or timezone.now()
    if expires_at is not None and expires_at <= now:
        raise DomainError(_("The expiry must lie in the future."), field="expires_at")
    with transaction.atomic():
        token, key = ApiToken.objects.create(
            user=user,
            expiry=(expires_at - now) if expires_at is not None else None,
            name=(name or "").strip()[:100],
        )
    return token, key


def api_token_revoke(*, actor: Any, token: ApiToken) -> None:
    """Revoke at once: the row is deleted, so the key stops authenticating."""
    if not tokens_for(actor).filter(pk=token.pk).exists():
        raise PermissionDenied(_("You cannot revoke this token."))
    with transaction.atomic():
        token.delete()


def user_for_command(username: str) -> Any:
    return get_user_model().objects.get(**{get_user_model().USERNAME_FIELD: username})
