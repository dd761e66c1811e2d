"""REST API routes of the capacity app, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("capacity", views.CapacityViewSet, basename="capacity")
router.register("capacity-requests", views.CapacityRequestViewSet, basename="capacity-request")
urlpatterns = router.urls
