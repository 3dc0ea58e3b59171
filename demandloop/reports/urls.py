"""Pages of the reports, mounted at /reports/."""

from django.urls import path

from demandloop.reports import views

urlpatterns = [
    path("monthly/", views.monthly, name="monthly_report"),
    path("monthly/problems/", views.monthly_problems, name="monthly_report_problems"),
    path("monthly/report.docx", views.monthly_docx, name="monthly_report_docx"),
    path("monthly/report.xlsx", views.monthly_xlsx, name="monthly_report_xlsx"),
]
