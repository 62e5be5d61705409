"""The programme console: a programme admin's home and its read-only pages.

Every view checks the role first (`access.programme_admin_get`): 403 for anyone else signed
in, a sign-in redirect for anonymous visitors. Nothing here changes an organisation or a
result; actions stay on the pages of the apps that own them (validation, verification,
benchmarks), which the console links to.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_safe

from diam.web.accounts.access import memberships_of
from diam.web.benchmarks import selectors as benchmarks
from diam.web.benchmarks.models import Population
from diam.web.programme import selectors, services
from diam.web.programme.access import programme_admin_get
from diam.web.programme.forms import CertificateFilterForm, OrganisationFilterForm

PAGE_SIZE = 25


def _query_without_page(request: HttpRequest) -> str:
    return urlencode({k: v for k, v in request.GET.items() if k != "page" and v})


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Organisations (search, filters, pages) and what waits for the programme."""
    user = programme_admin_get(request)
    form = OrganisationFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        page = None
        filters = selectors.OrganisationFilters()
    else:
        filters = selectors.OrganisationFilters.from_cleaned(
            form.cleaned_data if form.is_bound else {}
        )
        page = Paginator(selectors.organisation_list(filters), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    context: dict[str, Any] = {
        "tab": "organisations",
        "form": form,
        "filters": filters,
        "page": page,
        "query": _query_without_page(request),
        "attention": selectors.attention(),
        "memberships": memberships_of(user),
    }
    return render(request, "programme/home.html", context, status=400 if page is None else 200)


@login_required
@require_safe
def organisation(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """One organisation as the programme sees it: read-only."""
    programme_admin_get(request)
    found = selectors.organisation_get(organisation_id)
    if found is None:
        raise Http404("No such organisation.")
    return render(
        request,
        "programme/organisation.html",
        {"tab": "organisations", "summary": selectors.organisation_summary(found)},
    )


@login_required
@require_safe
def certificates(request: HttpRequest) -> HttpResponse:
    """Every validation decision's certificate with its expiry: expiring within 90 days
    highlighted, expired, revoked, superseded."""
    programme_admin_get(request)
    form = CertificateFilterForm(request.GET or None)
    state = "all"
    if form.is_bound and form.is_valid():
        state = form.cleaned_data.get("state") or "all"
    today = timezone.localdate()
    page = Paginator(selectors.certificate_list(state=state, today=today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [selectors.certificate_row(d, today=today) for d in page.object_list]
    return render(
        request,
        "programme/certificates.html",
        {
            "tab": "certificates",
            "form": form,
            "state": state,
            "page": page,
            "rows": rows,
            "query": _query_without_page(request),
            "expiring_days": selectors.EXPIRING_DAYS,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_safe
def models(request: HttpRequest) -> HttpResponse:
    """Installed models and versions, their criteria, and which version benchmarks compare."""
    programme_admin_get(request)
    return render(
        request,
        "programme/models.html",
        {"tab": "models", "rows": selectors.installed_models()},
    )


@login_required
@require_safe
def statistics_csv(request: HttpRequest) -> HttpResponse:
    """The programme statistics page's figures as CSV (the same release, the same guard)."""
    user = programme_admin_get(request)
    population = benchmarks.public_population()
    if benchmarks.demo_mode() and request.GET.get("population") in Population.values:
        population = str(request.GET["population"])
    period = "quarter" if request.GET.get("period") == "quarter" else "year"
    try:
        export = services.statistics_export(
            user=user, population=population, period=period, request=request
        )
    except services.ExportRefused as exc:
        messages.error(request, str(exc))
        return redirect("programme_statistics")
    response = HttpResponse(export.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, export.filename)
    response["Cache-Control"] = "private, no-store"
    return response
