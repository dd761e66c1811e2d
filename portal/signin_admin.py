"""Staff UI of the sign-in protection (django-axes): its changelists with every time shown with
its zone (DOMAIN.md "Times shown to people"); the rest is axes' own."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .admin_times import time_column
from .timefmt import show_time


def _with_zoned_times(base: type[admin.ModelAdmin], model: type) -> type[admin.ModelAdmin]:
    """django-axes' admin for ``model`` with every time column shown through ``time_column``
    (its own columns print a bare wall-clock time, no zone: DOMAIN.md "Times shown to
    people"); the rest is axes' own."""
    times = {
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, models.DateTimeField)
    }
    list_display = [
        time_column(model, name) if name in times else name for name in base.list_display
    ]
    return type(base.__name__, (base,), {"list_display": list_display})


def _register_sign_in_protection() -> None:
    from axes import admin as axes_admin
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    class AccessAttemptAdmin(_with_zoned_times(axes_admin.AccessAttemptAdmin, AccessAttempt)):
        @admin.display(description=_("Expires At"))
        def expiration(self, obj: AccessAttempt) -> str:
            expiration = getattr(obj, "expiration", None)
            return show_time(expiration.expires_at) if expiration else _("Not set")

        @admin.display(description=_("status"))
        def status(self, obj: AccessAttempt) -> str:
            left = settings.AXES_FAILURE_LIMIT - obj.failures_since_start
            if left <= 0:
                return _("Locked out")
            return ngettext("%(n)s attempt left", "%(n)s attempts left", left) % {"n": left}

        @admin.action(description=_("Clean up expired attempts"))
        def cleanup_expired_attempts(self, request, queryset) -> None:
            # axes' own action failed here (AttributeError: its handler reads the time of a
            # sign-in attempt, which only a sign-in request carries: "now" when None), and its
            # message, an f-string inside gettext, was never translated.
            request.axes_attempt_time = getattr(request, "axes_attempt_time", None)
            count = self.handler.clean_expired_user_attempts(request=request)
            self.message_user(
                request,
                ngettext(
                    "%(n)s expired access attempt cleaned up.",
                    "%(n)s expired access attempts cleaned up.",
                    count,
                )
                % {"n": count},
            )

    for model, model_admin in (
        (AccessAttempt, AccessAttemptAdmin),
        (AccessLog, _with_zoned_times(axes_admin.AccessLogAdmin, AccessLog)),
        (AccessFailureLog, _with_zoned_times(axes_admin.AccessFailureLogAdmin, AccessFailureLog)),
    ):
        if admin.site.is_registered(model):  # AXES_ENABLE_ADMIN
            admin.site.unregister(model)
            admin.site.register(model, model_admin)


_register_sign_in_protection()
