"""Partner portal pages of the capacity app."""

from django.urls import path  # noqa: F401

app_name = "capacity"
urlpatterns: list = []
