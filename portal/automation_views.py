"""Portal pages of partner automation: my API tokens (create, last used, revoke) and, for
partner admins, the partner's webhook endpoints with their recent deliveries."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from . import timefmt, tokens
from .automation_models import WebhookDelivery, WebhookEndpoint
from .errors import write_with_form
from .tenancy import is_partner_admin
from .views import PartnerRequiredMixin


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. “Monitoring script”."),
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on"),
        required=False,
        help_text=gettext_lazy("Leave empty for a token that does not expire."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class TokenListView(PartnerRequiredMixin, View):
    """My API tokens (a partner admin also sees the partner's users' tokens)."""

    def _page(self, form: TokenForm, *, new_key: str = "", status: int = 200) -> HttpResponse:
        rows = tokens.tokens_for(self.request.user).select_related("user").order_by("-created")
        return render(
            self.request,
            "portal/tokens.html",
            {
                "form": form,
                "tokens": rows,
                "new_key": new_key,
                "is_partner_admin": is_partner_admin(self.request.user),
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(TokenForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TokenForm(request.POST)

        def write(data):
            expires = data.get("expires_on")
            expires_at = (
                datetime.combine(expires, time.max, tzinfo=timefmt.zone_for_user(request.user))
                if expires
                else None
            )
            return tokens.api_token_create(
                actor=request.user, user=request.user, name=data["name"], expires_at=expires_at
            )

        written = write_with_form(form, write)
        if not written.ok:
            return self._page(form, status=400)
        _token, key = written.result
        # The key is shown in this answer only: it is stored hashed and cannot be shown again.
        return self._page(TokenForm(), new_key=key)


class TokenRevokeView(PartnerRequiredMixin, View):
    def post(self, request: HttpRequest, token_id: str) -> HttpResponse:
        token = get_object_or_404(tokens.tokens_for(request.user), public_id=token_id)
        tokens.api_token_revoke(actor=request.user, token=token)
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
        return redirect("portal:tokens")


class WebhookListView(PartnerRequiredMixin, View):
    """The partner's webhook endpoints and their latest deliveries (partner admins)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not is_partner_admin(request.user):
            raise Http404(_("Only a partner administrator can see the webhooks."))
        endpoints = WebhookEndpoint.objects.for_partner(self.partner).order_by("pk")
        deliveries = (
            WebhookDelivery.objects.for_partner(self.partner)
            .select_related("endpoint", "message")
            .order_by("-created_at", "-pk")[:25]
        )
        return render(
            request,
            "portal/webhooks.html",
            {"endpoints": endpoints, "deliveries": deliveries, "now": timezone.now()},
        )
