"""Benchmark pages: an organisation among its peers, programme-wide statistics, releases.

Every figure comes from the latest release (`diam.stats`: disclosure-checked across all pages
and releases, each with its n) and every chart is a server-side SVG from `diam.charts` drawn
from the same figures; the pages work without JavaScript (the group switch is links and a GET
form; cutting a release is a POST form).
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST, require_safe

from diam.charts import BoxStats, box_plot_svg, distribution_svg, radar_svg
from diam.stats import STAGE, STAGES, GroupView, area_family, over_time
from diam.web.accounts.access import organisation_get_for_user
from diam.web.accounts.models import User
from diam.web.benchmarks import selectors, services
from diam.web.benchmarks.models import Population, Trigger
from diam.web.benchmarks.selectors import OrganisationBenchmark
from diam.web.benchmarks.services import older_major_assessment
from diam.web.core.countries import sorted_by_name


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


def _group_rows(ob: OrganisationBenchmark, chosen: GroupView, url: str) -> list[dict[str, Any]]:
    rows = []
    for g in ob.groups:
        s = g.stage
        rows.append(
            {
                "group": g.group,
                "label": selectors.group_label(g.group),
                "url": f"{url}?{urlencode({'group': g.group.key})}",
                "current": g.group.key == chosen.group.key,
                "shown": g.shown,
                "reason": g.reason.message if g.reason else "",
                "organisations": s.organisations,
                "mean": s.mean,
                "median": s.median,
                "band": g.stage_band,
                "since": selectors.unchanged_since(g.record, STAGE, ob.release),
            }
        )
    return rows


def _details(ob: OrganisationBenchmark, chosen: GroupView) -> dict[str, Any]:
    """Figures and charts of the chosen group (only called when the group is shown)."""
    s = chosen.stage
    model, own = ob.model, ob.own
    label = selectors.group_label(chosen.group)
    n = s.organisations.value
    stage_cells = list(zip(STAGES, s.distribution, strict=True))
    hidden_cells = {f.suppressed.message for _, f in stage_cells if f.suppressed is not None}
    distribution = distribution_svg(
        counts=[(f"Stage {st}", f.value if f.shown else None) for st, f in stage_cells],
        highlight=f"Stage {own.stage}" if own is not None else None,
        title=f"Organisations per stage: {label} (n = {n})",
    )
    areas = []
    for fa in model.manifest.focus_areas:
        v = chosen.areas[fa.code]
        own_value = own.focus_areas.get(fa.code) if own is not None else None
        box = None
        if v.median.shown:
            assert v.p25.value is not None and v.p75.value is not None
            assert v.median.value is not None and v.count.value is not None
            box = BoxStats(p25=v.p25.value, median=v.median.value, p75=v.p75.value, n=v.count.value)
        areas.append(
            {
                "fa": fa,
                "summary": v,
                "own": own_value,
                "box": box,
                "band": chosen.area_bands[fa.code],
                "since": selectors.unchanged_since(chosen.record, area_family(fa.code), ob.release),
            }
        )
    medians = [a["summary"].median.value for a in areas]

    def axis(a: dict[str, Any]) -> str:
        median = a["summary"].median
        return f"{a['fa'].name} (n = {median.n})" if median.shown else a["fa"].name

    if own is not None:
        radar = radar_svg(
            axes=[(axis(a), a["own"]) for a in areas],
            peer=medians,
            title=f"Focus areas: {ob.organisation.name} and the peer median of {label} "
            "(n per focus area)",
        )
    else:
        radar = radar_svg(
            axes=[(axis(a), m) for a, m in zip(areas, medians, strict=True)],
            title=f"Focus areas: peer median of {label} (n per focus area)",
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
    context: dict[str, Any] = {
        "organisation": organisation,
        "membership": membership,
        "ob": ob,
        "model": ob.model,
        "k": ob.k,
        "settings_url": _settings_url(organisation.pk),
        "older_major": (
            None
            if ob.has_position
            else older_major_assessment(organisation.pk, ob.model.id)  # one rule: services
        ),
    }
    chosen = ob.group(request.GET.get("group")) if ob.available else None
    if chosen is not None:
        url = reverse("organisation_benchmarks", args=[organisation.pk])
        split = selectors.split_figures(ob.split)
        context.update(
            {
                "chosen": chosen,
                "chosen_label": selectors.group_label(chosen.group),
                "chosen_since": selectors.unchanged_since(chosen.record, STAGE, ob.release),
                "group_rows": _group_rows(ob, chosen, url),
                "split": split,
                "split_since": selectors.unchanged_since(ob.split, STAGE, ob.release)
                if ob.split is not None
                else None,
            }
        )
        if chosen.shown:
            context.update(_details(ob, chosen))
    return render(request, "benchmarks/organisation.html", context)


# --- programme statistics ---------------------------------------------------------------------


def _period(request: HttpRequest) -> str:
    return "quarter" if request.GET.get("period") == "quarter" else "year"


def _statistics(request: HttpRequest, *, public: bool) -> HttpResponse:
    period = _period(request)
    population = selectors.public_population()
    if (
        not public
        and selectors.demo_mode()
        and request.GET.get("population")
        in (
            Population.REAL,
            Population.DEMO,
        )
    ):
        population = str(request.GET["population"])
    view = selectors.programme_view(population=population)
    context: dict[str, Any] = {
        "view": view,
        "public": public,
        "period": period,
        "stages": STAGES,
        "population": population,
        "demo_mode": selectors.demo_mode(),
    }
    stats = view.statistics
    if stats is not None and view.release is not None:
        overall = stats.overall_figures
        chart = ""
        if stats.overall.shown:
            chart = distribution_svg(
                counts=[
                    (f"Stage {st}", f.value if f.shown else None)
                    for st, f in zip(STAGES, overall.distribution, strict=True)
                ],
                highlight=None,
                title="Organisations per stage, all organisations "
                f"(n = {overall.organisations.value})",
            )
        context.update(
            {
                "stats": stats,
                "k": view.release.k,
                "release_label": selectors.release_label(view.release),
                "distribution_svg": _svg(chart) if chart else "",
                "overall_rows": [("All organisations", overall)],
                "split": stats.split_figures,
                "sections": [
                    (
                        "By region",
                        "Region",
                        "Regions",
                        sorted(
                            ((r.group.region or "", r.figures) for r in stats.by_region),
                            key=lambda row: row[0].casefold(),
                        ),
                    ),
                    (
                        "By country",
                        "Country",
                        "Countries",
                        sorted_by_name(
                            (
                                (selectors.country_name(r.group.country or ""), r.figures)
                                for r in stats.by_country
                            ),
                            name=lambda row: row[0],
                        ),
                    ),
                ],
                "over_time": [
                    (row.period, row.point)
                    for row in over_time(
                        view.history, "quarter" if period == "quarter" else "year", k=stats.k
                    )
                ],
            }
        )
    if not public:
        context.update(_operations(population))
    return render(request, "benchmarks/statistics.html", context)


def _operations(population: str) -> dict[str, Any]:
    """What programme admins need to run the programme (counts, never figures about a few)."""
    from diam.web.benchmarks.models import BenchmarkEntry
    from diam.web.verification.selectors import counts

    entries = BenchmarkEntry.objects.filter(is_demo=population == Population.DEMO)
    return {
        "releases": selectors.release_list(population=population)[:24],
        "verification_counts": counts(),
        "counted_live": entries.filter(consent=True, verified=True).count()
        if population == Population.REAL
        else entries.filter(consent=True).count(),
        "opted_out": entries.filter(consent=False).count(),
        "unverified": entries.filter(verified=False).count()
        if population == Population.REAL
        else 0,
        "schedule": selectors.schedule_text(),
    }


@login_required
@require_safe
def programme_statistics(request: HttpRequest) -> HttpResponse:
    """The release's figures and the programme's running (programme admins only)."""
    if not _user(request).is_programme_admin:
        raise PermissionDenied("Only programme admins can see the programme pages.")
    return _statistics(request, public=False)


@require_safe
def public_statistics(request: HttpRequest) -> HttpResponse:
    """The release's programme-wide figures: the same figures every benchmark page shows."""
    return _statistics(request, public=True)


@login_required
@require_POST
def release_cut(request: HttpRequest) -> HttpResponse:
    """A programme admin cuts a release now (besides the schedule)."""
    user = _user(request)
    if not user.is_programme_admin:
        raise PermissionDenied("Only programme admins can cut a benchmark release.")
    population = request.POST.get("population", Population.REAL)
    if population not in Population.values:
        population = Population.REAL
    release = services.benchmark_release_cut(
        population=population, user=user, trigger=Trigger.PROGRAMME, request=request
    )
    messages.success(
        request,
        f"{selectors.release_label(release)} is published: {release.organisations} "
        f"organisations counted, {release.held_back} changes held back until they can be "
        "released without exposing anyone.",
    )
    target = reverse("programme_statistics")
    if population != Population.REAL:
        target += f"?{urlencode({'population': population})}"
    return redirect(target)
