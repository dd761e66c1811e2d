"""Partner portal pages of the capacity app."""

from django.urls import path

from . import views

app_name = "capacity"
urlpatterns = [
    path("", views.CapacityListView.as_view(), name="index"),
    path("customers/<int:pk>/", views.CustomerCapacityView.as_view(), name="customer"),
    path(
        "customers/<int:pk>/request/",
        views.CapacityRequestCreateView.as_view(),
        name="request-create",
    ),
    path("customers/<int:pk>/activation/", views.ActivationView.as_view(), name="activation"),
    path("requests/", views.CapacityRequestListView.as_view(), name="requests"),
    path("requests/<int:pk>/", views.CapacityRequestDetailView.as_view(), name="request"),
    path(
        "requests/<int:pk>/edit/", views.CapacityRequestUpdateView.as_view(), name="request-edit"
    ),
    path(
        "requests/<int:pk>/withdraw/",
        views.CapacityRequestWithdrawView.as_view(),
        name="request-withdraw",
    ),
]
