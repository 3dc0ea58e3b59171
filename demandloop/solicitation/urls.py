"""Pages of solicitation campaigns, mounted at /solicitation/."""

from django.urls import path

from demandloop.solicitation import views

urlpatterns = [
    path("", views.campaign_list, name="solicitation_list"),
    path("new/", views.campaign_create, name="solicitation_create"),
    path("<int:pk>/", views.campaign_detail, name="solicitation_detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="solicitation_edit"),
    path("<int:pk>/delete/", views.campaign_delete, name="solicitation_delete"),
    path("<int:pk>/export.xlsx", views.campaign_export, name="solicitation_export"),
    path("<int:pk>/reply/<int:target_pk>/template.xlsx", views.reply_template, name="solicitation_template"),
    path("<int:pk>/reply/<int:target_pk>/<slug:action>/", views.reply_change, name="solicitation_reply"),
    path("<int:pk>/<slug:action>/", views.campaign_change, name="solicitation_change"),
]
