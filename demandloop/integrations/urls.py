"""The hub's outbox page, mounted at /deliveries/."""

from django.urls import path

from demandloop.integrations import views

urlpatterns = [
    path("", views.delivery_list, name="delivery_list"),
    path("<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
]
