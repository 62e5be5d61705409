from django.urls import path

from diam.web.benchmarks import views

urlpatterns = [
    path(
        "o/<id:organisation_id>/benchmarks/",
        views.organisation_benchmarks,
        name="organisation_benchmarks",
    ),
    path("programme/statistics/", views.programme_statistics, name="programme_statistics"),
    path("programme/releases/cut/", views.release_cut, name="benchmark_release_cut"),
    path("statistics/", views.public_statistics, name="public_statistics"),
]
