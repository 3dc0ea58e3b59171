"""Page routes of the router, included under /routing/."""

from django.urls import path

from demandloop.routing.views import decision_partial

urlpatterns = [path("decision/", decision_partial, name="routing_decision")]
