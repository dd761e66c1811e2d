"""REST API routes of the releases app, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
# Before "releases" so that "compliance" is not taken for a release id.
router.register("releases/compliance", views.ComplianceViewSet, basename="release-compliance")
router.register("releases", views.ReleaseViewSet, basename="release")
router.register("installed-versions", views.InstalledVersionViewSet, basename="installed-version")
router.register("upgrades", views.UpgradeViewSet, basename="upgrade")
urlpatterns = router.urls
