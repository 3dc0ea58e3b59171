"""REST API v1: every app registers its viewsets on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from demandloop.core.api_views import MeView

router = DefaultRouter()

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("", include(router.urls)),
]
