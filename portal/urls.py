"""URL configuration: portal pages, the staff admin, the REST API and its schema."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from . import automation_views, health, metrics, views
from .api.schema import CachedSpectacularAPIView

portal_patterns = (
    [
        path("", views.DashboardView.as_view(), name="dashboard"),
        path("customers/", views.CustomerListView.as_view(), name="customers"),
        path("customers/<int:pk>/", views.CustomerDetailView.as_view(), name="customer"),
        path("contacts/", views.ContactListView.as_view(), name="contacts"),
        path("contacts/new/", views.ContactEditView.as_view(), name="contact-create"),
        path("contacts/<int:pk>/", views.ContactEditView.as_view(), name="contact-edit"),
        path("contacts/<int:pk>/delete/", views.ContactDeleteView.as_view(), name="contact-delete"),
        path("contacts/confirm/", views.ContactsConfirmView.as_view(), name="contacts-confirm"),
        path("settings/", views.SettingsView.as_view(), name="settings"),
        path("settings/tokens/", automation_views.TokenListView.as_view(), name="tokens"),
        path(
            "settings/tokens/<str:token_id>/revoke/",
            automation_views.TokenRevokeView.as_view(),
            name="token-revoke",
        ),
        path("settings/webhooks/", automation_views.WebhookListView.as_view(), name="webhooks"),
        path("users/", views.UserListView.as_view(), name="users"),
        path(
            "users/<int:pk>/deactivate/", views.UserDeactivateView.as_view(), name="user-deactivate"
        ),
    ],
    "portal",
)

api_patterns = [
    path("", include("portal.api.urls")),
    path("", include("cases.api.urls")),
    path("", include("maintenance.api.urls")),
    path("", include("capacity.api.urls")),
    path("", include("releases.api.urls")),
]

handler404 = "portal.views.page_not_found"

urlpatterns = [
    # Exactly these paths: no trailing slash, no redirect, no login (portal/health.py).
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("", include(portal_patterns)),
    path("cases/", include("cases.urls")),
    path("maintenance/", include("maintenance.urls")),
    path("capacity/", include("capacity.urls")),
    path("releases/", include("releases.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url="/accounts/login/"),
        name="password_reset_confirm",
    ),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Staff sign-in through the operator's OpenID Connect provider (404 unless enabled).
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("api/v1/", include(api_patterns)),
    path("api/schema/", CachedSpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]
