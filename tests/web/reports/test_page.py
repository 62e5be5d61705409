"""The report page: the same body as the PDF, inside the site layout, with target and order."""

from __future__ import annotations

import html
import re

from diam.reports.document import PEER_PLACEHOLDER, SECTIONS
from diam.reports.roadmap import ANSWER_FIRST
from diam.web.reports.selectors import report_for_assessment
from diam.web.reports.views import report_body
from tests.web.reports.conftest import PAGE


def _page(client, assessment, query: str = "") -> tuple[int, str]:
    response = client.get(PAGE.format(pk=assessment.pk) + query)
    return response.status_code, response.content.decode()


def test_member_sees_every_section_and_the_unmet_criteria_of_the_next_target(
    bob_client, filled
) -> None:
    status, page = _page(bob_client, filled)
    assert status == 200
    for anchor, title in SECTIONS:
        assert f'<h2 id="{anchor}">{html.escape(title)}</h2>' in page
    report = report_for_assessment(assessment=filled)
    assert report.summary.stage == 3
    next_group = report.gaps.groups[0]
    assert next_group.target == report.gaps.next_target == "S4"
    unmet = [g.criterion_id for g in next_group.gaps]
    assert unmet
    for cid in unmet:
        assert f'<span class="cid">{cid}</span>' in page
    # Inside the site layout, with the organisation's name and the report's scoped stylesheet.
    assert '<main id="main"' in page and "St Elsewhere Hospital" in page
    assert re.search(r'<link rel="stylesheet" href="/reports/report.css\?v=[0-9a-f]{12}">', page)
    assert '<div class="report-doc">' in page


def test_the_page_body_is_the_html_the_pdf_is_made_from(alice_client, filled) -> None:
    _, page = _page(alice_client, filled, "?target=6&branch_order=BCA")
    report = report_for_assessment(assessment=filled, target_stage=6, branch_order="BCA")
    assert report_body(report) in page


def test_target_and_branch_order_change_the_roadmap(alice_client, filled) -> None:
    _, default = _page(alice_client, filled)
    assert "<strong>Target:</strong> Stage 4: " in default
    assert "Master branch" not in default
    assert '<option value="4" selected>' in default

    _, c_first = _page(alice_client, filled, "?target=5&branch_order=CAB")
    assert "<strong>Target:</strong> Stage 5: " in c_first
    assert "Master branch C: " in c_first and "Master branch A: " not in c_first
    assert '<option value="5" selected>' in c_first
    assert '<option value="CAB" selected>' in c_first

    _, a_first = _page(alice_client, filled, "?target=5&branch_order=ACB")
    assert "Master branch A: " in a_first and "Master branch C: " not in a_first

    _, two = _page(alice_client, filled, "?target=6&branch_order=BA")  # partial: completed
    assert two.index("Master branch B: ") < two.index("Master branch A: ")


def test_download_links_carry_the_chosen_target_and_branch_order(alice_client, filled) -> None:
    _, page = _page(alice_client, filled, "?target=5&branch_order=cab")
    pk = filled.pk
    for suffix in ("report.pdf", "report.docx", "report.xlsx", "checklist.xlsx", "checklist.csv"):
        assert f'href="/a/{pk}/{suffix}?target=5&amp;branch_order=CAB"' in page
    _, default = _page(alice_client, filled)
    assert f'href="/a/{pk}/report.pdf"' in default  # the defaults need no parameters


def test_only_stages_above_the_current_one_are_offered(alice_client, filled) -> None:
    _, page = _page(alice_client, filled)
    offered = re.findall(r'<option value="(\d)"', page)
    assert offered == ["4", "5", "6", "7"]
    branch_orders = re.findall(r'<option value="([A-C]{3})"', page)
    assert sorted(branch_orders) == ["ABC", "ACB", "BAC", "BCA", "CAB", "CBA"]


def test_a_draft_is_provisional_and_peers_wait_for_benchmarks(alice_client, filled) -> None:
    _, page = _page(alice_client, filled)
    assert "<strong>Provisional.</strong>" in page
    assert "Draft: answers may still change" in page  # the report's own cover
    assert PEER_PLACEHOLDER in page


def test_an_empty_assessment_reports_everything_unanswered(alice_client, assessment) -> None:
    status, page = _page(alice_client, assessment)
    assert status == 200
    assert "Stage 0" in page and ANSWER_FIRST.split(":")[0] in page


def test_answers_comments_and_respondents_come_from_the_database(alice_client, filled) -> None:
    filled.answers.filter(criterion_id="WS-06").update(
        na=True, value=None, justification="One segmented device network"
    )
    report = report_for_assessment(assessment=filled)
    rows = {a.criterion_id: a for a in report.answers}
    assert rows["CD-02"].comment.startswith("Two senior MSK radiologists")
    assert rows["CD-02"].answered_by == "Alice Admin" and rows["CD-02"].answered_at is not None
    assert rows["WS-06"].answer == "N/A: One segmented device network"
    # Every status comes with its pass mark and the answer.
    assert rows["SI-01"].explanation == "Met at ≥ 95 %; answered 97 %"
    assert report.cover.organisation == "St Elsewhere Hospital"
    assert report.cover.status == "draft"
    assert report.cover.assessment_date == filled.created_at.date()


def test_the_page_needs_a_handful_of_queries(
    alice_client, filled, django_assert_max_num_queries
) -> None:
    # session, user, assessment + organisation, membership, answers + respondents; the
    # benchmarks app's organisation row and peer snapshot version (its Benchmark section)
    with django_assert_max_num_queries(7):
        response = alice_client.get(PAGE.format(pk=filled.pk))
    assert response.status_code == 200


def test_the_results_page_links_to_the_report(alice_client, filled) -> None:
    page = alice_client.get(f"/a/{filled.pk}/results/").content.decode()
    assert f'href="/a/{filled.pk}/report/"' in page
    assert f'href="/a/{filled.pk}/report.pdf"' in page
    assert f'href="/a/{filled.pk}/checklist.csv"' in page
