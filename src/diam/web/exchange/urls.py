from django.urls import path

from diam.web.exchange import research, views

urlpatterns = [
    path("programme/research/", research.research_page, name="research"),
    path(
        "programme/research/<slug:model_id>/<str:version>.zip",
        research.research_download,
        name="research_download",
    ),
    path("a/<id:assessment_id>/data/", views.assessment_data, name="assessment_data"),
    path("a/<id:assessment_id>/answers.json", views.export_answers, name="assessment_answers_json"),
    path("a/<id:assessment_id>/bundle.zip", views.export_bundle, name="assessment_bundle"),
    path("a/<id:assessment_id>/fhir.json", views.export_fhir, name="assessment_fhir"),
    path("a/<id:assessment_id>/answers.csv", views.export_csv, name="assessment_answers_csv"),
    path("a/<id:assessment_id>/workbook.xlsx", views.export_workbook, name="assessment_workbook"),
    path(
        "a/<id:assessment_id>/workbook/upload/",
        views.upload_workbook,
        name="assessment_workbook_upload",
    ),
    path("o/<id:organisation_id>/data/", views.organisation_data, name="organisation_data"),
    path(
        "o/<id:organisation_id>/data/import/",
        views.organisation_import,
        name="organisation_import",
    ),
    path(
        "o/<id:organisation_id>/answers.csv",
        views.organisation_answers_csv,
        name="organisation_answers_csv",
    ),
    path(
        "o/<id:organisation_id>/results.csv",
        views.organisation_results_csv,
        name="organisation_results_csv",
    ),
    path(
        "models/<slug:model_id>/<str:version>/workbook.xlsx",
        views.model_workbook,
        name="model_workbook",
    ),
    path(
        "models/<slug:model_id>/<str:version>/questionnaire.json",
        views.model_questionnaire,
        name="model_questionnaire",
    ),
]
