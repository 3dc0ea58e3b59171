"""Pages of the reports, mounted at /reports/."""

from django.urls import path

from demandloop.reports import views

urlpatterns = [
    path("monthly/", views.monthly, name="monthly_report"),
    path("monthly/problems/", views.monthly_problems, name="monthly_report_problems"),
    path("monthly/report.docx", views.monthly_docx, name="monthly_report_docx"),
    path("monthly/report.xlsx", views.monthly_xlsx, name="monthly_report_xlsx"),
    path("monthly/issue/", views.monthly_issue, name="monthly_report_issue"),
    path("issued/", views.issued_list, name="issued_report_list"),
    path("issued/<int:pk>/", views.issued_detail, name="issued_report_detail"),
    path("issued/<int:pk>/report.docx", views.issued_docx, name="issued_report_docx"),
    path("issued/<int:pk>/report.xlsx", views.issued_xlsx, name="issued_report_xlsx"),
]
