from django.urls import path

from diam.web.programme import views

urlpatterns = [
    path("programme/", views.home, name="programme_console"),
    path(
        "programme/organisations/<id:organisation_id>/",
        views.organisation,
        name="programme_organisation",
    ),
    path("programme/certificates/", views.certificates, name="programme_certificates"),
    path("programme/models/", views.models, name="programme_models"),
    path("programme/statistics.csv", views.statistics_csv, name="programme_statistics_csv"),
]
