from django.urls import path

from diam.web.assessments import carried, profile, progress, upgrade, views

# Criterion ids (SI-01) and focus-area codes (SI) are upper-case; `str` keeps the patterns
# simple and the views answer 404 for anything the assessment's model does not define.
urlpatterns = [
    path("o/<id:organisation_id>/", views.organisation_dashboard, name="organisation"),
    path(
        "o/<id:organisation_id>/assessments/new/",
        views.assessment_new,
        name="assessment_new",
    ),
    path(
        "o/<id:organisation_id>/progress/",
        progress.progress_view,
        name="organisation_progress",
    ),
    path(
        "o/<id:organisation_id>/progress/compare/",
        progress.compare_view,
        name="organisation_compare",
    ),
    path("a/<id:assessment_id>/", views.assessment_start, name="assessment"),
    path("a/<id:assessment_id>/s/<str:code>/", views.section, name="assessment_section"),
    path(
        "a/<id:assessment_id>/answer/<str:criterion_id>/",
        views.answer_save_view,
        name="assessment_answer",
    ),
    path(
        "a/<id:assessment_id>/s/<str:code>/confirm/",
        carried.section_confirm_view,
        name="assessment_section_confirm",
    ),
    path(
        "a/<id:assessment_id>/confirm/<str:criterion_id>/",
        carried.answer_confirm_view,
        name="assessment_answer_confirm",
    ),
    path(
        "a/<id:assessment_id>/history/<str:criterion_id>/",
        views.answer_history_view,
        name="assessment_answer_history",
    ),
    path(
        "a/<id:assessment_id>/evidence/file/<str:token>/",
        views.evidence_download,
        name="assessment_evidence_file",
    ),
    path(
        "a/<id:assessment_id>/evidence/file/<str:token>/remove/",
        views.evidence_remove_view,
        name="assessment_evidence_remove",
    ),
    path(
        "a/<id:assessment_id>/evidence/<str:criterion_id>/",
        views.evidence_upload,
        name="assessment_evidence",
    ),
    path("a/<id:assessment_id>/assign/", views.assign, name="assessment_assign"),
    path("a/<id:assessment_id>/submit/", views.submit, name="assessment_submit"),
    path("a/<id:assessment_id>/reopen/", views.reopen, name="assessment_reopen"),
    path("a/<id:assessment_id>/results/", views.results, name="assessment_results"),
    path("a/<id:assessment_id>/profile/", profile.service_profile, name="assessment_profile"),
    path("a/<id:assessment_id>/upgrade/", upgrade.upgrade_preview_view, name="assessment_upgrade"),
]
