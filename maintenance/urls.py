"""Partner portal pages of the maintenance app."""

from django.urls import path

from . import views
from .atom import OutageFeed

app_name = "maintenance"
urlpatterns = [
    path("", views.CalendarView.as_view(), name="calendar"),
    path("changes/<int:pk>/", views.ChangeDetailView.as_view(), name="change"),
    path("changes/<int:pk>/reschedule/", views.RescheduleView.as_view(), name="reschedule"),
    path("changes/request/", views.ChangeRequestView.as_view(), name="change-request"),
    path(
        "reschedule-requests/<int:pk>/choose/",
        views.ChooseAlternativeView.as_view(),
        name="reschedule-choose",
    ),
    path("sso/<int:pk>/", views.SsoChecklistView.as_view(), name="sso"),
    path("patches/", views.PatchListView.as_view(), name="patches"),
    path("patches/<int:pk>/installed/", views.PatchInstalledView.as_view(), name="patch-installed"),
    path("freezes/", views.FreezePeriodListView.as_view(), name="freezes"),
    path("freezes/<int:pk>/", views.FreezePeriodEditView.as_view(), name="freeze-edit"),
    path("freezes/<int:pk>/delete/", views.FreezePeriodDeleteView.as_view(), name="freeze-delete"),
    path("outages/", views.OutageListView.as_view(), name="outages"),
    path(
        "partner-emergencies/",
        views.PartnerEmergencyListView.as_view(),
        name="partner-emergencies",
    ),
    path("outages/<int:pk>/", views.OutageDetailView.as_view(), name="outage"),
    path("status/", views.StatusView.as_view(), name="status"),
    path("status/<int:pk>/", views.CustomerStatusView.as_view(), name="customer-status"),
    path("vulnerability-scan/", views.VulnerabilityScanView.as_view(), name="vulnerability-scan"),
    path("feed/", views.FeedSettingsView.as_view(), name="feed-settings"),
    path("feed/<str:token>.ics", views.feed_view, name="feed"),
    path("feed/<str:token>.atom", OutageFeed(), name="outage-feed"),
]
