"""The one tenancy mechanism: every read of tenant data goes through ``for_user``.

A tenant model names the ORM path from itself to its Partner in ``tenant_field`` and uses a
manager built from :class:`TenantQuerySet`. ``Model.objects.for_user(user)`` then gives staff
everything, a partner user the rows of their own partner, and anybody else nothing. Views,
API viewsets, selectors and related-field choices all start from it, so an app added later
cannot forget to scope a read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, models
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
    rows = list(apps.get_model("portal", "Partner").objects.raw(_viewer_sql(), [user.pk]))
    row = rows[0] if rows else None
    has_partner = row is not None and row.pk is not None
    extra = {name: row.__dict__.pop(name, None) for name in _VIEWER_COLUMNS} if row else {}
    viewer = Viewer(
        partner=row if has_partner else None,
        role=extra["viewer_role"] if has_partner else None,
        language=extra.get("viewer_language") or "",
        time_zone=extra.get("viewer_time_zone") or "",
        first_region=extra["viewer_first_region"] if has_partner else None,
    )
    user._portal_viewer = viewer
    return viewer


_VIEWER_COLUMNS = ("viewer_role", "viewer_language", "viewer_time_zone", "viewer_first_region")


@lru_cache(maxsize=1)
def _viewer_sql() -> str:
    """The viewer's one query, written out: it runs on every request, and composing it with
    the ORM (four tables and a subquery) cost more CPU than the database spends on it. A raw
    query of Partner still converts every column as the ORM does; a user without membership
    gives a row whose partner columns are NULL, one without a profile NULL language and zone.
    Table and column names come from the models."""
    user_model = get_user_model()
    membership = user_model._meta.get_field("membership").related_model._meta
    profile = user_model._meta.get_field("profile").related_model._meta
    partner = apps.get_model("portal", "Partner")._meta
    customer = apps.get_model("portal", "Customer")._meta
    q = connection.ops.quote_name

    def col(meta: Any, name: str) -> str:
        return q(meta.get_field(name).column)

    partner_columns = ", ".join(f"p.{q(f.column)}" for f in partner.concrete_fields)
    return (
        f"SELECT {partner_columns}, m.{col(membership, 'role')} AS viewer_role, "
        f"pr.{col(profile, 'language')} AS viewer_language, "
        f"pr.{col(profile, 'time_zone')} AS viewer_time_zone, "
        f"(SELECT c.{col(customer, 'region')} FROM {q(customer.db_table)} c "
        f"WHERE c.{col(customer, 'partner')} = p.{q(partner.pk.column)} "
        f"ORDER BY c.{col(customer, 'created_at')}, c.{q(customer.pk.column)} LIMIT 1) "
        f"AS viewer_first_region "
        f"FROM {q(user_model._meta.db_table)} u "
        f"LEFT JOIN {q(membership.db_table)} m "
        f"ON m.{col(membership, 'user')} = u.{q(user_model._meta.pk.column)} "
        f"LEFT JOIN {q(partner.db_table)} p "
        f"ON p.{q(partner.pk.column)} = m.{col(membership, 'partner')} "
        f"LEFT JOIN {q(profile.db_table)} pr "
        f"ON pr.{col(profile, 'user')} = u.{q(user_model._meta.pk.column)} "
        f"WHERE u.{q(user_model._meta.pk.column)} = %s"
    )


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
