"""Staff UI of the sign-in protection (django-axes): every time shown with its zone (DOMAIN.md
"Times shown to people"), its records named and its status and messages written in the
reader's language; the rest is axes' own."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _

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


EXPIRY = "expires_at_shown"


def _name_objects_for_the_reader(attempt: type, log: type, failure: type) -> None:
    """axes' models name themselves in English with a bare UTC time ("Attempted Access:
    2027-03-02 13:05:00+00:00"), and the admin shows that name in titles, breadcrumbs,
    messages and the delete page; these say it in the reader's language, with the time in
    the reader's zone."""

    def named(text: str, *, locked: bool = False) -> Any:
        def __str__(obj: Any) -> str:
            shown = gettext(text) % {
                "username": obj.username,
                "address": obj.ip_address,
                "time": show_time(obj.attempt_time),
            }
            return f"{shown} ({gettext('locked out')})" if locked and obj.locked_out else shown

        return __str__

    attempt.__str__ = named(
        gettext_noop("Failed logins of %(username)s from %(address)s, the last at %(time)s")
    )
    log.__str__ = named(gettext_noop("Login of %(username)s from %(address)s at %(time)s"))
    failure.__str__ = named(
        gettext_noop("Failed login of %(username)s from %(address)s at %(time)s"), locked=True
    )


def _register_sign_in_protection() -> None:
    from axes import admin as axes_admin
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    _name_objects_for_the_reader(AccessAttempt, AccessLog, AccessFailureLog)
    base = _with_zoned_times(axes_admin.AccessAttemptAdmin, AccessAttempt)

    def shown(names: Any) -> Any:
        # axes' "expiration" column is the name of the attempt's reverse one-to-one relation:
        # Django shows the related object ("AccessAttemptExpiration object (1)"), never
        # axes' method of that name.
        return type(names)(EXPIRY if name == "expiration" else name for name in names)

    class AccessAttemptAdmin(base):
        list_display = shown(base.list_display)
        readonly_fields = shown(base.readonly_fields)
        fieldsets = tuple(
            (title, {**options, "fields": shown(options["fields"])})
            for title, options in base.fieldsets
        )

        @admin.display(description=_("Expires At"))
        def expires_at_shown(self, obj: AccessAttempt) -> str:
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
            # Its count also counts the deleted attempts' expiry rows: counted here instead.
            request.axes_attempt_time = getattr(request, "axes_attempt_time", None)
            before = AccessAttempt.objects.count()
            self.handler.clean_expired_user_attempts(request=request)
            count = before - AccessAttempt.objects.count()
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
