"""Repeat assessments (issue 10): starting from the previous one, confirming carried answers
(one, a section), submission refused while any waits, the dashboard's plain states, progress
over time and the comparison of two assessments (docs/repeat.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from diam.web.accounts.models import ProgrammeRole
from diam.web.assessments.carried import answer_confirm, section_confirm
from diam.web.assessments.models import AnswerChange, Assessment
from diam.web.assessments.profile import assessment_services_set
from diam.web.assessments.selectors import carried_waiting
from diam.web.assessments.services import CarriedUnconfirmed, assessment_submit, model_for
from diam.web.assessments.upgrade import assessment_repeat
from diam.web.audit.models import AuditEvent
from tests.web.api.conftest import api_client, token_for
from tests.web.assessments.conftest import answer, section_url
from tests.web.conftest import client_for
from tests.web.factories import make_assessment, make_user


@pytest.fixture
def last_year(org, alice) -> Assessment:
    """A submitted assessment on the latest model with answers in two focus areas."""
    earlier = make_assessment(org, alice, title="Assessment 2026")
    answer(earlier, alice, "SI-01", 97, comment="Two mobile units still on CD")
    answer(earlier, alice, "SI-03", True)
    answer(earlier, alice, "SI-04", "within-24h")
    answer(earlier, alice, "HX-02", True)
    return assessment_submit(assessment=earlier, user=alice)


@pytest.fixture
def repeat(last_year, alice) -> Assessment:
    return assessment_repeat(previous=last_year, user=alice, title="Assessment 2027")


def _post_new(client, org, **data):
    return client.post(f"/o/{org.pk}/assessments/new/", data)


def test_the_dashboard_offers_the_previous_assessment_as_the_default_start(
    alice_client, org, last_year
) -> None:
    page = alice_client.get(f"/o/{org.pk}/").content.decode()
    assert f'value="{last_year.pk}"' in page and "Start from" in page
    # The previous assessment's radio is the one checked; a blank start is the other choice.
    checked = page.split("checked", 1)[0].rsplit("<input", 1)[1]
    assert f'value="{last_year.pk}"' in checked
    assert 'value="blank"' in page and "carried, please confirm" in page


def test_the_start_form_names_the_drafts_still_open(alice_client, org, repeat) -> None:
    page = alice_client.get(f"/o/{org.pk}/").content.decode()
    form = page.split('id="new-heading"', 1)[1]
    assert f'<a href="/a/{repeat.pk}/">Assessment 2027</a> is a draft still open' in form
    Assessment.objects.filter(pk=repeat.pk).delete()
    page = alice_client.get(f"/o/{org.pk}/").content.decode()
    assert "still open" not in page


def test_starting_from_the_previous_assessment_carries_its_answers(
    alice_client, org, last_year
) -> None:
    response = _post_new(alice_client, org, start=str(last_year.pk), title="2027")
    new = Assessment.objects.get(title="2027")
    assert response.status_code == 302 and new.previous == last_year
    assert set(new.answers.filter(carried=True).values_list("criterion_id", flat=True)) == {
        "SI-01",
        "SI-03",
        "SI-04",
        "HX-02",
    }
    blank = _post_new(alice_client, org, start="blank", title="Fresh")
    assert blank.status_code == 302
    assert not Assessment.objects.get(title="Fresh").answers.exists()


def test_another_organisations_assessment_cannot_be_started_from(
    alice_client, org, other_org, carol
) -> None:
    theirs = make_assessment(other_org, carol)
    answer(theirs, carol, "SI-03", True)
    assessment_submit(assessment=theirs, user=carol)
    before = Assessment.objects.count()
    response = _post_new(alice_client, org, start=str(theirs.pk), title="Stolen")
    assert response.status_code == 422 and Assessment.objects.count() == before
    assert "Choose a blank assessment or one of the assessments listed" in response.content.decode()


def test_an_assessment_on_the_older_model_version_moves_to_the_latest_through_the_migration(
    org, alice
) -> None:
    old = make_assessment(org, alice, version="1.0.0")
    answer(old, alice, "SI-01", 97)
    old = assessment_submit(assessment=old, user=alice)
    new = assessment_repeat(previous=old, user=alice)
    assert (new.model_version, new.previous_id) == ("2.0.0", old.pk)
    assert new.answers.get(criterion_id="SI-01").carried


def test_a_carried_answer_shows_where_it_came_from_with_a_confirm_button(
    bob_client, vic_client, repeat
) -> None:
    page = bob_client.get(f"/a/{repeat.pk}/s/SI/").content.decode()
    assert "Carried from Assessment 2026, please confirm." in page
    # Nobody saved it in this assessment: the status line says it was carried, not saved.
    status = page.split('id="q-SI-03-status"', 1)[1].split("</span>", 1)[0]
    assert "Carried forward" in status and "Last saved" not in status
    assert f"/a/{repeat.pk}/confirm/SI-03/" in page
    assert "Confirm all in this section (3)" in page
    # A viewer sees the mark but no button.
    page = vic_client.get(f"/a/{repeat.pk}/s/SI/").content.decode()
    assert "Carried from Assessment 2026" in page and "/confirm/" not in page


def test_confirming_one_answer_keeps_its_value_and_records_who(bob_client, bob, repeat) -> None:
    carried = repeat.answers.get(criterion_id="SI-03")
    response = bob_client.post(f"/a/{repeat.pk}/confirm/SI-03/", {"version": carried.version})
    assert response.status_code == 302 and response["Location"].endswith("#q-SI-03")
    confirmed = repeat.answers.get(criterion_id="SI-03")
    assert not confirmed.carried and confirmed.value is True
    assert confirmed.version == carried.version + 1 and confirmed.updated_by == bob
    change = AnswerChange.objects.filter(answer=confirmed).first()
    assert change is not None and change.new["confirmed"] and change.changed_by == bob
    assert AuditEvent.objects.filter(action="answer.confirmed", actor=bob).exists()
    history = bob_client.get(f"/a/{repeat.pk}/history/SI-03/").content.decode()
    assert "Confirmed as carried forward: Yes" in history
    assert "Carried from Assessment 2026: Yes" in history


def test_confirming_with_htmx_redraws_the_question_and_the_sections_count(
    bob_client, repeat
) -> None:
    version = repeat.answers.get(criterion_id="SI-03").version
    response = bob_client.post(
        f"/a/{repeat.pk}/confirm/SI-03/", {"version": version}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200 and response["HX-Retarget"] == "#q-SI-03"
    assert "q-SI-03-carried" not in body  # the "please confirm" note is gone
    assert 'id="carried-section" hx-swap-oob="true"' in body
    assert "Confirm all in this section (2)" in body


def _badge(body: str, code: str) -> str:
    """The sidebar's "N to confirm" element of one focus area, as drawn."""
    return body.split(f'id="carried-{code}"', 1)[1].split("</span></span>", 1)[0]


