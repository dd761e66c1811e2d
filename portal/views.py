"""Partner portal pages of the core: dashboard, customers, contacts."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import View, defaults, i18n
from django.views.generic import ListView

from . import selectors, services, timefmt
from .dashboard import cards, customer_links
from .errors import DomainError, add_domain_error
from .forms import ContactForm, SettingsForm
from .middleware import language_for_user
from .tenancy import is_partner_admin, partner_for


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 handler: JSON under ``/api/`` (an URL no route matches, like ``cases/0.5/``),
    so API clients can parse every error; the HTML page everywhere else."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request_page(request: HttpRequest, message: str, *, back_url: str = "") -> HttpResponse:
    """A 400 page a person can act on: what is wrong with the address, and a way back."""
    return render(
        request,
        "portal/bad_request.html",
        {"message": message, "back_url": back_url},
        status=400,
    )


def get_for_user_or_404(model_or_qs: type[Model] | QuerySet, user: Any, **lookup: Any) -> Any:
    """Fetch an object *and* check it belongs to the caller: anybody else gets 404."""
    qs = model_or_qs if isinstance(model_or_qs, QuerySet) else model_or_qs.objects.all()
    return get_object_or_404(qs.for_user(user), **lookup)


class PartnerRequiredMixin(LoginRequiredMixin):
    """Portal pages are for partner users. Staff work in the admin."""

    partner: Any = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.partner = partner_for(request.user)
        if self.partner is None:
            if request.user.is_staff:
                return redirect("admin:index")
            raise Http404(_("This account belongs to no partner."))
        return super().dispatch(request, *args, **kwargs)


class PartnerAdminRequiredMixin(PartnerRequiredMixin):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (
            request.user.is_authenticated
            and partner_for(request.user)
            and not is_partner_admin(request.user)
        ):
            messages.error(request, _("Only a partner administrator can change contacts."))
            return redirect("portal:contacts")
        return super().dispatch(request, *args, **kwargs)


class DashboardView(PartnerRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        rendered = [
            {"key": card.key, "template": card.template, **card.context(request, self.partner)}
            for card in cards()
        ]
        return render(
            request, "portal/dashboard.html", {"cards": rendered, "partner": self.partner}
        )


class CustomerListView(PartnerRequiredMixin, ListView):
    template_name = "portal/customer_list.html"
    context_object_name = "customers"
    paginate_by = 50

    def get_queryset(self) -> QuerySet:
        return selectors.customers_for(self.request.user)


class CustomerDetailView(PartnerRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = get_for_user_or_404(selectors.customers_for(request.user), request.user, pk=pk)
        contacts = selectors.contacts_for(request.user).filter(customer=customer)
        links = [
            (
                entry.label,
                f"{reverse(entry.url_name)}?customer={customer.pk}"
                if entry.query
                else reverse(entry.url_name, args=[customer.pk]),
            )
            for entry in customer_links()
        ]
        return render(
            request,
            "portal/customer_detail.html",
            {"customer": customer, "contacts": contacts, "links": links},
        )


class ContactListView(PartnerRequiredMixin, ListView):
    template_name = "portal/contact_list.html"
    context_object_name = "contacts"
    paginate_by = 50

    def get_queryset(self) -> QuerySet:
        return selectors.contacts_for(self.request.user)


class ContactEditView(PartnerAdminRequiredMixin, View):
    """Create (no pk) or edit a contact and its subscriptions."""

    def _contact(self, pk: int | None) -> Any:
        return (
            get_for_user_or_404(selectors.contacts_for(self.request.user), self.request.user, pk=pk)
            if pk
            else None
        )

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        contact = self._contact(pk)
        form = ContactForm(user=request.user, instance=contact)
        return render(request, "portal/contact_form.html", {"form": form, "contact": contact})

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        contact = self._contact(pk)
        form = ContactForm(request.POST, user=request.user, instance=contact)
        if form.is_valid():
            data = dict(form.cleaned_data)
            categories = data.pop("categories")
            try:
                if contact is None:
                    services.contact_create(
                        user=request.user, partner=self.partner, categories=categories, **data
                    )
                else:
                    services.contact_update(
                        user=request.user, contact=contact, categories=categories, **data
                    )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Contact saved."))
                return redirect("portal:contacts")
        return render(
            request, "portal/contact_form.html", {"form": form, "contact": contact}, status=400
        )


class ContactDeleteView(PartnerAdminRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact = get_for_user_or_404(selectors.contacts_for(request.user), request.user, pk=pk)
        services.contact_delete(user=request.user, contact=contact)
        messages.success(request, _("Contact deleted."))
        return redirect("portal:contacts")


class UserListView(PartnerRequiredMixin, ListView):
    """The partner's users; admins deactivate those who leave."""

    template_name = "portal/user_list.html"
    context_object_name = "users"
    paginate_by = 50

    def get_queryset(self) -> QuerySet:
        return selectors.users_for(self.request.user)


class UserDeactivateView(PartnerRequiredMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = get_object_or_404(selectors.users_for(request.user), pk=pk)
        try:
            services.user_deactivate(actor=request.user, user=user)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("%(name)s is deactivated: their sessions and API tokens no longer work.")
                % {"name": user.get_username()},
            )
        return redirect("portal:users")


class ContactsConfirmView(PartnerAdminRequiredMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        services.contacts_confirm(user=request.user, partner=self.partner)
        messages.success(request, _("Thank you: your contact list is confirmed."))
        return redirect(reverse("portal:contacts"))


class SettingsView(LoginRequiredMixin, View):
    """My settings: the portal's language and the zone other times are shown in."""

    def _form(self, data: Any = None) -> SettingsForm:
        from .choices import Language
        from .models import Customer

        user = self.request.user
        partner = partner_for(user)
        default_language = partner.language if partner else django_settings.LANGUAGE_CODE
        region = (
            Customer.objects.filter(partner=partner)
            .order_by("created_at", "pk")
            .values_list("region", flat=True)
            .first()
            if partner
            else None
        )
        default_zone = timefmt.region_zone(region).key if region else "UTC"
        profile = services.profile_for(user)
        return SettingsForm(
            data,
            initial={"language": profile.language, "time_zone": profile.time_zone},
            default_language=Language(default_language).label,
            default_zone=default_zone,
        )

    def _page(self, form: SettingsForm, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "portal/settings.html",
            {"form": form, "now": timezone.now()},
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(self._form())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            try:
                services.profile_update(user=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                language = form.cleaned_data["language"] or language_for_user(request.user)
                response = redirect("portal:settings")
                if language:
                    translation.activate(language)
                    response.set_cookie(django_settings.LANGUAGE_COOKIE_NAME, language)
                messages.success(request, _("Your settings are saved."))
                return response
        return self._page(form, status=400)


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also keeps a logged-in user's choice in its profile so
    it follows the user to every device."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language in dict(django_settings.LANGUAGES)
    ):
        services.profile_update(user=request.user, language=language)
    return response
