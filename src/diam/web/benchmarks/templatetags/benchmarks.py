"""`{% fig figure "stage" %}`: a benchmark figure with its n, or why it is hidden;
`{% peer_comparison assessment %}`: the compact peer comparison on the results page;
`{% since_note release_number %}`: "unchanged since release N"."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from diam.stats import Band, Figure, PeerGroup, Reason
from diam.web.assessments.models import Assessment

register = template.Library()


def figure_text(value: Any, kind: str = "number") -> str:
    """A shown figure's value: `41` (count), `3.12` (stage), `62.5 %` (pct), a band's words."""
    if kind == "band" or isinstance(value, Band):
        return str(value.label)
    if kind == "count":
        return f"{int(value):,}"
    text = f"{round(float(value), 2):g}"
    return f"{text} %" if kind == "pct" else text


@register.simple_tag
def fig(
    figure: Figure[Any], kind: str = "number", bare: bool = False, compact: bool = False
) -> SafeString:
    """A shown figure as `value (n = N)` marked with `data-n`; a hidden one says why.

    Every number a benchmark page shows goes through here (or a chart drawn from the same
    figures), so a test can check that each `data-n` is at least k. `bare` leaves the n to a
    title (for cells of a row whose n is shown in the row, e.g. a stage distribution).
    `compact` shows a hidden figure as the word "hidden", its reason read out by screen readers
    and shown on hover, so that a wide table of figures (statistics by region and country)
    keeps every column on screen; the table explains "hidden" once, beneath it.
    """
    if figure.shown and bare:
        return format_html(
            '<span class="fig" data-n="{}" title="n = {}">{}</span>',
            figure.n,
            figure.n,
            figure_text(figure.value, kind),
        )
    if figure.shown:
        return format_html(
            '<span class="fig" data-n="{}">{}<span class="fig-n"> (n&nbsp;=&nbsp;{})</span></span>',
            figure.n,
            figure_text(figure.value, kind),
            figure.n,
        )
    reason = figure.suppressed
    assert reason is not None
    if reason.code == Reason.NO_OWN_VALUE:
        return format_html(
            '<span class="fig fig-none" data-reason="{}">{}</span>', reason.code, reason.message
        )
    if compact:
        return format_html(
            '<span class="fig fig-suppressed" data-reason="{}" title="{}">hidden'
            '<span class="sr-only">: {}</span></span>',
            reason.code,
            reason.message,
            reason.message,
        )
    return format_html(
        '<span class="fig fig-suppressed" data-reason="{}">suppressed: {}</span>',
        reason.code,
        reason.message,
    )


@register.filter
def group_label(group: PeerGroup) -> str:
    """A peer group's label with names (`Country: Netherlands`)."""
    from diam.web.benchmarks.selectors import group_label as label

    return label(group)


@register.inclusion_tag("benchmarks/_peer_comparison.html")
def peer_comparison(assessment: Assessment) -> dict[str, Any]:
    from diam.web.benchmarks.selectors import organisation_benchmark

    ob = organisation_benchmark(organisation=assessment.organisation, model_id=assessment.model_id)
    wanted = [g for g in ob.groups if g.group.dimensions in ((), ("country",))]
    return {"ob": ob, "groups": wanted, "assessment": assessment}


@register.simple_tag
def since_note(since: int | None) -> SafeString:
    """`unchanged since release N` for figures kept from an earlier release, else nothing."""
    if since is None:
        return SafeString("")
    return format_html('<span class="since muted small">unchanged since release {}</span>', since)
