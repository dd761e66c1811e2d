from django.http import HttpRequest

from .dashboard import nav_entries
from .tenancy import is_partner_admin, partner_for


def portal(request: HttpRequest) -> dict:
    """Header navigation and the current partner for every portal page."""
    user = getattr(request, "user", None)
    return {
        "portal_nav": nav_entries(),
        "current_partner": partner_for(user) if user is not None else None,
        "is_partner_admin": is_partner_admin(user) if user is not None else False,
    }
