"""Dashboard, section assignment, submission and reopening."""

from __future__ import annotations

import re

from diam.web.assessments.models import Assessment, AssessmentEvent, EventKind, Status
from diam.web.assessments.services import assignments_state
from tests.web.assessments.conftest import answer, answer_url, section_url


def sidebar_codes(html: str) -> list[str]:
    nav = html[html.index('<nav class="sidebar"') :]
    nav = nav[: nav.index("</nav>")]
    return re.findall(r'id="progress-([A-Z]{2})"', nav)


def test_the_dashboard_lists_assessments_with_status_stage_and_completeness(
    alice_client, bob_client, org, alice, assessment
) -> None:
    answer(assessment, alice, "SI-01", 99)
    page = alice_client.get(f"/o/{org.pk}/").content.decode()
    assert "Test assessment" in page and "radiology 2.0.0" in page
    assert 'class="badge badge-draft">Draft' in page
    # A draft shows how much is answered, never a provisional stage (issue 10).
    assert "(provisional)" not in page and "Draft: no stage until submitted" in page
    assert "Answered 1 %" in page  # 1 of 101 answered, computed from the answers
    assert "Start a new assessment" in page
    assert f'href="/o/{org.pk}/members/"' in page
    bob_page = bob_client.get(f"/o/{org.pk}/").content.decode()
    assert "Test assessment" in bob_page and "Start a new assessment" not in bob_page


def test_the_dashboard_has_an_empty_state(alice_client, org) -> None:
    page = alice_client.get(f"/o/{org.pk}/").content.decode()
    assert "No assessments yet." in page and "Start a new assessment" in page


def test_an_admin_starts_a_new_assessment(alice_client, org) -> None:
    response = alice_client.post(f"/o/{org.pk}/assessments/new/", {"title": "Spring 2027"})
    created = Assessment.objects.get(title="Spring 2027")
    assert response.status_code == 302 and response["Location"] == f"/a/{created.pk}/"
    assert created.organisation == org and created.status == Status.DRAFT
    assert created.events.filter(kind=EventKind.CREATED).exists()


def test_a_too_long_title_creates_nothing(alice_client, org) -> None:
    response = alice_client.post(f"/o/{org.pk}/assessments/new/", {"title": "x" * 121}, follow=True)
    assert "at most 120 characters" in response.content.decode()
    assert not Assessment.objects.exists()


def test_section_assignment_puts_bob_s_sections_first(
    alice_client, bob_client, bob, assessment
) -> None:
    assert sidebar_codes(bob_client.get(section_url(assessment, "SI")).content.decode())[:2] == [
        "SI",
        "HX",
    ]
    table = alice_client.get(f"/a/{assessment.pk}/assign/").content.decode()
    assert f'name="fa-QS" value="{bob.pk}"' in table and "Bob Contributor" in table
    state = re.search(r'name="state" value="([0-9a-f]+)"', table).group(1)
    response = alice_client.post(
        f"/a/{assessment.pk}/assign/",
        {"fa-QS": [str(bob.pk)], "fa-PM": [str(bob.pk)], "state": state},
    )
    assert response.status_code == 302
    assert f'name="fa-QS" value="{bob.pk}" id="assign-QS-{bob.pk}" checked' in (
        alice_client.get(f"/a/{assessment.pk}/assign/").content.decode()
    )
    # Bob now starts at his first assigned section, and sees his sections first, marked.
    start = bob_client.get(f"/a/{assessment.pk}/")
    assert start["Location"] == section_url(assessment, "QS")
    page = bob_client.get(start["Location"]).content.decode()
    codes = sidebar_codes(page)
    assert codes[:2] == ["QS", "PM"] and len(codes) == 10
    assert page.count("assigned to you") == 2
    assert "Assigned to Bob Contributor (including you)." in page
    # Alice's order is unchanged.
    assert (
        sidebar_codes(alice_client.get(section_url(assessment, "SI")).content.decode())[0] == "SI"
    )


def test_assignment_ignores_people_outside_the_organisation(
    alice_client, carol, vic, assessment
) -> None:
    state = assignments_state(assessment=assessment)
    alice_client.post(
        f"/a/{assessment.pk}/assign/", {"fa-SI": [str(carol.pk), str(vic.pk)], "state": state}
    )
    assert not assessment.assignments.exists()


def test_assignments_saved_meanwhile_are_never_overwritten(
    alice_client, alice, bob, vic, assessment
) -> None:
    """Optimistic concurrency: two admins open the table; the second save is refused (409)."""
    opened = assignments_state(assessment=assessment)
    first = alice_client.post(
        f"/a/{assessment.pk}/assign/", {"fa-SI": [str(bob.pk)], "state": opened}
    )
    assert first.status_code == 302
    second = alice_client.post(
        f"/a/{assessment.pk}/assign/", {"fa-HX": [str(vic.pk)], "state": opened}
    )
    assert second.status_code == 409
    assert "were not saved" in second.content.decode()
    assert set(assessment.assignments.values_list("focus_area", "user_id")) == {("SI", bob.pk)}
    stale = alice_client.post(f"/a/{assessment.pk}/assign/", {"fa-HX": [str(vic.pk)]})
    assert stale.status_code == 409  # no state at all: not a save from the current table


