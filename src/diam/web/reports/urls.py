from django.urls import path

from diam.web.reports import views

urlpatterns = [
    path("a/<id:assessment_id>/report/", views.report_page, name="assessment_report"),
    path("a/<id:assessment_id>/report.pdf", views.report_pdf, name="assessment_report_pdf"),
    path("a/<id:assessment_id>/report.docx", views.report_docx, name="assessment_report_docx"),
    path("a/<id:assessment_id>/report.xlsx", views.report_xlsx, name="assessment_report_xlsx"),
    path(
        "a/<id:assessment_id>/checklist.xlsx",
        views.checklist_xlsx,
        name="assessment_checklist_xlsx",
    ),
    path(
        "a/<id:assessment_id>/checklist.csv",
        views.checklist_csv,
        name="assessment_checklist_csv",
    ),
    path("reports/report.css", views.stylesheet, name="report_css"),
]
