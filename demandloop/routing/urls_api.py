"""API routes of the router, included under /api/v1/routing/."""

from django.urls import path

from demandloop.routing.api import CommonProblemsView, RoutingDecisionView

urlpatterns = [
    path("decisions/", RoutingDecisionView.as_view(), name="routing-decision"),
    path("common-problems/", CommonProblemsView.as_view(), name="routing-common-problems"),
]
