from rest_framework.permissions import SAFE_METHODS, BasePermission

from portal.tenancy import is_operator, partner_for


class IsStaff(BasePermission):
    message = "Only operator staff can do this."

    def has_permission(self, request, view) -> bool:
        return is_operator(request.user)


class IsPartnerMember(BasePermission):
    message = "Only partner users can do this."

    def has_permission(self, request, view) -> bool:
        return partner_for(request.user) is not None


class IsStaffOrPartner(BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_operator(request.user) or partner_for(request.user) is not None


class ReadOnlyUnlessStaff(BasePermission):
    """Partners read their own rows; only staff write."""

    message = "Only operator staff can change this."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return is_operator(request.user) or partner_for(request.user) is not None
        return is_operator(request.user)
