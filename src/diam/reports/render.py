"""Renderers of a `Report`: standalone HTML, PDF (WeasyPrint, from the same HTML), DOCX, XLSX.

All four read the same `Report`, so their content is the same; the HTML and the PDF share one
document and one stylesheet (`templates/report.css`, with `@page` rules for print).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import cache
from html import escape
from importlib import resources
from string import Template
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]

from diam import __version__
from diam.charts import ladder_svg, pct_text, radar_svg
from diam.reports.benchmark import PeerSection
from diam.reports.document import READING_GUIDE, AnswerRow, FocusAreaRow, Report, Summary
from diam.reports.gaps import Gap, GapGroup, ReferenceLink
from diam.reports.procurement import HEADER as CHECKLIST_HEADER
from diam.reports.procurement import WIDTHS as CHECKLIST_WIDTHS
from diam.reports.procurement import Percent, to_bytes, write_table

LEVEL = {1: "low", 2: "medium", 3: "high"}
DOCX_CHART_NOTE = (
    "The HTML and PDF versions of this report show this section as a chart; this editable "
    "document gives the same figures as a table."
)


def e(text: object) -> str:
    return escape(str(text), quote=True)


def format_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def format_datetime(value: datetime | None) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M}"


@cache
def _template(name: str) -> str:
    return resources.files("diam.reports").joinpath("templates", name).read_text("utf-8")


# --- charts (shared with the web pages) -----------------------------------------------------


def ladder_chart(report: Report) -> str:
    return ladder_svg(
        stages=[(s.key, s.name, s.percent, s.reached) for s in report.stages],
        branches=[(b.key, b.name, b.percent, b.reached) for b in report.branches],
        current_stage=report.summary.stage,
        title=f"Stage ladder: {report.cover.organisation} is at stage {report.summary.stage}",
    )


def peer_text(value: float | None, n: int | None) -> str:
    """A peer median with its n (`62.5% (n = 12)`), or `hidden`."""
    if value is None:
        return "hidden"
    return f"{pct_text(value)} (n = {n})" if n is not None else pct_text(value)


def radar_chart(report: Report) -> str:
    peer = [f.peer_median for f in report.focus_areas] if report.has_peer else None
    b = report.benchmark
    title = "Percent of criteria met per focus area"
    if peer is not None and b is not None:
        title += f"; dashed: the peer median of {b.group_label} (n per focus area)"
    return radar_svg(
        axes=[
            (
                f"{f.name} (n = {f.peer_n})"
                if peer is not None and f.peer_n is not None
                else f.name,
                f.percent,
            )
            for f in report.focus_areas
        ],
        peer=peer,
        title=title,
    )


# --- HTML ------------------------------------------------------------------------------------


def render_html(report: Report) -> str:
    """The report as one standalone HTML document (inline CSS and SVG, no external files)."""
    body = "\n".join(
        (
            _cover(report),
            _toc(report),
            _summary(report),
            _ladder(report),
            _focus_areas(report),
            _benchmark(report),
            _gaps(report),
            _roadmap(report),
            _checklist(report),
            _answers(report),
        )
    )
    return Template(_template("report.html")).substitute(
        title=e(report.title),
        css=_template("report.css"),
        body=body,
        version=e(__version__),
    )


def _heading(report: Report, anchor: str) -> str:
    title = dict(report.sections)[anchor]
    return f'<h2 id="{anchor}">{e(title)}</h2>'


def _chapter(report: Report, anchor: str, content: str) -> str:
    return (
        f'<section class="chapter" aria-labelledby="{anchor}">\n'
        f"{_heading(report, anchor)}\n{content}\n</section>"
    )


def _table(
    widths: Sequence[int],
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    numeric: Sequence[int] = (),
    cls: str = "",
) -> str:
    """A fixed-layout table; `rows` hold ready HTML (escape before); `numeric` right-aligns."""
    right = ' class="num"'
    cols = "".join(f'<col style="width:{w}%">' for w in widths)
    head = "".join(
        f'<th scope="col"{right if i in numeric else ""}>{e(title)}</th>'
        for i, title in enumerate(header)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{right if i in numeric else ''}>{cell}</td>" for i, cell in enumerate(row))
        + "</tr>"
        for row in rows
    )
    attr = f' class="{cls}"' if cls else ""
    return (
        f"<table{attr}><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _badge(kind: str, text: str) -> str:
    return f'<span class="badge {kind}">{e(text)}</span>'


def _cid(criterion_id: str) -> str:
    return f'<span class="cid">{e(criterion_id)}</span>'


def _cover(report: Report) -> str:
    c = report.cover
    s = report.summary
    return f"""<header class="cover">