def test_the_sidebar_counts_the_carried_answers_each_section_waits_for(bob_client, repeat) -> None:
    # A carried answer counts as answered, so "3/3" alone would read as done.
    page = bob_client.get(f"/a/{repeat.pk}/s/SI/").content.decode()
    assert "3 to confirm" in _badge(page, "SI") and "1 to confirm" in _badge(page, "HX")
    assert "to confirm" not in _badge(page, "WS")
    version = repeat.answers.get(criterion_id="SI-03").version
    body = bob_client.post(
        f"/a/{repeat.pk}/confirm/SI-03/", {"version": version}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'id="carried-SI" class="fa-carried" hx-swap-oob="true"' in body
    assert "2 to confirm" in _badge(body, "SI")
    # Saving a carried answer confirms it too: the notice and the sidebar follow.
    si01 = repeat.answers.get(criterion_id="SI-01")
    body = bob_client.post(
        f"/a/{repeat.pk}/answer/SI-01/",
        {"value": "98", "version": str(si01.version)},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "1 to confirm" in _badge(body, "SI")
    assert "Confirm all in this section (1)" in body
    page = bob_client.get(f"/a/{repeat.pk}/s/SI/").content.decode()
    assert "1 to confirm" in _badge(page, "SI")


def test_a_drafts_results_say_how_many_answers_are_carried_and_unconfirmed(
    bob_client, repeat
) -> None:
    page = bob_client.get(f"/a/{repeat.pk}/results/").content.decode()
    assert "4 of the answers are carried from Assessment 2026 and not yet confirmed." in page
    bob_client.post(f"/a/{repeat.pk}/s/SI/confirm/", {"criteria": "SI-01,SI-03,SI-04"})
    page = bob_client.get(f"/a/{repeat.pk}/results/").content.decode()
    assert "1 of the answers is carried from Assessment 2026" in page


def test_a_stale_confirm_is_refused_and_changes_nothing(bob_client, alice, repeat) -> None:
    stale = repeat.answers.get(criterion_id="SI-01").version
    answer(repeat, alice, "SI-01", 80)  # Alice changed it (which confirms it) meanwhile
    response = bob_client.post(f"/a/{repeat.pk}/confirm/SI-01/", {"version": stale})
    assert response.status_code == 302  # back to the question, which shows the message
    current = repeat.answers.get(criterion_id="SI-01")
    assert current.value == 80 and current.updated_by == alice
    page = bob_client.get(f"/a/{repeat.pk}/s/SI/").content.decode()
    assert "was changed by" in page and "not confirmed" in page


def test_a_viewer_cannot_confirm(vic_client, repeat) -> None:
    version = repeat.answers.get(criterion_id="SI-03").version
    response = vic_client.post(f"/a/{repeat.pk}/confirm/SI-03/", {"version": version})
    assert response.status_code == 403 and repeat.answers.get(criterion_id="SI-03").carried


def test_confirm_all_in_a_section_confirms_only_the_answers_the_page_showed(
    bob_client, bob, repeat
) -> None:
    response = bob_client.post(f"/a/{repeat.pk}/s/SI/confirm/", {"criteria": "SI-01,SI-03"})
    assert response.status_code == 302
    still = set(repeat.answers.filter(carried=True).values_list("criterion_id", flat=True))
    assert still == {"SI-04", "HX-02"}  # SI-04 was not shown; HX-02 is another section
    event = AuditEvent.objects.get(action="answers.confirmed_section")
    assert event.detail["criteria"] == ["SI-01", "SI-03"] and event.actor == bob


def test_confirm_all_refuses_a_criterion_of_another_section_and_confirms_nothing(
    bob_client, repeat
) -> None:
    bob_client.post(f"/a/{repeat.pk}/s/SI/confirm/", {"criteria": "SI-01,HX-02"})
    assert repeat.answers.filter(carried=True).count() == 4
    page = bob_client.get(f"/a/{repeat.pk}/s/SI/").content.decode()
    assert "Nothing was confirmed: HX-02: not criteria of SI." in page


def test_submission_waits_until_every_carried_answer_is_confirmed(alice_client, repeat) -> None:
    page = alice_client.get(f"/a/{repeat.pk}/submit/").content.decode()
    assert "Carried answers to confirm" in page
    assert "Submit and lock the assessment" not in page
    # One sentence, not two parentheses in a row; the counts in the order they matter.
    line = " ".join(page.split("Completeness: <strong>", 1)[1].split("</p>", 1)[0].split())
    assert line.endswith("</strong>: 4 met, 0 not met, 0 answered N/A, 97 unanswered; 0 not asked.")
    response = alice_client.post(f"/a/{repeat.pk}/submit/")
    repeat.refresh_from_db()
    assert repeat.status == "draft"
    message = alice_client.get(response["Location"]).content.decode()
    assert "4 answers carried from the previous assessment still wait for confirmation" in message
    for code in ("SI", "HX"):
        ids = ",".join(
            a.criterion_id
            for a in repeat.answers.filter(carried=True)
            if model_for(repeat).criteria_by_id[a.criterion_id].focus_area == code
        )
        alice_client.post(f"/a/{repeat.pk}/s/{code}/confirm/", {"criteria": ids})
    alice_client.post(f"/a/{repeat.pk}/submit/")
    repeat.refresh_from_db()
    assert repeat.status == "submitted"


def test_the_dashboard_shows_a_draft_as_answered_percent_never_a_stage(
    alice_client, org, repeat, last_year
) -> None:
    page = alice_client.get(f"/o/{org.pk}/").content.decode()
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")
    draft = next(r for r in rows if "Assessment 2027" in r)
    submitted = next(r for r in rows if "Assessment 2026" in r)
    assert "Answered" in draft and "4 carried answers to confirm" in draft
    assert "Stage" not in draft and "provisional" not in draft
    assert f"Stage {last_year.stage}" in submitted


def test_the_progress_page_shows_a_timeline_of_submitted_assessments(
    alice_client, carol_client, org, alice, repeat, last_year
) -> None:
    for code in ("SI", "HX"):
        ids = [a for a in ("SI-01", "SI-03", "SI-04", "HX-02") if a.startswith(code)]
        alice_client.post(f"/a/{repeat.pk}/s/{code}/confirm/", {"criteria": ",".join(ids)})
    answer(repeat, alice, "SI-02", 100)
    assessment_submit(assessment=repeat, user=alice)
    page = alice_client.get(f"/o/{org.pk}/progress/").content.decode()
    assert page.count('class="diam-chart diam-timeline"') == 2
    table = page.split('class="timeline-table"', 1)[1]
    assert "Assessment 2026" in table and "Assessment 2027" in table
    assert table.index("Assessment 2026") < table.index("Assessment 2027")  # oldest first
    assert carol_client.get(f"/o/{org.pk}/progress/").status_code == 404


def test_the_progress_page_leaves_drafts_out(alice_client, org, repeat) -> None:
    page = alice_client.get(f"/o/{org.pk}/progress/").content.decode()
    table = page.split('class="timeline-table"', 1)[1].split("</table>", 1)[0]
    assert "Assessment 2026" in table and "Assessment 2027" not in table


def test_comparing_two_assessments_lists_criteria_newly_met_and_no_longer_met(
    bob_client, alice, org, repeat, last_year
) -> None:
    answer(repeat, alice, "SI-03", False)  # no longer met
    answer(repeat, alice, "SI-02", 100)  # newly met
    page = bob_client.get(
        f"/o/{org.pk}/progress/compare/", {"before": last_year.pk, "after": repeat.pk}
    ).content.decode()
    newly = page.split('id="newly-heading"', 1)[1].split('id="lost-heading"', 1)[0]
    lost = page.split('id="lost-heading"', 1)[1]
    assert "SI-02" in newly and "SI-03" not in newly
    assert "SI-03" in lost and "SI-02" not in lost
    assert "each criterion with itself" in page
    assert "A draft takes part" in page


def test_the_comparison_starts_from_what_the_latest_assessment_was_started_from(
    alice_client, org, alice, repeat, last_year
) -> None:
    # Another draft, older than the repeat but newer than last year's: not the default.
    other = make_assessment(org, alice, title="Side draft")
    Assessment.objects.filter(pk=other.pk).update(
        created_at=last_year.created_at + timedelta(hours=12)
    )
    Assessment.objects.filter(pk=repeat.pk).update(
        created_at=last_year.created_at + timedelta(days=1)
    )
    page = alice_client.get(f"/o/{org.pk}/progress/compare/").content.decode()
    assert "From Assessment 2026 to Assessment 2027" in page
    progress = alice_client.get(f"/o/{org.pk}/progress/").content.decode()
    before = progress.split('name="before"', 1)[1].split("</select>", 1)[0]
    selected = before.split(" selected", 1)[0].rsplit("<option", 1)[1]
    assert f'value="{last_year.pk}"' in selected


def test_comparing_across_model_versions_names_criteria_without_a_counterpart(
    alice_client, org, alice
) -> None:
    old = make_assessment(org, alice, version="1.0.0", title="Old model")
    answer(old, alice, "SI-01", 97)
    old = assessment_submit(assessment=old, user=alice)
    new = assessment_repeat(previous=old, user=alice, title="New model")
    page = alice_client.get(
        f"/o/{org.pk}/progress/compare/", {"before": new.pk, "after": old.pk}
    ).content.decode()
    # Picked the wrong way round: still shown from the earlier to the later one.
    assert "From Old model to New model" in page
    assert "criteria matched through the migration 2.0.0 declares from 1.0.0" in page
    assert "Criteria without a counterpart" in page


def test_a_comparison_refuses_another_organisations_assessment(
    alice_client, org, other_org, carol, last_year, repeat
) -> None:
    theirs = make_assessment(other_org, carol)
    response = alice_client.get(
        f"/o/{org.pk}/progress/compare/", {"before": last_year.pk, "after": theirs.pk}
    )
    assert response.status_code == 422
    assert "Choose the later assessment from the list." in response.content.decode()
    assert "Test assessment" not in response.content.decode()


def test_every_way_to_submit_refuses_while_a_carried_answer_waits(repeat, alice) -> None:
    from diam.web.assessments.services import AssessmentLocked, CarriedUnconfirmed

    with pytest.raises(CarriedUnconfirmed) as refused:
        assessment_submit(assessment=repeat, user=alice)
    # A kind of AssessmentLocked: the API's 409 and the page's message handle it unchanged.
    assert isinstance(refused.value, AssessmentLocked)
    assert "(in HX, SI)" in str(refused.value) and "Nothing was submitted" in str(refused.value)
    repeat.refresh_from_db()
    assert repeat.status == "draft" and repeat.submitted_at is None


# --- carried answers to questions not asked ------------------------------------------------------


@pytest.fixture
def paediatric(org, alice) -> Assessment:
    """A repeat of an assessment that answered SI-03 and PM-09 (paediatric CT protocols, asked
    only of organisations that image children), with no service profile yet."""
    earlier = make_assessment(org, alice, title="Assessment 2026")
    answer(earlier, alice, "SI-03", True)
    answer(earlier, alice, "PM-09", True)
    earlier = assessment_submit(assessment=earlier, user=alice)
    return assessment_repeat(previous=earlier, user=alice, title="Assessment 2027")


def test_a_carried_answer_the_profile_hides_does_not_wait_and_waits_again_once_asked(
    paediatric, alice, bob
) -> None:
    repeat = paediatric
    assert set(carried_waiting(repeat)) == {"SI-03", "PM-09"}
    assessment_services_set(assessment=repeat, user=alice, services={"paediatrics": False})
    assert carried_waiting(repeat) == ["SI-03"]
    # A Confirm-all posted from a page drawn before the profile changed leaves it carried.
    assert section_confirm(assessment=repeat, code="PM", criterion_ids=["PM-09"], user=bob) == []
    version = repeat.answers.get(criterion_id="SI-03").version
    answer_confirm(assessment=repeat, criterion_id="SI-03", expected_version=version, user=bob)
    # Children imaged after all: PM-09 is asked again, so it waits again.
    assessment_services_set(assessment=repeat, user=alice, services={"paediatrics": True})
    with pytest.raises(CarriedUnconfirmed, match=r"^1 answer carried .* waits .* \(in PM\)"):
        assessment_submit(assessment=repeat, user=alice)
    assessment_services_set(assessment=repeat, user=alice, services={"paediatrics": False})
    submitted = assessment_submit(assessment=repeat, user=alice)
    assert submitted.status == "submitted"
    assert submitted.answers.get(criterion_id="PM-09").carried  # kept, never silently confirmed


def test_skip_logic_decides_which_carried_answers_wait(org, alice) -> None:
    draft = make_assessment(org, alice, version="1.0.0")
    answer(draft, alice, "QS-07", True)
    answer(draft, alice, "QS-09", "none")  # no AI tool in use: QS-07 is not asked
    draft.answers.update(carried=True)  # as a repeat carries them
    assert carried_waiting(draft) == ["QS-09"]
    answer(draft, alice, "QS-09", "registered")  # saving confirms it, and asks QS-07 again
    assert carried_waiting(draft) == ["QS-07"]


def test_every_page_and_the_api_count_only_carried_answers_still_asked(
    paediatric, org, alice, alice_client
) -> None:
    repeat = paediatric
    assessment_services_set(assessment=repeat, user=alice, services={"paediatrics": False})
    dashboard = alice_client.get(f"/o/{org.pk}/").content.decode()
    row = next(r for r in dashboard.split("<tr>") if "Assessment 2027" in r)
    assert "1 carried answer to confirm" in row
    pm = alice_client.get(section_url(repeat, "PM")).content.decode()
    assert "Confirm all in this section" not in pm
    assert "Carried answer, not asked now: Yes. It needs no confirmation" in pm
    assert (
        "Confirm all in this section (1)"
        in alice_client.get(section_url(repeat, "SI")).content.decode()
    )
    submit = alice_client.get(f"/a/{repeat.pk}/submit/").content.decode()
    listed = submit.split('id="carried-heading"', 1)[1].split("</section>", 1)[0]
    assert f'/a/{repeat.pk}/s/SI/">' in listed and "1 to confirm" in listed
    assert f"/a/{repeat.pk}/s/PM/" not in listed
    pat = make_user("pat@example.org", "Pat", programme_role=ProgrammeRole.ADMIN)
    console = client_for(pat).get(f"/programme/organisations/{org.pk}/").content.decode()
    assert "1 carried answer to confirm" in console

    api = api_client(token_for(alice, org))
    refused = api.post(f"/api/assessments/{repeat.pk}/submit")
    assert refused.status_code == 409
    assert refused.json()["message"].startswith("1 answer carried from the previous assessment")
    assert "(in SI)" in refused.json()["message"]
    version = repeat.answers.get(criterion_id="SI-03").version
    alice_client.post(f"/a/{repeat.pk}/confirm/SI-03/", {"version": version})
    assert api.post(f"/api/assessments/{repeat.pk}/submit").status_code == 200


def test_an_assessment_on_a_model_version_no_longer_installed_keeps_the_pages_working(
    alice_client, org, alice, last_year
) -> None:
    """A version removed from models/ (an operator's choice) must not break the dashboard or
    the progress page: the stored stage is shown, the scored views leave it out."""
    Assessment.objects.filter(pk=last_year.pk).update(model_version="0.9.0", stage=3)
    dashboard = alice_client.get(f"/o/{org.pk}/")
    assert dashboard.status_code == 200
    assert "0.9.0" in dashboard.content.decode()
    assert alice_client.get(f"/o/{org.pk}/progress/").status_code == 200
