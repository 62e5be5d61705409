from django.urls import path

from diam.web.verification import views

urlpatterns = [
    path("programme/verification/", views.verification_queue, name="verification_queue"),
    path(
        "programme/verification/<id:organisation_id>/",
        views.verification_detail,
        name="verification_detail",
    ),
]
