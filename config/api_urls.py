"""REST API v1: every app registers its viewsets on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from demandloop.core.api_views import MeView
from demandloop.enterprises.api import EnterpriseViewSet

router = DefaultRouter()
router.register("enterprises", EnterpriseViewSet, basename="enterprise")

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("", include(router.urls)),
]
