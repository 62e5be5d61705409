from django.urls import path

from diam.web.validation.views import downloads, organisation, programme, public, review

urlpatterns = [
    # The organisation
    path(
        "a/<id:assessment_id>/validation/request/",
        organisation.request_new,
        name="validation_request",
    ),
    path(
        "o/<id:organisation_id>/recognition/",
        organisation.recognition,
        name="organisation_recognition",
    ),
    path("waiting/", organisation.waiting, name="waiting"),
    # One validation, for every party to it
    path("validation/<id:validation_id>/", review.overview, name="validation"),
    path(
        "validation/<id:validation_id>/c/<str:criterion_id>/",
        review.criterion,
        name="validation_criterion",
    ),
    path(
        "validation/<id:validation_id>/evidence/<str:token>/",
        review.evidence_file,
        name="validation_evidence",
    ),
    path("validation/<id:validation_id>/visit/", review.visit, name="validation_visit"),
    path("validation/<id:validation_id>/decide/", review.decide, name="validation_decide"),
    path("validation/<id:validation_id>/withdraw/", review.withdraw, name="validation_withdraw"),
    path(
        "validation/<id:validation_id>/certificate.pdf",
        downloads.certificate,
        name="validation_certificate",
    ),
    path(
        "validation/<id:validation_id>/credential.json",
        downloads.credential,
        name="validation_credential",
    ),
    # The programme
    path("programme/validations/", programme.queue, name="programme_validations"),
    path("programme/validators/", programme.validators, name="programme_validators"),
    path(
        "programme/validators/<id:user_id>/revoke/",
        programme.validator_remove,
        name="programme_validator_revoke",
    ),
    path("validation/<id:validation_id>/assign/", programme.assign, name="validation_assign"),
    path(
        "validation/<id:validation_id>/unassign/<id:user_id>/",
        programme.unassign,
        name="validation_unassign",
    ),
    path("validation/<id:validation_id>/revoke/", programme.revoke, name="validation_revoke"),
    # Public
    path("registry/", public.registry, name="registry"),
    path("badge/<str:token>.svg", public.badge, name="badge"),
    path("verify/", public.verify, name="verify"),
    path("verify/<str:code>/", public.verify_code, name="verify_code"),
    path("keys/credentials.json", public.credential_keys, name="credential_keys"),
]
