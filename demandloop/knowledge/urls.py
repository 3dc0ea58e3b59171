"""Pages of the quality module (typical cases, the annual selection), mounted at /cases/."""

from django.urls import path

from demandloop.knowledge import views

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/<int:demand_pk>/", views.case_nominate, name="case_nominate"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("<int:pk>/review/<slug:decision>/", views.case_review, name="case_review"),
    path("selection/", views.case_selection, name="case_selection"),
    path("selection/publish/", views.case_selection_publish, name="case_selection_publish"),
    path("selection/unpublish/", views.case_selection_unpublish, name="case_selection_unpublish"),
    path("casebook/", views.case_casebook, name="case_casebook"),
    path("showcase/", views.case_showcase, name="case_showcase"),
    path("problems/", views.problem_list, name="problem_list"),
    path("problems/new/", views.problem_record, name="problem_record"),
    path("problems/clusters/", views.problem_clusters, name="problem_clusters"),
    path("problems/<int:pk>/", views.problem_detail, name="problem_detail"),
    path("problems/<int:pk>/agenda/", views.problem_table, name="problem_table"),
]
