"""REST API v1: every app registers its viewsets on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from demandloop.core.api_views import MeView
from demandloop.demands.api import DemandViewSet
from demandloop.enterprises.api import EnterpriseViewSet
from demandloop.integrations import api as notify_api
from demandloop.integrations.hotline12345.api import HotlineOrderViewSet
from demandloop.knowledge.api import FaqEntryViewSet
from demandloop.knowledge.case_api import TypicalCaseViewSet, TypicalProblemViewSet
from demandloop.meetings import api as meetings_api
from demandloop.reports.api import IssuedReportViewSet, MonthlyReportView
from demandloop.solicitation.api import CampaignViewSet

router = DefaultRouter()
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("demands", DemandViewSet, basename="demand")
router.register("notifications", notify_api.NotificationViewSet, basename="notification")
router.register(
    "notification-preferences", notify_api.NotificationPreferenceViewSet, basename="notification-preference"
)
router.register("deliveries", notify_api.OutboxMessageViewSet, basename="delivery")
router.register("whistles", meetings_api.WhistleViewSet, basename="whistle")
router.register("meetings", meetings_api.MeetingViewSet, basename="meeting")
router.register("supervisions", meetings_api.SupervisionViewSet, basename="supervision")
router.register("hotline-orders", HotlineOrderViewSet, basename="hotline-order")
router.register("faq", FaqEntryViewSet, basename="faq")
router.register("solicitations", CampaignViewSet, basename="solicitation")
router.register("cases", TypicalCaseViewSet, basename="case")
router.register("typical-problems", TypicalProblemViewSet, basename="typical-problem")
router.register("reports/issued", IssuedReportViewSet, basename="issued-report")

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("routing/", include("demandloop.routing.urls_api")),
    path("reports/monthly/", MonthlyReportView.as_view(), name="api-monthly-report"),
    path("integrations/city/", include("demandloop.integrations.city_platform.urls_api")),
    path("", include(router.urls)),
]
