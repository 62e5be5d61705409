"""Full gap report: time to build + render the HTML report and the PDF.

Targets (design.md §5): HTML <= 150 ms, PDF <= 2 s for a complete ~80-criterion assessment.
The assessment is the shipped stage-3 example with every unanswered criterion answered
(not met), so all criteria are answered; the report has every section, the default roadmap
(next stage) and its checklist. Figures are medians of several runs in a warm process (the
model is loaded and WeasyPrint imported once, as in the web app). A second, heavier case is
printed for information: nothing met and a roadmap to stage 7, the longest report the model
can produce.
"""

from __future__ import annotations

import io
import json
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from pypdf import PdfReader

from diam.model.schema import BooleanAnswer, ChoiceAnswer, Criterion, Model, NumberAnswer
from diam.paths import model_dir, shipped_model
from diam.reports import build_report, render_html, render_pdf
from diam.scoring import AnswerValue, parse_answer_file

HTML_RUNS = 31
PDF_RUNS = 5
HTML_TARGET_MS = 150.0
PDF_TARGET_S = 2.0


def not_met_value(criterion: Criterion) -> AnswerValue:
    """An answer that does not meet the criterion."""
    answer, rule = criterion.answer, criterion.met_when
    if isinstance(answer, BooleanAnswer):
        return False
    if isinstance(answer, ChoiceAnswer):
        return next(o.id for o in answer.options if not o.meets)
    assert rule is not None and not isinstance(rule, bool)
    low = answer.minimum if isinstance(answer, NumberAnswer) else 0.0
    if rule.min is not None:
        return max(low, rule.min - 1)
    assert rule.max is not None
    return rule.max + 1


def complete_example(model: Model) -> tuple[dict[str, AnswerValue], dict[str, str]]:
    path = model_dir(model.id) / "examples" / "stage-3-department.json"
    sheet = parse_answer_file(model, json.loads(path.read_text("utf-8")))
    values = dict(sheet.values)
    for criterion in model.criteria:
        values.setdefault(criterion.id, not_met_value(criterion))
    return values, dict(sheet.comments)


def median_time(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> None:
    model = shipped_model()
    values, comments = complete_example(model)
    assert len(values) == len(model.criteria), "the benchmark assessment must be complete"

    def build(target: int | None = None, vals: dict[str, AnswerValue] = values) -> Any:
        return build_report(
            model=model,
            values=vals,
            comments=comments,
            organisation="Benchmark Hospital",
            assessment_date=date(2025, 1, 1),
            target_stage=target,
        )

    start = time.perf_counter()
    render_pdf(build())  # first PDF in the process: imports WeasyPrint, loads fonts
    cold = time.perf_counter() - start
    html_s, page = median_time(lambda: render_html(build()), HTML_RUNS)
    pdf_s, pdf = median_time(lambda: render_pdf(build()), PDF_RUNS)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    report = build()

    print(
        f"model {model.id} {model.version}: {len(model.criteria)} criteria, all answered; "
        f"stage {report.summary.stage}, {len(report.gaps.gaps)} gaps, "
        f"{len(report.roadmap.steps)} roadmap steps"
    )
    print(
        f"HTML build+render: {html_s * 1000:.1f} ms median of {HTML_RUNS} "
        f"({len(page) / 1024:.0f} KiB)"
    )
    print(
        f"PDF  build+render: {pdf_s:.2f} s median of {PDF_RUNS} ({pages} pages); "
        f"first PDF in a fresh process {cold:.2f} s"
    )
    print(
        f"target HTML <= {HTML_TARGET_MS:.0f} ms: "
        f"{'met' if html_s * 1000 <= HTML_TARGET_MS else 'NOT met'}"
    )
    print(f"target PDF <= {PDF_TARGET_S:.0f} s: {'met' if pdf_s <= PDF_TARGET_S else 'NOT met'}")

    nothing = {c.id: not_met_value(c) for c in model.criteria}
    heavy_html, _ = median_time(lambda: render_html(build(7, nothing)), 11)
    heavy_pdf, heavy = median_time(lambda: render_pdf(build(7, nothing)), 3)
    heavy_pages = len(PdfReader(io.BytesIO(heavy)).pages)
    print(
        f"heaviest case (nothing met, roadmap to stage 7; information only): "
        f"HTML {heavy_html * 1000:.1f} ms, PDF {heavy_pdf:.2f} s ({heavy_pages} pages)"
    )


if __name__ == "__main__":
    main()
