"""URLs of the benchmark server: the reference views (see autosave_site.py) and the app's."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST


@require_GET
@login_required
def signed_in(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_POST
@login_required
def write(request: HttpRequest) -> HttpResponse:
    from diam.web.assessments.models import Assessment

    with transaction.atomic():
        Assessment.objects.filter(pk=int(request.POST["assessment"])).update(
            updated_at=timezone.now()
        )
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/signed-in/", signed_in),
    path("bench/write/", write),
    path("", include("diam.web.urls")),
]
