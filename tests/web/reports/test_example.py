"""The shipped stage-3 example answered through the survey's service: stage 3, and a checklist
that asks for what the stage-4 blockers need."""

from __future__ import annotations

import csv
import io

from diam.reports import build_report
from diam.web.assessments.services import assessment_result, model_for
from diam.web.reports.selectors import report_for_assessment
from tests.web.reports.conftest import survey_fill


def _clean(text: str) -> str:
    return " ".join(text.split())


def test_the_stage_3_example_reports_stage_3_and_asks_for_the_stage_4_blockers(
    alice_client, alice, assessment
) -> None:
    survey_fill(assessment, alice)  # services.answer_save, one criterion at a time
    model = model_for(assessment)
    result = assessment_result(assessment)
    assert result.stage == 3 and result.next_target == "S4"
    blockers = result.blockers
    assert blockers

    report = report_for_assessment(assessment=assessment)
    assert report.summary.stage == 3 and report.cover.stage == 3
    asks = {item.criterion_id: item.ask for item in report.checklist.items}
    for cid in blockers:
        assert asks[cid] == _clean(model.criteria_by_id[cid].ask)

    response = alice_client.get(f"/a/{assessment.pk}/checklist.csv")  # a quick kind: at once
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    by_id = {row[2]: row for row in rows[1:]}
    for cid in blockers:
        assert by_id[cid][1] == _clean(model.criteria_by_id[cid].ask)

    page = alice_client.get(f"/a/{assessment.pk}/report/").content.decode()
    assert '<div class="stage-number">3</div>' in page


def test_the_web_report_is_the_cli_report_of_the_same_answers(alice, assessment) -> None:
    """Same builder, same inputs: the database round trip loses nothing the report shows."""
    sheet = survey_fill(assessment, alice)
    web = report_for_assessment(assessment=assessment, target_stage=6, branch_order="CB")
    cli = build_report(
        model=model_for(assessment),
        values=sheet.values,
        comments=sheet.comments,
        organisation="St Elsewhere Hospital",
        assessment_date=web.cover.assessment_date,
        status="draft",
        target_stage=6,
        branch_order="CB",
    )
    assert web.result.criteria == cli.result.criteria
    assert web.gaps == cli.gaps and web.roadmap == cli.roadmap and web.checklist == cli.checklist
    assert [(a.criterion_id, a.answer, a.comment) for a in web.answers] == [
        (a.criterion_id, a.answer, a.comment) for a in cli.answers
    ]
    assert all(a.answered_by == "Alice Admin" for a in web.answers if a.answer != "—")
