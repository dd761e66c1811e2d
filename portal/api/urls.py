from django.urls import path
from rest_framework.routers import SimpleRouter

from . import automation, views

router = SimpleRouter()
router.register("partners", views.PartnerViewSet, basename="partner")
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("users", views.UserViewSet, basename="user")
router.register("webhooks", automation.WebhookEndpointViewSet, basename="webhook")
router.register("tokens", automation.ApiTokenViewSet, basename="api-token")
urlpatterns = [path("me/", views.MeView.as_view(), name="me"), *router.urls]
