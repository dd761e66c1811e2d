"""Partner portal pages of the releases app."""

from django.urls import path

from . import views

app_name = "releases"
urlpatterns = [
    path("", views.ReleaseIndexView.as_view(), name="index"),
    path("customers/<int:pk>/", views.CustomerComplianceView.as_view(), name="customer"),
    path("upgrades/<int:pk>/", views.UpgradeDetailView.as_view(), name="upgrade"),
]
