from django.urls import path
from django.views.generic import RedirectView

from diam.web.api import views
from diam.web.api.api import api

urlpatterns = [
    # The API's root leads to its documentation (ninja's own root answers 404 unless DEBUG).
    path("api/", RedirectView.as_view(pattern_name="api:openapi-view"), name="api_root"),
    path("api/", api.urls),
    # Anything else under /api/ answers in JSON too (not an OpenAPI operation: see the test).
    path("api/<path:rest>", views.api_not_found, name="api_not_found"),
    path("o/<id:organisation_id>/tokens/", views.tokens, name="api_tokens"),
    path(
        "o/<id:organisation_id>/tokens/<id:token_id>/revoke/",
        views.token_revoke_view,
        name="api_token_revoke",
    ),
]