<div class="cover-brand">diam report · open imaging IT maturity assessment</div>
<p class="cover-kicker">Imaging IT maturity assessment</p>
<h1>{e(c.organisation)}</h1>
<p class="cover-model">{e(c.model_name)}</p>
<div class="cover-stage">
<div class="stage-number">{c.stage}</div>
<div><div class="stage-label">Stage {c.stage}</div>
<div class="stage-name">{e(c.stage_name)}</div>
<div class="stage-why">{e(s.why)}</div>
<div class="stage-description">{e(s.stage_description)}</div></div>
</div>
<dl class="cover-meta">
<dt>Assessment date</dt><dd>{e(format_date(c.assessment_date))}</dd>
<dt>Status</dt><dd>{e(c.status_label)}</dd>
<dt>Model</dt><dd>{e(c.model_id)} {e(c.model_version)}</dd>
<dt>Completeness</dt><dd>{e(s.completeness_text)}</dd>
</dl>
<p class="disclaimer">{e(c.disclaimer)} Stages in this report are stages of the open model
{e(c.model_id)} {e(c.model_version)}; they are not official DIAM stages or a certification.</p>
</header>"""


def _toc(report: Report) -> str:
    items = "\n".join(
        f'<li><a href="#{anchor}"><span class="num">{i}</span>{e(title)}</a></li>'
        for i, (anchor, title) in enumerate(report.sections, start=1)
    )
    return f'<nav class="toc" aria-label="Contents"><h2>Contents</h2>\n<ol>\n{items}\n</ol></nav>'


def _level(s: Summary) -> str:
    if s.level_percent is None:
        return "none"
    return f"all focus areas at {pct_text(s.level_percent)}"


def _figure(value: str, label: str) -> str:
    return (
        f'<div class="figure"><span class="value">{e(value)}</span>'
        f'<span class="label">{e(label)}</span></div>'
    )


def _area_list(rows: Sequence[FocusAreaRow]) -> str:
    if not rows:
        return '<p class="muted">No focus area has applicable criteria yet.</p>'
    items = "".join(
        f"<li><strong>{e(r.name)}</strong> ({e(r.code)}): {pct_text(r.percent)} met "
        f"({r.met} of {r.total})</li>"
        for r in rows
    )
    return f"<ul>{items}</ul>"


def _summary(report: Report) -> str:
    s = report.summary
    branches = ", ".join(s.mastered_branches) or "none"
    parts = [
        '<div class="figures">',
        _figure(f"Stage {s.stage}", s.stage_name),
        _figure(f"{s.core_stage} of 4", "core stages reached"),
        _figure(
            f"{len(s.mastered_branches)} of {len(report.branches)}",
            f"branches mastered{f' ({branches})' if s.mastered_branches else ''}",
        ),
        _figure(s.completeness_figure, f"complete: {s.completeness_detail}"),
        "</div>",
        f'<div class="callout"><p><strong>Why stage {s.stage}.</strong> {e(s.why)}</p>'
        f"<p><strong>What stage {s.stage} means.</strong> {e(s.stage_description)}</p></div>",
    ]
    if s.level_percent is not None:
        parts.append(
            f"<p><strong>Focus areas.</strong> Every focus area stands at "
            f"{pct_text(s.level_percent)} met; none is stronger or weaker than the others.</p>"
        )
    else:
        parts += [
            '<div class="two-col"><div><h3>Strongest focus areas</h3>',
            _area_list(s.strongest),
            "</div><div><h3>Weakest focus areas</h3>",
            _area_list(s.weakest),
            "</div></div>",
        ]
    if s.next_steps:
        parts.append(f"<h3>Most valuable next steps toward {e(s.next_target_label)}</h3>")
        parts.append('<ol class="next-steps">')
        for step in s.next_steps:
            g = step.gap
            parts.append(
                f"<li>{_cid(g.criterion_id)} <strong>{e(_clean(g.statement))}</strong><br>"
                f"{e(_clean(step.action))} {_badge('ask', f'impact {LEVEL[g.impact]}')} "
                f"{_badge('no', f'effort {LEVEL[g.effort]}')}</li>"
            )
        parts.append("</ol>")
    elif report.roadmap.message:
        parts.append(f"<p>{e(report.roadmap.message)}</p>")
    if s.unanswered:
        parts.append(
            f'<p class="note">{s.unanswered} criteria are unanswered. They count as not met '
            "until they are answered, and are listed apart in the gap report.</p>"
        )
    parts.append("<h3>How to read this report</h3>")
    parts.append(
        '<dl class="reading-guide">'
        + "".join(f"<dt>{e(term)}</dt><dd>{e(text)}</dd>" for term, text in READING_GUIDE)
        + "</dl>"
    )
    parts.append(f'<p class="muted small">{e(report.cover.disclaimer)}</p>')
    return _chapter(report, "summary", "\n".join(parts))


def _ladder(report: Report) -> str:
    rows = [
        (
            f"Core stage {e(st.key)}",
            e(st.name),
            f"{st.met} / {st.total}",
            pct_text(st.percent),
            _badge("ok", "reached") if st.reached else _badge("no", "not reached"),
        )
        for st in report.stages
    ] + [
        (
            f"Branch {e(br.key)}",
            e(br.name),
            f"{br.met} / {br.total}",
            pct_text(br.percent),
            _badge("ok", "mastered") if br.reached else _badge("no", "not mastered"),
        )
        for br in report.branches
    ]
    table = _table(
        (16, 44, 12, 12, 16),
        ("Level", "Name", "Criteria met", "Percent met", "Status"),
        rows,
        numeric=(2, 3),
    )
    content = f"""<p>Core stages build on each other; each of the three branches counts once core
