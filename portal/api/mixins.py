from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .permissions import IsStaffOrPartner


class TenantScopedMixin:
    """Every API read starts from ``for_user``: another partner's object is a 404."""

    permission_classes = [IsStaffOrPartner]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().for_user(self.request.user)  # type: ignore[misc]

    def get_serializer_context(self) -> dict[str, Any]:
        return super().get_serializer_context()  # type: ignore[misc]
