"""Pages of the handbook (高频事项应答手册), mounted at /handbook/."""

from django.urls import path

from demandloop.knowledge import handbook_views as views

urlpatterns = [
    path("", views.handbook, name="handbook"),
    path("handbook.<str:file_format>", views.handbook_download, name="handbook_download"),
    path("new/", views.handbook_new, name="handbook_new"),
    path("<int:pk>/edit/", views.handbook_edit, name="handbook_edit"),
]
