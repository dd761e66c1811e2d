"""The one tenancy mechanism: every read of tenant data goes through ``for_user``.

A tenant model names the ORM path from itself to its Partner in ``tenant_field`` and uses a
manager built from :class:`TenantQuerySet`. ``Model.objects.for_user(user)`` then gives staff
everything, a partner user the rows of their own partner, and anybody else nothing. Views,
API viewsets, selectors and related-field choices all start from it, so an app added later
cannot forget to scope a read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from .choices import Role
from .errors import DomainError

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from .models import Partner


@dataclass(frozen=True)
class Viewer:
    """What the portal needs to know about the person behind a request, read in one query:
    its partner and role (membership), its own language and zone (profile; blank when not
    chosen) and the region of its partner's first customer (the default zone)."""

    partner: Partner | None
    role: str | None
    language: str
    time_zone: str
    first_region: str | None


def viewer_for(user: AbstractBaseUser) -> Viewer:
    """The :class:`Viewer` of an authenticated user, cached on the user object (one per
    request: the user is loaded again by every request). The middleware, the tenancy checks,
    the context processor and the zone of shown times all read it, so a page pays one query
    for all of them instead of one each."""
    cached = getattr(user, "_portal_viewer", None)
    if cached is not None:
        return cached
    # The models are looked up, not imported: they use this module's manager.
    first_region = (
        apps.get_model("portal", "Customer")
        ._base_manager.filter(partner_id=OuterRef("membership__partner_id"))
        .order_by("created_at", "pk")
        .values("region")[:1]
    )
    loaded = (
        get_user_model()
        ._base_manager.filter(pk=user.pk)
        .select_related("membership__partner", "profile")
        .annotate(portal_first_region=Subquery(first_region))
        .first()
    )
    membership = _related_or_none(loaded, "membership")
    profile = _related_or_none(loaded, "profile")
    viewer = Viewer(
        partner=membership.partner if membership is not None else None,
        role=membership.role if membership is not None else None,
        language=profile.language if profile is not None else "",
        time_zone=profile.time_zone if profile is not None else "",
        first_region=loaded.portal_first_region if membership is not None else None,
    )
    user._portal_viewer = viewer
    return viewer


def _related_or_none(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def partner_for(user: AbstractBaseUser | AnonymousUser | None) -> Partner | None:
    """The partner a user works for, or None (anonymous users, staff without membership)."""
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(user, "_portal_partner", models.NOT_PROVIDED)
    if cached is not models.NOT_PROVIDED:
        return cached
    partner = viewer_for(user).partner
    user._portal_partner = partner
    return partner


def role_for(user: Any) -> str | None:
    """The user's role in its partner (``admin`` or ``engineer``), or None."""
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(user, "_portal_role", models.NOT_PROVIDED)
    if cached is not models.NOT_PROVIDED:
        return cached
    role = viewer_for(user).role
    user._portal_role = role
    return role


def is_operator(user: Any) -> bool:
    """Operator staff see and change everything."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def is_partner_admin(user: Any) -> bool:
    return role_for(user) == Role.ADMIN


class TenantQuerySet(models.QuerySet):
    """A queryset that knows how to restrict itself to what a user may see."""

    def for_user(self, user: Any) -> TenantQuerySet:
        if is_operator(user):
            return self
        partner = partner_for(user)
        if partner is None:
            return self.none()
        return self.for_partner(partner)

    def for_partner(self, partner: Partner | int) -> TenantQuerySet:
        field = getattr(self.model, "tenant_field", None)
        if field is None:
            raise TypeError(f"{self.model.__name__} declares no tenant_field")
        partner_id = partner if isinstance(partner, int) else partner.pk
        if field == "":
            return self.filter(pk=partner_id)
        lookup = {f"{field}_id": partner_id}
        if _crosses_many(self.model, field):
            # A to-many path (an outage's customers) would repeat rows; a subquery does not.
            return self.filter(pk__in=self.model._base_manager.filter(**lookup).values("pk"))
        return self.filter(**lookup)


def _crosses_many(model: type[models.Model], path: str) -> bool:
    for name in path.split("__"):
        field = model._meta.get_field(name)
        if field.many_to_many or field.one_to_many:
            return True
        model = field.related_model
    return False


TenantManager = models.Manager.from_queryset(TenantQuerySet)


def require_operator(
    actor: Any, *, message: str | None = None, rule: str = "Actors", allow_system: bool = False
) -> None:
    """Operator-only steps. With ``allow_system``, ``actor=None`` is the system itself (beat,
    commands)."""
    if allow_system and actor is None:
        return
    if not is_operator(actor):
        raise DomainError(message or _("Only operator staff can do this."), rule=rule)


def require_partner_of(
    actor: Any, partner_id: int, *, message: str, field: str | None = None, rule: str | None = None
) -> None:
    """Staff act for every partner, a partner user only for its own: anybody else is told the
    object does not exist (``message``), never that it belongs to someone else."""
    if is_operator(actor):
        return
    partner = partner_for(actor)
    if partner is None or partner.pk != partner_id:
        raise DomainError(message, field=field, rule=rule)
