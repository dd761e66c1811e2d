from __future__ import annotations

from rest_framework import serializers


class TenantPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A writable foreign key whose choices are scoped to the caller: another partner's id
    is refused exactly like an id that does not exist."""

    def get_queryset(self):
        qs = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return qs.none()
        return qs.for_user(request.user)
