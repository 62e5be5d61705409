"""The DOCX renderer: the report as an editable Word document (python-docx).

Same sections and content as the HTML/PDF report; charts become their data tables (with a
note), so the document stays plain editable text and tables.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Inches, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from diam.charts import pct_text
from diam.reports.document import READING_GUIDE, Report
from diam.reports.render import (
    DEMO_NOTE,
    DOCX_CHART_NOTE,
    LEVEL,
    PERCENTILE_NOTE,
    benchmark_intro,
    benchmark_position,
    benchmark_rows,
    format_date,
    format_datetime,
    number_text,
    peer_text,
)
from diam.scoring.result import Result
from diam.text import clean_strings

PRIMARY = RGBColor(0x1D, 0x4E, 0x89)
MUTED = RGBColor(0x5B, 0x66, 0x73)
HEADER_FILL = "1D4E89"
TEXT_WIDTH = Cm(21.0 - 2 * 1.8)


def _clean(text: str) -> str:
    return " ".join(text.split())


class DocxWriter:
    def __init__(self, report: Report) -> None:
        # Every string the document shows passes the office-text rule (XML 1.0 cannot hold
        # most control characters); the score result holds no text the document prints as is.
        self.report = clean_strings(report, keep=(Result,))
        self.doc: DocumentObject = Document()

    # --- building blocks ----------------------------------------------------------------------

    def _setup(self) -> None:
        doc = self.doc
        section = doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin = section.right_margin = Cm(1.8)
        section.top_margin, section.bottom_margin = Cm(2.0), Cm(1.8)
        section.different_first_page_header_footer = True
        normal = doc.styles["Normal"]
        normal.font.name = "DejaVu Sans"
        normal.font.size = Pt(9.5)
        for level in (1, 2, 3):
            style = doc.styles[f"Heading {level}"]
            style.font.color.rgb = PRIMARY
            style.font.name = "DejaVu Sans"
        header = section.header.paragraphs[0]
        header.text = f"{self.report.cover.organisation}\tdiam report"
        self._right_tab(header)
        self._muted(header, 8)
        footer = section.footer.paragraphs[0]
        self._right_tab(footer)
        footer.add_run("An open model inspired by DIAM, not an official DIAM rating\tPage ")
        self._field(footer, "PAGE")
        footer.add_run(" of ")
        self._field(footer, "NUMPAGES")
        self._muted(footer, 8)

    @staticmethod
    def _right_tab(paragraph: Paragraph) -> None:
        """One tab stop at the right margin (the Header/Footer styles' own stops are cleared)."""
        stops = paragraph.paragraph_format.tab_stops
        for position in (Inches(3.25), Inches(6.5)):
            stops.add_tab_stop(position, WD_TAB_ALIGNMENT.CLEAR)
        stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)

    @staticmethod
    def _muted(paragraph: Paragraph, size: float) -> None:
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.color.rgb = MUTED

    @staticmethod
    def _field(paragraph: Paragraph, code: str) -> None:
        run = paragraph.add_run()
        begin = OxmlElement("w:fldChar")
        begin.set(qn("w:fldCharType"), "begin")
        instr = OxmlElement("w:instrText")
        instr.set(qn("xml:space"), "preserve")
        instr.text = code
        end = OxmlElement("w:fldChar")
        end.set(qn("w:fldCharType"), "end")
        run._r.append(begin)
        run._r.append(instr)
        run._r.append(end)

    def _para(
        self,
        text: str = "",
        *,
        bold: bool = False,
        muted: bool = False,
        size: float | None = None,
        style: str | None = None,
    ) -> Paragraph:
        paragraph = self.doc.add_paragraph(style=style)
        if text:
            run = paragraph.add_run(text)
            run.bold = bold
            if muted:
                run.font.color.rgb = MUTED
            if size is not None:
                run.font.size = Pt(size)
        return paragraph

    def _labelled(self, label: str, text: str) -> Paragraph:
        paragraph = self.doc.add_paragraph()
        paragraph.add_run(label + " ").bold = True
        paragraph.add_run(text)
        return paragraph

    def _table(
        self, header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float]
    ) -> Table:
        table: Table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        head = table.rows[0]
        tr_pr = head._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)
        for cell, title in zip(head.cells, header, strict=True):
            cell.text = ""
            run = cell.paragraphs[0].add_run(title)
            run.bold = True
            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
            shading = OxmlElement("w:shd")
            shading.set(qn("w:val"), "clear")
            shading.set(qn("w:color"), "auto")
            shading.set(qn("w:fill"), HEADER_FILL)
            cell._tc.get_or_add_tcPr().append(shading)
        for row in rows:
            cells = table.add_row().cells  # type: ignore[no-untyped-call]
            for cell, value in zip(cells, row, strict=True):
                cell.text = "" if value is None else str(value)
        # Word reads the cell widths, LibreOffice the grid columns: set both.
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Cm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = Cm(width)
        return table

    # --- sections -----------------------------------------------------------------------------

    def _cover(self) -> None:
        c, s = self.report.cover, self.report.summary
        brand = self._para("diam report · open imaging IT maturity assessment", bold=True, size=10)
        brand.runs[0].font.color.rgb = PRIMARY
        for _ in range(4):
            self._para()
        self._para("Imaging IT maturity assessment", muted=True, size=13)
        self.doc.add_heading(c.organisation, level=0)
        self._para(c.model_name, muted=True)
        self._para()
        stage = self._para(f"Stage {c.stage}: {c.stage_name}", bold=True, size=18)
        stage.runs[0].font.color.rgb = PRIMARY
        self._para(s.why)
        self._table(
            ("Item", "Value"),
            [
                ("Assessment date", format_date(c.assessment_date)),
                ("Status", c.status_label),
                ("Model", f"{c.model_id} {c.model_version}"),
                ("Completeness", s.completeness_text),
            ],
            (5, 12.4),
        )
        self._para()
        self._para(
            f"{c.disclaimer} Stages in this report are stages of the open model {c.model_id} "
            f"{c.model_version}; they are not official DIAM stages or a certification.",
            muted=True,
        )
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def _heading(self, anchor: str) -> None:
        self.doc.add_heading(dict(self.report.sections)[anchor], level=1)

    def _summary(self) -> None:
        r, s = self.report, self.report.summary
        self._heading("summary")
        self._table(
            ("Figure", "Value"),
            [
                ("Stage", f"{s.stage}: {s.stage_name}"),
                ("Core stages reached", f"{s.core_stage} of 4"),
                (
                    "Branches mastered",
                    f"{len(s.mastered_branches)} of {len(r.branches)}"
                    + (f" ({', '.join(s.mastered_branches)})" if s.mastered_branches else ""),
                ),
                ("Completeness", s.completeness_text),
            ],
            (5, 12.4),
        )
        self._labelled(f"Why stage {s.stage}.", s.why)
        self._labelled(f"What stage {s.stage} means.", s.stage_description)
        if s.level_percent is not None:
            self._labelled(
                "Focus areas.",
                f"Every focus area stands at {pct_text(s.level_percent)} met; none is stronger "
                "or weaker than the others.",
            )
        else:
            self._labelled(
                "Strongest focus areas:",
                "; ".join(f"{a.name} ({pct_text(a.percent)})" for a in s.strongest) or "none",
            )
            self._labelled(
                "Weakest focus areas:",
                "; ".join(f"{a.name} ({pct_text(a.percent)})" for a in s.weakest) or "none",
            )
        if s.next_steps:
            self.doc.add_heading(f"Most valuable next steps toward {s.next_target_label}", 2)
            for step in s.next_steps:
                p = self.doc.add_paragraph(style="List Number")
                p.add_run(step.criterion_id + " ").bold = True
                p.add_run(
                    f"{_clean(step.gap.statement)} {_clean(step.action)} "
                    f"(impact {LEVEL[step.gap.impact]}, effort {LEVEL[step.gap.effort]})"
                )
        elif r.roadmap.message:
            self._para(r.roadmap.message)
        if s.unanswered:
            self._para(
                f"{s.unanswered} criteria are unanswered. They count as not met until "
                "they are answered, and are listed apart in the gap report."
            )
        self.doc.add_heading("How to read this report", 2)
        for term, text in READING_GUIDE:
            self._labelled(f"{term}:", text)
        self._para(r.cover.disclaimer, muted=True)

    def _ladder(self) -> None:
        self._heading("ladder")
        self._para(DOCX_CHART_NOTE, muted=True)
        rows: list[tuple[object, ...]] = [
            (
                f"Core stage {st.key}",
                st.name,
                f"{st.met} / {st.total}",
                pct_text(st.percent),
                "reached" if st.reached else "not reached",
            )
            for st in self.report.stages
        ]
        rows += [
            (
                f"Branch {b.key}",
                b.name,
                f"{b.met} / {b.total}",
                pct_text(b.percent),
                "mastered" if b.reached else "not mastered",
            )
            for b in self.report.branches
        ]
        self._table(
            ("Level", "Name", "Criteria met", "Percent met", "Status"), rows, (2.8, 8, 2.2, 2, 2.4)
        )

    def _focus(self) -> None:
        r = self.report
        self._heading("focus-areas")
        self._para(DOCX_CHART_NOTE, muted=True)
        if r.has_peer:
            self._table(
                ("Code", "Focus area", "Met", "Applicable", "Percent met", "Peer median"),
                [
                    (
                        f.code,
                        f.name,
                        f.met,
                        f.total,
                        pct_text(f.percent),
                        peer_text(f.peer_median, f.peer_n),
                    )
                    for f in r.focus_areas
                ],
                (1.5, 7.4, 1.6, 1.6, 2.3, 3),
            )
        else:
            self._table(
                ("Code", "Focus area", "Criteria met", "Applicable criteria", "Percent met"),
                [(f.code, f.name, f.met, f.total, pct_text(f.percent)) for f in r.focus_areas],
                (1.6, 9.8, 2, 2, 2),
            )
            self._para(r.peer_placeholder, muted=True)

    def _benchmark(self) -> None:
        r = self.report
        b = r.benchmark
        self._heading("benchmark")
        if b is None:
            self._para(r.benchmark_placeholder, muted=True)
            return
        self._para(benchmark_intro(r, b))
        if b.includes_demo:
            self._para(DEMO_NOTE, muted=True)
        self._table(
            ("Figure", "Value"),
            [
                ("Release", b.release or "—"),
                ("Peer group", f"{b.group_label} ({b.n} organisations)"),
                (
                    "Median stage",
                    number_text(b.median_stage)
                    + (f" (n = {b.median_stage_n})" if b.median_stage_n else ""),
                ),
                (
                    "This organisation",
                    "—" if b.own_stage is None else f"stage {b.own_stage} (latest submitted)",
                ),
                ("Position among peers", benchmark_position(b)),
            ],
            (5, 12.4),
        )
        if b.basis:
            self._para(f"{b.basis} {PERCENTILE_NOTE}", muted=True)
        self._table(
            ("Code", "Focus area", "This assessment", "Peer median", "n"),
            benchmark_rows(r, b),
            (1.6, 8.4, 2.8, 2.8, 1.8),
        )
        if b.notes:
            self._para("Hidden figures:", muted=True)
            for note in b.notes:
                self._para(note, style="List Bullet")

    def _gaps(self) -> None:
        g = self.report.gaps
        self._heading("gaps")
        if not g.groups:
            self._para("No gaps: every core stage is reached and every branch is mastered.")
        for group in g.groups:
            suffix = " (next target)" if group.target == g.next_target else ""
            self.doc.add_heading(group.label + suffix, level=2)
            self._para(
                f"{group.met} of {group.total} applicable criteria met; "
                f"{len(group.gaps)} not met, {len(group.unanswered)} unanswered.",
                muted=True,
            )
            for gap in group.gaps:
                p = self.doc.add_paragraph()
                p.add_run(gap.criterion_id + " ").bold = True
                p.add_run(_clean(gap.statement)).bold = True
                p.add_run(
                    f"  ({gap.focus_area_name}; impact {LEVEL[gap.impact]}, "
                    f"effort {LEVEL[gap.effort]})"
                ).font.color.rgb = MUTED
                self._labelled("Status.", gap.explanation)
                self._labelled("Recommendation.", _clean(gap.recommendation))
                self._labelled("Evidence.", _clean(gap.evidence))
                for ref in gap.references:
                    self._para(f"{ref.tag}: {ref.title} — {ref.url}", style="List Bullet")
            if group.unanswered:
                self.doc.add_heading("Unanswered (answer these first)", level=3)
                self._table(
                    ("Criterion", "Statement", "Pass mark"),
                    [
                        (u.criterion_id, _clean(u.statement), u.explanation)
                        for u in group.unanswered
                    ],
                    (2.6, 10.4, 4.4),
                )
        self.doc.add_heading("Beyond the stage", level=2)
        if g.beyond:
            self._para(
                "Good practice that counts in the focus-area scores but in no stage or branch "
                "rule: not met or unanswered here."
            )
            self._table(
                ("Criterion", "Statement", "Pass mark and answer", "Recommendation"),
                [
                    (b.criterion_id, _clean(b.statement), b.explanation, _clean(b.recommendation))
                    for b in g.beyond
                ],
                (2.2, 6, 4.2, 5),
            )
        else:
            self._para("Every criterion beyond the stages that applies is met.")
        self.doc.add_heading("Not applicable", level=2)
        if g.not_applicable:
            self._table(
                ("Criterion", "Statement", "Justification"),
                [(n.criterion_id, _clean(n.statement), n.justification) for n in g.not_applicable],
                (2.4, 8.5, 6.5),
            )
        else:
            self._para("No criterion was answered as not applicable.")

    def _roadmap(self) -> None:
        rm = self.report.roadmap
        self._heading("roadmap")
        if rm.target_stage is not None:
            self._labelled("Target:", rm.target_label)
        if rm.message:
            self._para(rm.message)
        for phase in rm.phases:
            self.doc.add_heading(f"Phase {phase.number}: {phase.title}", level=2)
            self._para(
                f"{phase.needed} of {len(phase.steps)} steps needed. Effort: {phase.effort} points "
                "in total (each step counts 1 for low, 2 for medium and 3 for high effort).",
                muted=True,
            )
            self._table(
                ("#", "Criterion", "Action", "Impact", "Effort"),
                [
                    (
                        s.number,
                        s.criterion_id,
                        _clean(s.action),
                        LEVEL[s.gap.impact],
                        LEVEL[s.gap.effort],
                    )
                    for s in phase.steps
                ],
                (1, 2.2, 10.6, 1.8, 1.8),
            )

    def _checklist(self) -> None:
        cl = self.report.checklist
        self._heading("checklist")
        if not cl.groups:
            self._para("The roadmap implies no requirements.")
        for group in cl.groups:
            self.doc.add_heading(group.name, level=2)
            self._table(
                ("Requirement", "Closes", "Phase", "References"),
                [
                    (
                        i.ask,
                        i.criterion_id,
                        i.phase,
                        "\n".join(f"{r.tag}: {r.url}" for r in i.references),
                    )
                    for i in group.items
                ],
                (8.6, 2, 1.3, 5.5),
            )

    def _answers(self) -> None:
        self._heading("answers")
        self._table(
            ("ID", "Criterion", "Answer", "Status", "Comment", "Answered by"),
            [
                (
                    a.criterion_id,
                    a.statement,
                    a.answer,
                    a.explanation or a.status,
                    a.comment,
                    " ".join(x for x in (a.answered_by, format_datetime(a.answered_at)) if x),
                )
                for a in self.report.answers
            ],
            (1.6, 6, 2.8, 1.9, 3, 2.1),
        )

    def build(self) -> bytes:
        self._setup()
        self._cover()
        self._summary()
        self._ladder()
        self._focus()
        self._benchmark()
        self._gaps()
        self._roadmap()
        self._checklist()
        self._answers()
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()
