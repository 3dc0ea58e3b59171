"""Every signed-in person's in-app inbox, mounted at /messages/."""

from django.urls import path

from demandloop.integrations import views

urlpatterns = [
    path("", views.message_list, name="message_list"),
    path("unread/", views.message_unread, name="message_unread"),
    path("read-all/", views.message_read_all, name="message_read_all"),
    path("settings/", views.message_settings, name="message_settings"),
    path("<int:pk>/", views.message_open, name="message_open"),
]