stage 4 is reached (one branch gives stage 5, two give stage 6, all three give stage 7).</p>
<figure class="chart ladder">{ladder_chart(report)}
<figcaption>Percent of applicable criteria met per core stage and branch.</figcaption></figure>
{table}"""
    return _chapter(report, "ladder", content)


def _focus_areas(report: Report) -> str:
    peer = report.has_peer
    header = ["Code", "Focus area", "Criteria met", "Applicable criteria", "Percent met"]
    widths = [10, 54, 12, 12, 12]
    if peer:
        header.append("Peer median")
        widths = [9, 45, 11, 11, 12, 12]
    rows = [
        [e(f.code), e(f.name), str(f.met), str(f.total), pct_text(f.percent)]
        + ([peer_text(f.peer_median, f.peer_n)] if peer else [])
        for f in report.focus_areas
    ]
    note = "" if peer else f'<p class="note">{e(report.peer_placeholder)}</p>'
    table = _table(widths, header, rows, numeric=(2, 3, 4, 5))
    content = f"""<figure class="chart radar">{radar_chart(report)}
<figcaption>Percent of applicable criteria met per focus area
(not-applicable criteria excluded).</figcaption></figure>
{note}
{table}"""
    return _chapter(report, "focus-areas", content)


def number_text(value: float | None) -> str:
    """`3`, `3.5` or `3.12`; `hidden` for a hidden figure."""
    if value is None:
        return "hidden"
    return f"{round(value, 2):g}"


def benchmark_intro(report: Report, b: PeerSection) -> str:
    release = f"{b.release}: " if b.release else ""
    return (
        f"{release}how {report.cover.organisation} compares with its peer group {b.group_label} "
        f"({b.n} organisations with a submitted or validated assessment that take part in "
        f"benchmarking). Every figure is computed from at least {b.k} organisations and shows "
        "its n; a hidden figure says why."
    )


def benchmark_position(b: PeerSection) -> str:
    if b.own_stage is None:
        return "no submitted assessment"
    if b.own_band is None:
        return f"stage {b.own_stage}; position hidden"
    return f"stage {b.own_stage}: in the {b.own_band} of {b.own_band_n} organisations"


def benchmark_rows(report: Report, b: PeerSection) -> list[tuple[str, str, str, str, str]]:
    """(code, name, own percent, peer median, n) per focus area."""
    own = {f.code: f.percent for f in report.focus_areas}
    return [
        (
            a.code,
            a.name,
            pct_text(own.get(a.code)),
            "hidden" if a.median is None else pct_text(a.median),
            "" if a.n is None else str(a.n),
        )
        for a in b.areas
    ]


DEMO_NOTE = (
    "These benchmarks include synthetic demonstration organisations (created by the diam demo "
    "command), not real ones."
)
PERCENTILE_NOTE = (
    "The position is the quarter of the peer group the organisation's stage is in, read from "
    "the group's quartiles (P25, median, P75), so it says no more than the quartiles do."
)


def _benchmark(report: Report) -> str:
    b = report.benchmark
    if b is None:
        return _chapter(
            report, "benchmark", f'<p class="note">{e(report.benchmark_placeholder)}</p>'
        )
    parts = [f"<p>{e(benchmark_intro(report, b))}</p>"]
    if b.includes_demo:
        parts.append(f'<p class="note">{e(DEMO_NOTE)}</p>')
    parts += [
        '<div class="figures">',
        _figure(f"{b.n}", f"organisations in {b.group_label} (n = {b.n})"),
        _figure(
            number_text(b.median_stage),
            "median stage" + (f" (n = {b.median_stage_n})" if b.median_stage_n else ""),
        ),
        _figure(
            "—" if b.own_stage is None else f"Stage {b.own_stage}",
            "this organisation (latest submitted, its own value)",
        ),
        _figure(
            (b.own_band or "hidden") if b.own_stage is not None else "—",
            "position among peers" + (f" (n = {b.own_band_n})" if b.own_band_n else ""),
        ),
        "</div>",
    ]
    if b.basis:
        parts.append(f'<p class="muted">{e(b.basis)} {e(PERCENTILE_NOTE)}</p>')
    rows = [
        [e(code), e(name), own, e(median), e(n)]
        for code, name, own, median, n in benchmark_rows(report, b)
    ]
    parts.append(
        _table(
            (9, 47, 14, 16, 14),
            ("Code", "Focus area", "This assessment", "Peer median", "n"),
            rows,
            numeric=(2, 3, 4),
        )
    )
    if b.notes:
        items = "".join(f"<li>{e(note)}</li>" for note in b.notes)
        parts.append(f'<p class="muted small">Hidden figures:</p><ul class="small">{items}</ul>')
    return _chapter(report, "benchmark", "\n".join(parts))


def _clean(text: str) -> str:
    return " ".join(text.split())


def _refs_html(refs: Sequence[ReferenceLink]) -> str:
    if not refs:
        return ""
    items = "".join(
        f"<li><strong>{e(r.tag)}</strong>: {e(r.title)}"
        + (f" ({e(r.note)})" if r.note else "")
        + f' — <a href="{e(r.url)}">{e(r.url)}</a></li>'
        for r in refs
    )
    return f'<ul class="refs">{items}</ul>'


def _gap_html(gap: Gap) -> str:
    meta = f"{gap.focus_area_name} · impact {LEVEL[gap.impact]} · effort {LEVEL[gap.effort]}"
    return f"""<article class="gap">
