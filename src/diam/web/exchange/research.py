"""The research dataset page and download for programme admins (diam.exchange.research).

Population: the benchmark rows (each organisation's latest submitted or validated assessment of
the model, benchmarking consent given), real and demo organisations never mixed. When frozen
benchmark releases exist, this is where the latest release's population goes instead.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from diam.exchange.research import ResearchRecord, research_zip
from diam.paths import UnknownModel, available_model_ids, model_versions, shipped_model
from diam.scoring.engine import score
from diam.web.accounts.models import User
from diam.web.assessments.models import Answer
from diam.web.audit.services import audit_record
from diam.web.benchmarks.models import BenchmarkEntry
from diam.web.exchange.views import ZIP, _download


def _admin(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not user.is_programme_admin:
        raise PermissionDenied("The research dataset is for programme admins.")
    return user


def research_records(*, model_id: str, version: str, demo: bool) -> list[ResearchRecord]:
    """One record per counted organisation whose latest assessment is on `version`."""
    model = shipped_model(model_id, version)
    rows = (
        BenchmarkEntry.objects.filter(
            model_id=model_id,
            consent=True,
            is_demo=demo,
            assessment__model_version=version,
        )
        .select_related("assessment")
        .prefetch_related(Prefetch("assessment__answers", queryset=Answer.objects.all()))
    )
    records = []
    for row in rows:
        result = score(model, row.assessment.to_core())
        records.append(
            ResearchRecord(
                region=row.region,
                country=row.country,
                org_type=row.org_type,
                size_band=row.size_band,
                year=row.assessed_on.year,
                validated=row.validated,
                stage=result.stage,
                core_stage=result.core_stage,
                branches="".join(result.mastered_branches),
                focus_area_percents={f.code: f.percent for f in result.focus_areas},
                statuses={c.id: str(result.status(c.id)) for c in model.criteria},
            )
        )
    return records


@require_safe
@login_required
def research_page(request: HttpRequest) -> HttpResponse:
    _admin(request)
    versions = [
        {"model": m, "version": v}
        for m in available_model_ids()
        for v in reversed(model_versions(m))
    ]
    context: dict[str, Any] = {"versions": versions, "k": settings.DIAM_BENCHMARK_K}
    return render(request, "exchange/research.html", context)


@require_safe
@login_required
def research_download(request: HttpRequest, model_id: str, version: str) -> HttpResponse:
    user = _admin(request)
    try:
        model = shipped_model(model_id, version)
    except UnknownModel:
        raise Http404("No such model version.") from None
    demo = request.GET.get("population") == "demo"
    records = research_records(model_id=model.id, version=model.version, demo=demo)
    data = research_zip(
        model,
        records,
        k=settings.DIAM_BENCHMARK_K,
        generated_at=timezone.now(),
        population="synthetic demo organisations" if demo else "real organisations",
    )
    audit_record(
        action="export.research_dataset",
        actor=user,
        summary=f"Research dataset {model.id} {model.version}: {len(records)} rows",
        detail={"model": model.id, "version": model.version, "demo": demo, "rows": len(records)},
        request=request,
    )
    suffix = "-demo" if demo else ""
    return _download(data, ZIP, f"diam-research-{model.id}-{model.version}{suffix}.zip")
