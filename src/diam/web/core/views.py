from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from diam.paths import shipped_model
from diam.web.accounts.access import memberships_of
from diam.web.core.health import health_checks


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Signed in: the user's organisations (straight to the only one), or for programme
    admins the programme console (which lists their own organisations too); else the landing
    page."""
    if request.user.is_authenticated:
        if request.user.is_programme_admin:  # type: ignore[union-attr]
            return redirect("programme_console")
        memberships = memberships_of(request.user)  # type: ignore[arg-type]
        if len(memberships) == 1:
            return redirect("organisation", organisation_id=memberships[0].organisation_id)
        return render(request, "core/organisations.html", {"memberships": memberships})
    return render(request, "core/landing.html", {"model": shipped_model()})


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "core/about.html", {"model": shipped_model()})


@require_safe
def healthz_live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers (no dependency checked; the benchmarks' hello-world)."""
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness for load balancers: 200 when the database answers, every migration is
    applied and the data directory is writable; 503 naming what failed otherwise."""
    checks = health_checks()
    ok = all(c["ok"] for c in checks.values())
    response = JsonResponse({"status": "ok" if ok else "failing", "checks": checks})
    response.status_code = 200 if ok else 503
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def dev_outbox(request: HttpRequest) -> HttpResponse:
    """The development outbox (diam.web.core.outbox): e-mails this server sent, newest first.

    Registered only in development (settings.DIAM_DEV_OUTBOX); open without signing in, since
    the person following an invitation or reset link is not signed in yet. The check here
    guards against the URL being included by mistake elsewhere.
    """
    if not settings.DIAM_DEV_OUTBOX:
        raise Http404("The outbox exists only in development.")
    from diam.web.core.outbox import outbox_list, with_links_to

    # E-mails link to DIAM_SITE_URL (http://127.0.0.1:8000 unless set); a development server
    # started on another port would leave every link dead, so they are pointed here, and said so.
    site = settings.SITE_URL.rstrip("/")
    here = request.build_absolute_uri("/").rstrip("/")
    sent = outbox_list()
    if here != site:
        sent = [with_links_to(m, site=site, here=here) for m in sent]
    response = render(
        request,
        "core/dev_outbox.html",
        {
            "messages_sent": sent,
            "directory": settings.EMAIL_FILE_PATH,
            "site_url": site,
            "here": here,
        },
    )
    response["Cache-Control"] = "no-store"
    return response
