from django.urls import path

from diam.web.audit import views

urlpatterns = [
    path("o/<id:organisation_id>/audit/", views.organisation_log, name="organisation_audit"),
    path(
        "o/<id:organisation_id>/audit.csv",
        views.organisation_log_csv,
        name="organisation_audit_csv",
    ),
    path("programme/audit/", views.programme_log, name="programme_audit"),
    path("programme/audit.csv", views.programme_log_csv, name="programme_audit_csv"),
]
