from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from diam.paths import shipped_model
from diam.web.accounts.access import memberships_of


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Signed in: the user's organisations (straight to the only one); else the landing page."""
    if request.user.is_authenticated:
        memberships = memberships_of(request.user)  # type: ignore[arg-type]
        if len(memberships) == 1:
            return redirect("organisation", organisation_id=memberships[0].organisation_id)
        return render(request, "core/organisations.html", {"memberships": memberships})
    return render(request, "core/landing.html", {"model": shipped_model()})


@require_GET
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "core/about.html", {"model": shipped_model()})


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
