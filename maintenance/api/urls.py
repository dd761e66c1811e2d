"""REST API routes of the maintenance app, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("changes", views.ChangeViewSet, basename="change")
router.register(
    "reschedule-requests", views.RescheduleRequestViewSet, basename="reschedule-request"
)
router.register("certificates", views.CertificateViewSet, basename="certificate")
router.register("sso-checklists", views.SsoChecklistViewSet, basename="sso-checklist")
router.register("patch-requests", views.PatchRequestViewSet, basename="patch-request")
router.register("outages", views.OutageViewSet, basename="outage")
router.register("freeze-periods", views.FreezePeriodViewSet, basename="freeze-period")
router.register("partner-emergencies", views.PartnerEmergencyViewSet, basename="partner-emergency")

urlpatterns = [
    path("maintenance-windows/", views.MaintenanceWindowView.as_view(), name="maintenance-windows"),
    path(
        "vulnerability-scan-requests/",
        views.VulnerabilityScanRequestView.as_view(),
        name="vulnerability-scan-requests",
    ),
    path("calendar-feed/", views.CalendarFeedView.as_view(), name="calendar-feed"),
    *router.urls,
]
