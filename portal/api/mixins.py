from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .permissions import IsStaffOrPartner


class ListFiltersOnlyMixin:
    """Filters narrow lists; on a detail route a stray query parameter must not turn the
    tenant's 404 into a 400 (the object is looked up in the scoped queryset only)."""

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if getattr(self, "detail", False):
            return queryset
        return super().filter_queryset(queryset)  # type: ignore[misc]


class TenantScopedMixin(ListFiltersOnlyMixin):
    """Every API read starts from ``for_user``: another partner's object is a 404."""

    permission_classes = [IsStaffOrPartner]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().for_user(self.request.user)  # type: ignore[misc]

    def get_serializer_context(self) -> dict[str, Any]:
        return super().get_serializer_context()  # type: ignore[misc]
