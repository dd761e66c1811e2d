"""Staff UI of the tenancy core."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import notifications, services
from .admin_actions import ServiceAdmin
from .admin_times import time_column
from .calendars import calendars_missing_holidays, holiday_years_reached
from .choices import Category
from .identity import username_problem
from .models import (
    BusinessCalendar,
    Contact,
    Customer,
    Delivery,
    Holiday,
    Notification,
    Partner,
    PartnerMembership,
    UserProfile,
)


class CustomerInline(admin.TabularInline):
    model = Customer
    extra = 0
    fields = ["name", "region", "contract_number", "sso_enabled"]
    show_change_link = True


class MembershipInline(admin.TabularInline):
    model = PartnerMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "language",
        time_column(Partner, "contacts_confirmed_at"),
        time_column(Partner, "contact_review_requested_at"),
        time_column(Partner, "created_at"),
    ]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CustomerInline, MembershipInline]
    date_hierarchy = "created_at"


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "partner", "region", "contract_number", "sso_enabled"]
    list_filter = ["region", "sso_enabled", "partner"]
    search_fields = ["name", "contract_number", "partner__name"]
    autocomplete_fields = ["partner"]
    list_select_related = ["partner"]


class ContactAdminForm(forms.ModelForm):
    """A contact and its categories in one form, saved by ``contact_create``/``contact_update``
    (R-NOT-1): the same checks as the portal page and the API."""

    categories = forms.MultipleChoiceField(
        label=_("Categories"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Contact
        fields = ["partner", "customer", "name", "email", "phone", "language", "chat_webhook_url"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["categories"] = list(
                self.instance.subscriptions.values_list("category", flat=True)
            )

    def _post_clean(self) -> None:
        """Leave every rule to the service (the model's own unique check would run first)."""
        self._validate_unique = False
        super()._post_clean()


@admin.register(Contact)
class ContactAdmin(ServiceAdmin):
    form = ContactAdminForm
    list_display = [
        "name",
        "email",
        "phone",
        "partner",
        "customer",
        time_column(Contact, "delivery_failing_since"),
    ]
    list_filter = ["subscriptions__category", "partner", "delivery_failing_since"]
    search_fields = ["name", "email", "partner__name", "customer__name"]
    autocomplete_fields = ["partner", "customer"]
    list_select_related = ["partner", "customer"]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return ["partner"] if obj is not None else []  # a contact stays with its partner

    def service_save(self, request, obj: Contact, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.contact_update(
                user=request.user,
                contact=obj,
                categories=data["categories"],
                **{
                    k: data[k]
                    for k in ("customer", "name", "email", "phone", "language", "chat_webhook_url")
                },
            )
            return
        saved = services.contact_create(
            user=request.user,
            partner=data["partner"],
            customer=data["customer"],
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            language=data["language"],
            chat_webhook_url=data["chat_webhook_url"],
            categories=data["categories"],
        )
        obj.pk = saved.pk

    def service_save_related(self, request, form, formsets, change: bool) -> None:
        """The service wrote the categories."""

    def delete_model(self, request, obj: Contact) -> None:
        services.contact_delete(user=request.user, contact=obj)


@admin.register(PartnerMembership)
class PartnerMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "partner", "role"]
    list_filter = ["role", "partner"]
    search_fields = ["user__username", "user__email", "partner__name"]
    autocomplete_fields = ["user", "partner"]
    list_select_related = ["user", "partner"]


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["channel", "recipient", "language", "status", "attempts", "sent_at", "last_error"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Events of the outbox; their deliveries inline (read-only: the outbox writes them)."""

    list_display = [
        time_column(Notification, "created_at"),
        "kind",
        "category",
        "partner",
        "dedupe_key",
        time_column(Notification, "fanned_out_at"),
    ]
    list_filter = ["kind", "category", "partner"]
    search_fields = ["dedupe_key", "kind"]
    date_hierarchy = "created_at"
    list_select_related = ["partner"]
    readonly_fields = [
        "kind",
        "partner",
        "customer",
        "category",
        "context",
        "addresses",
        "content_type",
        "object_id",
        "dedupe_key",
        "created_at",
        "fanned_out_at",
    ]
    fields = readonly_fields
    inlines = [DeliveryInline]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Every message sent or waiting: to whom, through which channel, and how it went."""

    list_display = [
        time_column(Delivery, "created_at"),
        "recipient",
        "channel",
        "kind",
        "partner",
        "status",
        "attempts",
        time_column(Delivery, "sent_at"),
    ]
    list_filter = ["status", "channel", "notification__kind", "partner"]
    search_fields = ["recipient", "notification__dedupe_key"]
    date_hierarchy = "created_at"
    list_select_related = ["partner", "notification"]
    readonly_fields = [
        "notification",
        "partner",
        "contact",
        "channel",
        "recipient",
        "language",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
        "preview",
    ]
    fields = readonly_fields
    actions = ["retry"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("kind"), ordering="notification__kind")
    def kind(self, obj: Delivery) -> str:
        return obj.notification.kind

    @admin.display(description=_("message"))
    def preview(self, obj: Delivery) -> str:
        try:
            rendered = obj.rendered()
        except Exception as exc:  # noqa: BLE001 - staff see why it cannot be rendered
            return str(exc)
        return f"{rendered.subject}\n\n{rendered.text}"

    @admin.action(description=_("Retry delivery of the selected notifications"))
    def retry(self, request, queryset) -> None:
        count = notifications.notification_retry(ids=queryset.values_list("id", flat=True))
        self.message_user(
            request, _("%(count)d notifications queued again.") % {"count": count}, messages.SUCCESS
        )


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1
    ordering = ["-date"]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = [
        "region",
        "timezone",
        "workday_start",
        "workday_end",
        "workdays",
        "holiday_country",
    ]
    inlines = [HolidayInline]
    actions = ["prefill_holidays"]
    change_list_template = "admin/portal/businesscalendar_change_list.html"

    def changelist_view(self, request, extra_context=None):
        """Staff see every calendar without holidays for a year that due times reach."""
        extra_context = {
            **(extra_context or {}),
            "calendars_missing_holidays": calendars_missing_holidays(years=holiday_years_reached()),
        }
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Pre-fill public holidays (this year and the next two)"))
    def prefill_holidays(self, request, queryset) -> None:
        from django.utils import timezone

        from .calendars import calendar_prefill_holidays

        year = timezone.now().year
        added = sum(
            calendar_prefill_holidays(calendar=c, years=range(year, year + 3)) for c in queryset
        )
        self.message_user(
            request, _("%(count)d holidays added.") % {"count": added}, messages.SUCCESS
        )


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "calendar"]
    list_filter = ["calendar"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    """A user's language and time zone; blank means the default (DOMAIN.md: "Times shown to
    people")."""

    list_display = ["user", "language", "time_zone"]
    list_filter = ["language"]
    search_fields = ["user__username", "user__email", "time_zone"]
    autocomplete_fields = ["user"]


# --- Users: staff create and rename accounts with Django's forms, plus the look-alike check --


def _clean_username(form: AdminUserCreationForm | UserChangeForm) -> str:
    username = form.cleaned_data.get("username", "")
    problem = username_problem(username)
    if problem:
        raise ValidationError(problem)
    return username


class PortalUserCreationForm(AdminUserCreationForm):
    def clean_username(self) -> str:
        super().clean_username()
        return _clean_username(self)


class PortalUserChangeForm(UserChangeForm):
    def clean_username(self) -> str:
        username = _clean_username(self)
        clash = (
            get_user_model()
            .objects.filter(username__iexact=username)
            .exclude(pk=self.instance.pk)
            .exists()
        )
        if clash:
            raise ValidationError(_("This username is taken."))
        return username


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class PortalUserAdmin(UserAdmin):
    add_form = PortalUserCreationForm
    form = PortalUserChangeForm


# Partner automation (webhooks, API tokens) and the sign-in protection (django-axes).
from . import automation_admin, signin_admin  # noqa: E402, F401