def test_the_submit_page_lists_unanswered_first_and_the_provisional_stage(
    alice_client, bob_client, alice, assessment
) -> None:
    answer(assessment, alice, "SI-01", 99)
    page = alice_client.get(f"/a/{assessment.pk}/submit/").content.decode()
    assert page.index("Unanswered criteria") < page.index("Provisional stage")
    assert f'href="/a/{assessment.pk}/s/SI/#q-SI-02"' in page
    assert f'href="/a/{assessment.pk}/s/SI/#q-SI-01"' not in page
    assert "Submit and lock the assessment" in page
    assert "not an official DIAM rating" in page
    bob_page = bob_client.get(f"/a/{assessment.pk}/submit/").content.decode()
    assert "Only an organisation admin can submit" in bob_page
    assert "Submit and lock the assessment" not in bob_page


def test_submitting_locks_the_survey_and_reopening_needs_a_reason(
    alice_client, alice, assessment
) -> None:
    answer(assessment, alice, "SI-03", True)
    response = alice_client.post(f"/a/{assessment.pk}/submit/")
    assert response.status_code == 302 and response["Location"] == f"/a/{assessment.pk}/results/"
    assessment.refresh_from_db()
    assert assessment.status == Status.SUBMITTED and assessment.submitted_by == alice
    page = alice_client.get(section_url(assessment, "SI")).content.decode()
    assert "Read-only." in page and 'name="value"' not in page
    refused = alice_client.post(answer_url(assessment, "SI-03"), {"value": "no", "version": "1"})
    assert refused.status_code == 302
    assert assessment.answers.get(criterion_id="SI-03").value is True
    # Submitting twice is refused with a message.
    again = alice_client.post(f"/a/{assessment.pk}/submit/", follow=True)
    assert "already submitted" in again.content.decode()

    blank = alice_client.post(f"/a/{assessment.pk}/reopen/", {"reason": "   "})
    assert blank.status_code == 422
    assert "Give a reason for reopening" in blank.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == Status.SUBMITTED

    reopened = alice_client.post(
        f"/a/{assessment.pk}/reopen/", {"reason": "PACS figure was for 2025"}, follow=True
    )
    assessment.refresh_from_db()
    assert assessment.status == Status.DRAFT
    event = AssessmentEvent.objects.get(assessment=assessment, kind=EventKind.REOPENED)
    assert event.reason == "PACS figure was for 2025" and event.user == alice
    assert "is reopened" in reopened.content.decode()
    history = alice_client.get(f"/a/{assessment.pk}/submit/").content.decode()
    assert "Reason: PACS figure was for 2025" in history
    assert "Reopened" in history and "Submitted" in history and "Created" in history
    # Answers can change again.
    saved = alice_client.post(answer_url(assessment, "SI-03"), {"value": "no", "version": "1"})
    assert saved.status_code == 302
    assert assessment.answers.get(criterion_id="SI-03").value is False


def test_the_submitted_status_page_offers_reopening_to_admins(
    alice_client, bob_client, alice, assessment
) -> None:
    alice_client.post(f"/a/{assessment.pk}/submit/")
    assert (
        "Reopen the assessment" in alice_client.get(f"/a/{assessment.pk}/submit/").content.decode()
    )
    bob_page = bob_client.get(f"/a/{assessment.pk}/submit/").content.decode()
    assert "Reopen the assessment" not in bob_page and "Status and history" in bob_page


def test_tabs_and_wording_follow_the_assessment_s_state_and_the_reader_s_role(
    alice_client, bob_client, vic_client, assessment
) -> None:
    """Draft: the admin may assign sections and submit, others only review. Submitted (and
    validated alike, both locked): nothing invites answering, assigning or submitting."""
    status, survey = f"/a/{assessment.pk}/submit/", section_url(assessment, "SI")
    assign_link = f'href="/a/{assessment.pk}/assign/"'
    draft = alice_client.get(status).content.decode()
    assert assign_link in draft and ">Review and submit</a>" in draft
    assert "Answer them, or submit anyway." in draft
    for client in (bob_client, vic_client):  # a contributor and a viewer
        page = client.get(status).content.decode()
        assert assign_link not in page and ">Review</a>" in page
        assert "submit anyway" not in page and "Submit and lock" not in page
    assert (
        "Answer them before an organisation admin submits"
        in bob_client.get(status).content.decode()
    )

    alice_client.post(status)
    for state in (Status.SUBMITTED, Status.VALIDATED):
        Assessment.objects.filter(pk=assessment.pk).update(status=state)
        for client in (alice_client, bob_client, vic_client):
            for url in (status, survey):
                page = client.get(url).content.decode()
                assert assign_link not in page and "Assign sections" not in page
                assert "submit anyway" not in page and "and submit" not in page
                assert "Status and history" in page
        locked = alice_client.get(status).content.decode()
        assert f"Status: {state.label.lower()}" in locked
        assert "were not answered when the assessment was submitted" in locked
