"""Pages of the 12345 work orders, mounted at /hotline/ (see `views`)."""

from django.urls import path

from demandloop.integrations.hotline12345 import views

urlpatterns = [
    path("", views.hotline_orders, name="hotline_orders"),
    path("import/", views.hotline_import, name="hotline_import"),
    path("<int:pk>/link/", views.hotline_link, name="hotline_link"),
    path("retry/", views.hotline_retry, name="hotline_retry"),
]