<div class="gap-head">{_cid(gap.criterion_id)} {e(_clean(gap.statement))}</div>
<div class="gap-meta">{e(meta)}</div>
<p><strong>Status.</strong> {e(gap.explanation)}</p>
<p><strong>Recommendation.</strong> {e(_clean(gap.recommendation))}</p>
<p><strong>Evidence.</strong> {e(_clean(gap.evidence))}</p>
{_refs_html(gap.references)}
</article>"""


def _group_html(group: GapGroup, next_target: str | None) -> str:
    badge = " " + _badge("gap", "next target") if group.target == next_target else ""
    parts = [
        f'<div class="gap-group"><h3>{e(group.label)}{badge}</h3>',
        f'<p class="muted">{group.met} of {group.total} applicable criteria met; '
        f"{len(group.gaps)} not met, {len(group.unanswered)} unanswered.</p>",
    ]
    if not group.gaps and not group.unanswered:
        parts.append(
            "<p>Every applicable criterion is met; this level follows once the levels "
            "below it are reached.</p>"
        )
    parts.extend(_gap_html(g) for g in group.gaps)
    if group.unanswered:
        parts.append("<h4>Unanswered (answer these first)</h4>")
        rows = [
            (_cid(g.criterion_id), e(_clean(g.statement)), e(g.explanation))
            for g in group.unanswered
        ]
        parts.append(_table((13, 62, 25), ("Criterion", "Statement", "Pass mark"), rows))
    parts.append("</div>")
    return "\n".join(parts)


def _gaps(report: Report) -> str:
    g = report.gaps
    parts = [
        "<p>For each core stage not yet reached (the next one first) and each branch not yet "
        "mastered: the criteria not met, with a recommendation, the evidence that would show "
        "the gap closed, and the public references they rest on. Unanswered criteria are "
        "listed apart.</p>"
    ]
    if not g.groups:
        parts.append("<p>No gaps: every core stage is reached and every branch is mastered.</p>")
    parts.extend(_group_html(group, g.next_target) for group in g.groups)
    parts.append("<h3>Beyond the stage</h3>")
    if g.beyond:
        parts.append(
            "<p>Good practice that counts in the focus-area percentages but does not change "
            "the stage; these are not met or not answered yet.</p>"
        )
        beyond = [
            (
                _cid(b.criterion_id),
                e(_clean(b.statement)),
                e(b.explanation),
                e(_clean(b.recommendation)),
            )
            for b in g.beyond
        ]
        parts.append(
            _table(
                (10, 35, 25, 30),
                ("Criterion", "Statement", "Pass mark and answer", "Recommendation"),
                beyond,
                cls="small",
            )
        )
    else:
        parts.append("<p>Every criterion beyond the stages that applies is met.</p>")
    parts.append("<h3>Not applicable</h3>")
    if g.not_applicable:
        rows = [
            (_cid(n.criterion_id), e(_clean(n.statement)), e(n.justification))
            for n in g.not_applicable
        ]
        parts.append(_table((13, 47, 40), ("Criterion", "Statement", "Justification"), rows))
    else:
        parts.append("<p>No criterion was answered as not applicable.</p>")
    return _chapter(report, "gaps", "\n".join(parts))


def _roadmap(report: Report) -> str:
    rm = report.roadmap
    parts = []
    if rm.target_stage is not None:
        parts.append(
            f"<p><strong>Target:</strong> {e(rm.target_label)}. Steps are ordered by "
            "dependency (lower core stages first, core stages before branches) and, "
            "within a phase, by impact for the effort.</p>"
        )
    if rm.message:
        parts.append(f'<p class="callout">{e(rm.message)}</p>')
    for phase in rm.phases:
        need = (
            f"all {len(phase.steps)} steps are needed"
            if phase.needed == len(phase.steps)
            else f"at least {phase.needed} of these {len(phase.steps)} steps are needed"
        )
        rows = [
            (
                str(st.number),
                _cid(st.criterion_id),
                e(_clean(st.action)),
                LEVEL[st.gap.impact],
                LEVEL[st.gap.effort],
            )
            for st in phase.steps
        ]
        parts.append(
            f'<div class="phase"><h3>Phase {phase.number}: {e(phase.title)}</h3>'
            f'<p class="phase-meta">{need.capitalize()}. Effort: {phase.effort} points in '
            "total (each step counts 1 for low, 2 for medium and 3 for high effort).</p>"
            + _table(
                (6, 12, 60, 11, 11),
                ("#", "Criterion", "Action", "Impact", "Effort"),
                rows,
                numeric=(0,),
            )
            + "</div>"
        )
    return _chapter(report, "roadmap", "\n".join(parts))


def _checklist(report: Report) -> str:
    cl = report.checklist
    parts = [
        "<p>The vendor-neutral requirements implied by the roadmap, grouped by system, for "
        "tenders and change requests. Each row closes one criterion.</p>"
    ]
    if not cl.groups:
        parts.append("<p>The roadmap implies no requirements.</p>")
    for group in cl.groups:
        rows = [
            (
                e(item.ask),
                _cid(item.criterion_id),
                str(item.phase),
                "<br>".join(f'<a href="{e(r.url)}">{e(r.tag)}</a>' for r in item.references),
            )
            for item in group.items
        ]
        parts.append(f"<h3>{e(group.name)}</h3>")
        parts.append(
            _table((58, 12, 9, 21), ("Requirement", "Closes", "Phase", "References"), rows)
        )
    return _chapter(report, "checklist", "\n".join(parts))


def _answers(report: Report) -> str:
    who = report.has_respondents
    rows = [
        [
            _cid(a.criterion_id),
            e(a.statement),
            e(a.answer),
            e(a.explanation or a.status),
            e(a.comment),
        ]
        + (
            [
                e(a.answered_by)
                + (
                    f'<br><span class="muted">{e(format_datetime(a.answered_at))}</span>'
                    if a.answered_at
                    else ""
                )
            ]
            if who
            else []
        )
        for a in report.answers
    ]
    header = ["ID", "Criterion", "Answer", "Status", "Comment"]
    widths = [9, 44, 15, 13, 19]
    if who:
        header.append("Answered by")
        widths = [9, 33, 14, 13, 17, 14]
    table = _table(widths, header, rows, cls="small")
    recorded = (
        "and who answered and when."
        if who
        else "(who answered and when is not recorded for this assessment)."
    )
    content = (
        "<p>Every criterion of the model with the answer given, its status against its pass "
        "mark and the "
        f"respondent's comment {recorded}</p>{table}"
    )
    return _chapter(report, "answers", content)


# --- PDF -------------------------------------------------------------------------------------


# PDF/UA-1: a tagged PDF (headings, lists, tables with header cells, figures with their
# charts' titles as alternative text, links) with the document's language (`<html lang>`) and
# title (`<title>`, shown as the window title), as public bodies' accessibility rules ask.
PDF_VARIANT = "pdf/ua-1"


_fonts = threading.local()


def _font_config() -> Any:
    """One WeasyPrint font configuration per thread, kept: a new one per PDF loads the fonts
    again, an eighth of a report's rendering time. Per thread, as it is not thread-safe."""
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

        config = _fonts.config = FontConfiguration()
    return config


