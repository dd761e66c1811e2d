"""Staff sign-in through the operator's OpenID Connect provider (mozilla-django-oidc).

Off unless ``OIDC_ENABLED``. The provider proves who someone is; this module decides whether
that person is operator staff, and only staff may sign in this way (partner users keep their
portal passwords):

* an existing, active staff account (no partner membership) whose e-mail equals the
  provider's verified ``email`` claim is signed in;
* when no such account exists and the e-mail's domain is listed in
  ``OIDC_STAFF_EMAIL_DOMAINS``, a staff account is created (no password, no superuser, in
  the group ``OIDC_STAFF_GROUP`` when that is set) — leave the list empty to allow only
  accounts that staff created beforehand;
* everybody else is refused, including partner users and e-mails the provider does not
  mark as verified.

Endpoints come from the settings, or from the provider's discovery document when only
``OIDC_OP_ISSUER`` is set.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.http import Http404
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from .identity import username_problem

logger = logging.getLogger(__name__)

# Setting -> key of the provider's discovery document.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


@lru_cache(maxsize=4)
def discovery_document(issuer: str) -> dict:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    response = requests.get(url, timeout=getattr(settings, "OIDC_TIMEOUT", None) or 10)
    response.raise_for_status()
    return response.json()


def oidc_setting(attr: str, *args: Any) -> Any:
    """A mozilla-django-oidc setting; an endpoint left empty is read from discovery."""
    value = import_from_settings(attr, *args)
    if attr in DISCOVERED and not value and settings.OIDC_OP_ISSUER:
        value = discovery_document(settings.OIDC_OP_ISSUER).get(DISCOVERED[attr], value)
    return value


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


class StaffOIDCBackend(OIDCAuthenticationBackend):
    """Maps the provider's user to an operator staff account; see the module docstring."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if settings.OIDC_ENABLED:
            super().__init__(*args, **kwargs)
        else:  # password sign-in must work without any OIDC setting
            from django.contrib.auth import get_user_model

            self.UserModel = get_user_model()

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        if not settings.OIDC_ENABLED:
            return None
        return super().authenticate(request, **kwargs)

    def verify_claims(self, claims: dict) -> bool:
        # The e-mail is the link to a staff account: it must be there and not unverified.
        return bool(claims.get("email")) and claims.get("email_verified", True) is not False

    def filter_users_by_claims(self, claims: dict) -> Any:
        return self.UserModel.objects.filter(
            email__iexact=claims["email"],
            is_staff=True,
            is_active=True,
            membership__isnull=True,
        )

    def create_user(self, claims: dict) -> Any:
        email = claims["email"].strip()
        if email_domain(email) not in settings.OIDC_STAFF_EMAIL_DOMAINS:
            logger.warning("OIDC sign-in refused: %s is no staff account", email_domain(email))
            return None
        if self.UserModel.objects.filter(email__iexact=email).exists():
            # A partner user or an inactive account owns this e-mail: never turn it into staff.
            logger.warning("OIDC sign-in refused: the e-mail belongs to a non-staff account")
            return None
        username = email.lower()
        if username_problem(username):
            return None
        try:
            with transaction.atomic():
                user = self.UserModel.objects.create_user(
                    username=username,
                    email=email,
                    first_name=str(claims.get("given_name", ""))[:150],
                    last_name=str(claims.get("family_name", ""))[:150],
                    is_staff=True,
                )
                user.set_unusable_password()
                user.save(update_fields=["password"])
                if settings.OIDC_STAFF_GROUP:
                    group, _created = Group.objects.get_or_create(name=settings.OIDC_STAFF_GROUP)
                    user.groups.add(group)
        except IntegrityError:
            return None
        return user

    def get_user(self, user_id: Any) -> Any:
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None


class _OnlyWhenEnabled:
    """The OIDC pages exist only when OIDC_ENABLED (otherwise 404, not a half-configured
    redirect)."""

    get_settings = staticmethod(oidc_setting)

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not settings.OIDC_ENABLED:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class StaffOIDCAuthenticateView(_OnlyWhenEnabled, OIDCAuthenticationRequestView):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if settings.OIDC_ENABLED:
            super().__init__(*args, **kwargs)


class StaffOIDCCallbackView(_OnlyWhenEnabled, OIDCAuthenticationCallbackView):
    pass


def context(request: Any) -> dict:
    """Template context: whether to show the "Sign in with <operator>" button."""
    return {
        "oidc_enabled": settings.OIDC_ENABLED,
        "oidc_provider_name": settings.OIDC_PROVIDER_NAME,
    }
