"""Benchmark pages: an organisation among its peers, and programme-wide statistics.

Every figure comes from `diam.stats` (disclosure-checked, with its n) and every chart is a
server-side SVG from `diam.charts` drawn from the same figures; the pages work without
JavaScript (the group switch is links and a GET form).
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from diam.charts import BoxStats, box_plot_svg, distribution_svg, radar_svg
from diam.stats import GroupBenchmark, ProgrammeStatistics, StageRow
from diam.stats.groups import STAGES
from diam.web.accounts.access import organisation_get_for_user
from diam.web.accounts.models import User
from diam.web.benchmarks import selectors
from diam.web.benchmarks.selectors import OrganisationBenchmark
from diam.web.benchmarks.services import older_major_assessment


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _settings_url(organisation_id: int) -> str:
    try:
        return reverse("organisation_settings", kwargs={"organisation_id": organisation_id})
    except NoReverseMatch:
        return f"/o/{organisation_id}/settings/"


def _svg(markup: str) -> str:
    # diam.charts escapes every text it writes; the markup is ours.
    return mark_safe(markup)  # noqa: S308


# --- the organisation's benchmark -------------------------------------------------------------


def _group_rows(ob: OrganisationBenchmark, chosen: GroupBenchmark, url: str) -> list[dict]:
    rows = []
    for g in ob.groups:
        s = g.summary
        rows.append(
            {
                "group": g.group,
                "label": selectors.group_label(g.group),
                "url": f"{url}?{urlencode({'group': g.group.key})}",
                "current": g.group.key == chosen.group.key,
                "shown": g.shown,
                "reason": g.suppressed.message if g.suppressed else "",
                "organisations": s.organisations,
                "median": s.stage.median,
                "rank": s.stage.own_percentile,
            }
        )
    return rows


def _details(ob: OrganisationBenchmark, chosen: GroupBenchmark) -> dict[str, Any]:
    """Figures and charts of the chosen group (only called when the group is shown)."""
    s = chosen.summary
    model, own = ob.model, ob.own
    label = selectors.group_label(chosen.group)
    n = s.organisations.value
    stage_cells = list(zip(STAGES, s.stage.distribution, strict=True))
    hidden_cells = {f.suppressed.message for _, f in stage_cells if f.suppressed is not None}
    distribution = distribution_svg(
        counts=[(f"Stage {st}", f.value if f.shown else None) for st, f in stage_cells],
        highlight=f"Stage {own.stage}" if own is not None else None,
        title=f"Organisations per stage: {label} (n = {n})",
    )
    areas = []
    for fa in model.manifest.focus_areas:
        v = s.focus_areas[fa.code]
        own_value = own.focus_areas.get(fa.code) if own is not None else None
        box = None
        if v.median.shown:
            box = BoxStats(
                p25=v.p25.value,
                median=v.median.value,
                p75=v.p75.value,
                minimum=v.minimum.value,
                maximum=v.maximum.value,
                n=v.count.value,
            )
        areas.append({"fa": fa, "summary": v, "own": own_value, "box": box})
    medians = [a["summary"].median.value for a in areas]
    if own is not None:
        radar = radar_svg(
            axes=[(a["fa"].name, a["own"]) for a in areas],
            peer=medians,
            title=f"Focus areas: {ob.organisation.name} and the peer median of {label}",
        )
    else:
        radar = radar_svg(
            axes=[(a["fa"].name, m) for a, m in zip(areas, medians, strict=True)],
            title=f"Focus areas: peer median of {label}",
        )
    boxes = box_plot_svg(
        rows=[(f"{a['fa'].code} {a['fa'].name}", a["box"], a["own"]) for a in areas],
        title=f"Focus areas: quartiles of {label}"
        + (f", with {ob.organisation.name} as a dot" if own is not None else ""),
        k=ob.k,
        reasons=[a["summary"].median.reason for a in areas],
    )
    branches = [
        {
            "branch": b,
            "share": s.branches[b.id],
            "own": None if own is None else b.id in own.branches,
        }
        for b in model.manifest.branches
    ]
    return {
        "summary": s,
        "stage_cells": stage_cells,
        "hidden_cell_reasons": sorted(hidden_cells),
        "distribution_svg": _svg(distribution),
        "radar_svg": _svg(radar),
        "box_svg": _svg(boxes),
        "areas": areas,
        "branches": branches,
    }


@login_required
@require_safe
def organisation_benchmarks(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation, membership = organisation_get_for_user(
        user=_user(request), organisation_id=organisation_id
    )
    ob = selectors.organisation_benchmark(organisation=organisation)
    chosen = ob.group(request.GET.get("group"))
    url = reverse("organisation_benchmarks", args=[organisation.pk])
    context: dict[str, Any] = {
        "organisation": organisation,
        "membership": membership,
        "ob": ob,
        "model": ob.model,
        "k": ob.k,
        "chosen": chosen,
        "chosen_label": selectors.group_label(chosen.group),
        "group_rows": _group_rows(ob, chosen, url),
        "settings_url": _settings_url(organisation.pk),
        "older_major": (
            None
            if ob.has_position
            else older_major_assessment(organisation.pk, ob.model.id)  # one rule: services
        ),
    }
    if chosen.shown:
        context.update(_details(ob, chosen))
    return render(request, "benchmarks/organisation.html", context)


# --- programme statistics ---------------------------------------------------------------------


def _period(request: HttpRequest) -> str:
    return "quarter" if request.GET.get("period") == "quarter" else "year"


def _statistics(request: HttpRequest, *, k: int, public: bool) -> HttpResponse:
    period = _period(request)
    view = selectors.programme_view(k=k, period=period)
    stats: ProgrammeStatistics = view.statistics
    overall: StageRow = stats.overall
    chart = ""
    if overall.count.shown:
        chart = distribution_svg(
            counts=[
                (f"Stage {st}", f.value if f.shown else None)
                for st, f in zip(STAGES, overall.distribution, strict=True)
            ],
            highlight=None,
            title=f"Organisations per stage, all organisations (n = {overall.count.value})",
        )
    context = {
        "stats": stats,
        "view": view,
        "k": k,
        "public": public,
        "period": period,
        "stages": STAGES,
        "distribution_svg": _svg(chart) if chart else "",
        "overall_rows": [("All organisations", overall)],
        "sections": [
            ("By region", "Region", [(r.label, r) for r in stats.by_region]),
            (
                "By country",
                "Country",
                [(selectors.country_name(r.label), r) for r in stats.by_country],
            ),
            (
                "Over time (by the " + period + " of the latest assessment)",
                period.capitalize(),
                [(r.label, r) for r in stats.over_time],
            ),
        ],
    }
    return render(request, "benchmarks/statistics.html", context)


@login_required
@require_safe
def programme_statistics(request: HttpRequest) -> HttpResponse:
    """Every figure (k = 1): for programme admins only."""
    if not _user(request).is_programme_admin:
        raise PermissionDenied("Only programme admins can see the programme statistics.")
    return _statistics(request, k=1, public=False)


@require_safe
def public_statistics(request: HttpRequest) -> HttpResponse:
    """The same statistics with the programme's k: only disclosure-safe figures."""
    return _statistics(request, k=settings.DIAM_BENCHMARK_K, public=True)
