"""URL configuration: admin, REST API v1 with its schema and docs, and the pages."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularSwaggerSplitView

from demandloop.core.schema import SchemaView

admin.site.site_header = _("Demand Loop administration")
admin.site.site_title = _("Demand Loop administration")
admin.site.index_title = _("System administration")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start script as a file of its own, and the page takes its frame's
    # style from a style sheet: the Content Security Policy allows no inline script or <style> element.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    path("api/v1/", include("config.api_urls")),
    path("routing/", include("demandloop.routing.urls")),
    path("meetings/", include("demandloop.meetings.urls")),
    path("deliveries/", include("demandloop.integrations.urls")),
    path("messages/", include("demandloop.integrations.urls_inbox")),
    path("reports/", include("demandloop.reports.urls")),
    path("solicitation/", include("demandloop.solicitation.urls")),
    path("cases/", include("demandloop.knowledge.urls")),
    path("handbook/", include("demandloop.knowledge.handbook_urls")),
    path("hotline/", include("demandloop.integrations.hotline12345.urls")),
    path("", include("demandloop.web.urls")),
]

handler400 = "demandloop.web.views.bad_request"
handler403 = "demandloop.web.views.permission_denied"
handler404 = "demandloop.web.views.page_not_found"
handler500 = "demandloop.web.views.server_error"