def render_pdf(report: Report) -> bytes:
    """The HTML report laid out by WeasyPrint: A4, running header, "Page X of Y", TOC pages;
    tagged (PDF/UA-1)."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # heavy; only when needed

    pdf = HTML(string=render_html(report)).write_pdf(
        pdf_variant=PDF_VARIANT, font_config=_font_config()
    )
    assert isinstance(pdf, bytes)
    return pdf


# --- DOCX ------------------------------------------------------------------------------------


def render_docx(report: Report) -> bytes:
    """An editable Word document: headings per section, tables for the figures and lists."""
    from diam.reports.docx_writer import DocxWriter

    return DocxWriter(report).build()


# --- XLSX ------------------------------------------------------------------------------------


def render_xlsx(report: Report) -> bytes:
    """A workbook: Summary, Focus areas, Benchmark, Gaps, Roadmap, Checklist, Answers."""
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = "Summary"
    c, s = report.cover, report.summary
    # Typed cells (numbers, percentages, dates) so a spreadsheet sorts and sums them; the
    # words beside them are the ones the other formats print.
    write_table(
        summary,
        ("Item", "Value"),
        [
            ("Organisation", c.organisation),
            ("Assessment date", c.assessment_date),
            ("Model", f"{c.model_id} {c.model_version}"),
            ("Status", c.status_label),
            ("Stage", s.stage),
            ("Stage name", s.stage_name),
            ("Why this stage", s.why),
            ("Stage meaning", s.stage_description),
            ("Core stages reached (of 4)", s.core_stage),
            ("Branches mastered", ", ".join(s.mastered_branches) or "none"),
            ("Completeness", Percent(s.completeness)),
            ("Completeness in words", s.completeness_text),
            ("Criteria asked", s.relevant),
            ("Criteria answered (N/A included)", s.answered),
            ("Criteria answered N/A", s.not_applicable),
            ("Criteria unanswered", s.unanswered),
            ("Strongest focus areas", ", ".join(r.name for r in s.strongest) or _level(s)),
            ("Weakest focus areas", ", ".join(r.name for r in s.weakest) or _level(s)),
            ("Roadmap target", report.roadmap.target_label or report.roadmap.message or ""),
            ("Statement", c.disclaimer),
        ],
        (32, 100),
    )
    focus = workbook.create_sheet("Focus areas")
    write_table(
        focus,
        ("Code", "Focus area", "Met", "Total", "Percent met", "Peer median", "Peer n"),
        [
            (f.code, f.name, f.met, f.total, _percent(f.percent), _percent(f.peer_median), f.peer_n)
            for f in report.focus_areas
        ],
        (8, 44, 8, 8, 12, 12, 8),
    )
    _benchmark_sheet(workbook, report)
    gaps = workbook.create_sheet("Gaps")
    write_table(
        gaps,
        (
            "Target",
            "Criterion",
            "Status",
            "Statement",
            "Recommendation",
            "Evidence",
            "References",
            "Impact",
            "Effort",
            "Pass mark and answer",
        ),
        [
            (
                label,
                g.criterion_id,
                g.status.value.replace("_", " "),
                _clean(g.statement),
                _clean(g.recommendation),
                _clean(g.evidence),
                "\n".join(f"{r.tag}: {r.url}" for r in g.references),
                g.impact,
                g.effort,
                g.explanation,
            )
            for label, gaps_ in [
                *((group.label, group.gaps + group.unanswered) for group in report.gaps.groups),
                ("Beyond the stage", report.gaps.beyond),
            ]
            for g in gaps_
        ],
        (30, 11, 12, 50, 60, 40, 50, 8, 8, 50),
    )
    roadmap = workbook.create_sheet("Roadmap")
    titles = {p.number: p.title for p in report.roadmap.phases}
    write_table(
        roadmap,
        ("Phase", "Step", "Criterion", "Action", "Impact", "Effort", "Status"),
        [
            (
                f"{st.phase}. {titles[st.phase]}",
                st.number,
                st.criterion_id,
                _clean(st.action),
                st.gap.impact,
                st.gap.effort,
                st.gap.status.value.replace("_", " "),
            )
            for st in report.roadmap.steps
        ],
        (40, 7, 11, 80, 8, 8, 12),
    )
    checklist = workbook.create_sheet("Checklist")
    write_table(
        checklist, CHECKLIST_HEADER, (i.row() for i in report.checklist.items), CHECKLIST_WIDTHS
    )
    answers = workbook.create_sheet("Answers")
    write_table(
        answers,
        (
            "Criterion",
            "Focus area",
            "Stage/branch",
            "Statement",
            "Answer",
            "Value",
            "Unit",
            "Raw value",
            "Status",
            "Comment",
            "Answered by",
            "Answered at (UTC)",
            "Pass mark and answer",
        ),
        [
            (
                a.criterion_id,
                a.focus_area,
                a.group,
                a.statement,
                a.answer,
                *_typed_answer(a),
                a.status,
                a.comment,
                a.answered_by,
                a.answered_at,
                a.explanation,
            )
            for a in report.answers
        ],
        (11, 10, 12, 60, 24, 10, 10, 10, 14, 40, 20, 17, 50),
    )
    return to_bytes(workbook)


def _percent(value: float | None) -> Percent | None:
    return None if value is None else Percent(value)


def _typed_answer(a: AnswerRow) -> tuple[object, str, object]:
    """Value, unit and raw value of an answer: a number or percentage to compute with, `yes` /
    `no` for a boolean (its TRUE / FALSE in the raw column), an option's label (its id raw)."""
    if a.not_applicable:
        return "N/A", "", "N/A"
    value = a.value
    if value is None:
        return None, "", None
    if a.kind == "boolean":
        return ("yes" if value is True else "no"), "", value
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if a.kind == "percent" and number:
        return Percent(float(value)), "%", value
    if a.kind == "number" and number:
        return value, a.unit, value
    return a.answer, "", value


def _benchmark_sheet(workbook: Workbook, report: Report) -> None:
    sheet = workbook.create_sheet("Benchmark")
    b = report.benchmark
    if b is None:
        write_table(sheet, ("Benchmark",), [(report.benchmark_placeholder,)], (100,))
        return
    rows: list[tuple[object, ...]] = [
        ("Release", b.release, "", "", ""),
        ("Peer group", b.group_label, "", b.n, b.n),
        ("Median stage", "", "", b.median_stage, b.median_stage_n),
        ("This organisation", benchmark_position(b), b.own_stage, b.own_band, b.own_band_n),
    ]
    own = {f.code: f.percent for f in report.focus_areas}
    rows += [(a.code, a.name, _percent(own.get(a.code)), _percent(a.median), a.n) for a in b.areas]
    rows += [("Hidden", note, "", "", "") for note in b.notes]
    if b.includes_demo:
        rows.append(("Note", DEMO_NOTE, "", "", ""))
    write_table(
        sheet,
        ("Item", "Focus area / detail", "This assessment", "Peer value", "n"),
        rows,
        (18, 60, 18, 12, 8),
    )
