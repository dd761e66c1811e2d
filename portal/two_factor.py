"""The staff second factor: TOTP (django-otp) with recovery codes, required for the admin
when ``settings.STAFF_2FA`` is on.

Staff sign in with their password (or the operator's OpenID Connect provider) as before; the
admin then asks for a code. A staff user without a confirmed authenticator is led through
enrolment once: scan the QR code (or type the secret), confirm with one code, and receive ten
single-use recovery codes, shown only then. Partner users of the portal pages never see this.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"


def second_factor_required(user: Any) -> bool:
    """The admin needs a verified second factor from this user."""
    return bool(settings.STAFF_2FA and user.is_authenticated and user.is_staff)


def has_authenticator(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# --- writes ---------------------------------------------------------------------------------


@transaction.atomic
def totp_enrolment_start(*, user: Any) -> TOTPDevice:
    """The pending (unconfirmed) authenticator of ``user``, created on first use, so reloading
    the enrolment page keeps showing the same secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(
        user=user, name=AUTHENTICATOR_NAME, confirmed=False
    )


@transaction.atomic
def totp_enrolment_confirm(*, user: Any, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the pending authenticator with a code from the app. On success, the previous
    recovery codes are replaced by ten new ones, returned once and stored only in the
    database. None when the code is wrong."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("pk")
        .first()
    )
    if device is None or not device.verify_token(code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=c) for c in codes])
    return device, codes


def second_factor_verify(*, user: Any, code: str) -> Any:
    """The device that accepts ``code``: the authenticator for six digits, else a recovery
    code, which is used up. None when nothing accepts it (attempts are throttled)."""
    code = "".join(code.split()).lower()
    devices = (
        TOTPDevice.objects.filter(user=user, confirmed=True)
        if code.isdigit()
        else StaticDevice.objects.filter(user=user, confirmed=True)
    )
    for device in devices:
        verified = django_otp.verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    return None


def second_factor_throttled(user: Any) -> bool:
    """Wrong codes make the next attempt wait (1 s, 2 s, 4 s …, django-otp's throttling)."""
    devices = [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True),
    ]
    return any(not device.verify_is_allowed()[0] for device in devices)


# --- pages ----------------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("admin:index")


def _with_next(request: HttpRequest, url_name: str) -> str:
    return reverse(url_name) + "?" + urlencode({"next": _next_url(request)})


def _staff_only(request: HttpRequest) -> None:
    if not (request.user.is_active and request.user.is_staff):
        raise Http404


def qr_data_uri(text: str) -> str:
    """An SVG QR code as a ``data:`` URI: shown by an <img>, no inline script or markup."""
    out = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _context(request: HttpRequest, **extra: Any) -> dict:
    from django.contrib import admin

    return {**admin.site.each_context(request), "next": _next_url(request), **extra}


@login_required(login_url="admin:login")
def verify_view(request: HttpRequest) -> HttpResponse:
    """Second step of every admin sign-in: a code from the authenticator or a recovery code."""
    _staff_only(request)
    if not has_authenticator(request.user):
        return redirect(_with_next(request, "admin:two-factor-enrol"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttled = second_factor_throttled(request.user)
        device = second_factor_verify(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            return redirect(_next_url(request))
        form.add_error(
            "code",
            _("Too many wrong codes: wait a few seconds, then try again.")
            if throttled
            else _("This code is not valid. Try the current code again."),
        )
    return render(
        request,
        "admin/portal/two_factor_verify.html",
        _context(request, form=form, title=_("Second factor")),
        status=400 if form.errors else 200,
    )


@login_required(login_url="admin:login")
def enrol_view(request: HttpRequest) -> HttpResponse:
    """First admin sign-in of a staff user: set up the authenticator, then recovery codes."""
    _staff_only(request)
    if has_authenticator(request.user):
        # A second authenticator is added only by staff who already passed the first.
        return redirect(_with_next(request, "admin:two-factor-verify"))
    device = totp_enrolment_start(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = totp_enrolment_confirm(user=request.user, code=form.cleaned_data["code"])
        if confirmed is not None:
            device, codes = confirmed
            django_otp.login(request, device)
            return render(
                request,
                "admin/portal/two_factor_recovery.html",
                _context(request, codes=codes, title=_("Recovery codes")),
            )
        form.add_error(
            "code",
            _("This code is not valid. Check the time on your phone and try the current code."),
        )
    secret = base64.b32encode(device.bin_key).decode("ascii")
    return render(
        request,
        "admin/portal/two_factor_enrol.html",
        _context(
            request,
            form=form,
            qr=qr_data_uri(device.config_url),
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            title=_("Set up your authenticator"),
        ),
        status=400 if form.errors else 200,
    )
