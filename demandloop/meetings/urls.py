"""Pages of whistles and meetings, mounted at /meetings/."""

from django.urls import path

from demandloop.meetings import views

urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("new/", views.meeting_create, name="meeting_create"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/minutes.docx", views.meeting_minutes, name="meeting_minutes"),
    path("<int:pk>/<slug:what>/", views.meeting_change, name="meeting_change"),
]
