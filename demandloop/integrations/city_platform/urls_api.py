"""The city platform's signed endpoints, mounted at /api/v1/integrations/city/."""

from django.urls import path

from demandloop.integrations.city_platform.api import CityDemandView, CityStatusView

urlpatterns = [
    path("status/", CityStatusView.as_view(), name="city-platform-status"),
    path("demands/", CityDemandView.as_view(), name="city-platform-demands"),
]
