"""The service profile at the start of the survey, and criteria bound to a jurisdiction."""

from __future__ import annotations

import pytest

from diam.web.assessments.models import Assessment
from diam.web.assessments.profile import assessment_services_set
from diam.web.assessments.services import AssessmentLocked, assessment_result, assessment_submit
from diam.web.audit.models import AuditEvent
from tests.web.assessments.conftest import answer, section_url
from tests.web.factories import make_assessment, make_member, make_organisation, make_user

PROFILE = "/a/{pk}/profile/"
NO_KIDS_NO_NM = {
    "ct": "yes",
    "mr": "yes",
    "mammography": "yes",
    "nuclear-medicine": "no",
    "radionuclide-therapy": "no",
    "interventional": "no",
    "paediatrics": "no",
    "other-image-areas": "no",
    "external-referrers": "yes",
    "ai": "",
}


def test_a_new_survey_starts_with_the_service_profile(
    alice_client, bob_client, vic_client, assessment
) -> None:
    response = alice_client.get(f"/a/{assessment.pk}/")
    assert response["Location"] == PROFILE.format(pk=assessment.pk)
    page = alice_client.get(response["Location"]).content.decode()
    assert "Does the organisation perform CT examinations?" in page
    assert "Is AI-based software that analyses images or reports in clinical use?" in page
    assert "Every criterion of the model is asked." in page
    # Contributors go to their sections (the sidebar says where to start); viewers cannot
    # fill it in. Both open the survey at the first focus area.
    assert bob_client.get(f"/a/{assessment.pk}/")["Location"] == section_url(assessment, "SI")
    assert vic_client.get(f"/a/{assessment.pk}/")["Location"] == section_url(assessment, "SI")
    sidebar = bob_client.get(section_url(assessment, "SI")).content.decode()
    assert 'Service profile</a> <span class="badge badge-draft">start here</span>' in sidebar


def test_saving_the_profile_takes_the_services_questions_out(alice_client, assessment) -> None:
    response = alice_client.post(PROFILE.format(pk=assessment.pk), NO_KIDS_NO_NM)
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.services == {
        "ct": True,
        "mr": True,
        "mammography": True,
        "nuclear-medicine": False,
        "radionuclide-therapy": False,
        "interventional": False,
        "paediatrics": False,
        "other-image-areas": False,
        "external-referrers": True,
    }
    pm = alice_client.get(section_url(assessment, "PM")).content.decode()
    assert 'id="q-PM-09-yes"' not in pm
    assert "Not applicable: the service profile has no paediatric imaging." in pm
    assert "Not applicable: the service profile has no radionuclide therapy." in pm
    result = assessment_result(assessment)
    assert {"PM-08", "PM-09", "QS-13", "PU-05", "SI-06", "PU-06"} <= set(result.out_of_scope)
    # The page lists what is not asked, and the survey's progress no longer counts it.
    page = alice_client.get(PROFILE.format(pk=assessment.pk)).content.decode()
    assert "PM-09 Paediatric CT protocols" in page
    assert f"0 of {101 - len(result.out_of_scope)} answered" in pm
    audit = AuditEvent.objects.get(action="assessment.services_set")
    assert audit.detail["after"]["paediatrics"] is False


def test_only_editors_change_the_profile_of_a_draft(vic_client, alice, assessment) -> None:
    assert vic_client.post(PROFILE.format(pk=assessment.pk), NO_KIDS_NO_NM).status_code == 403
    with pytest.raises(ValueError, match="Unknown service"):
        assessment_services_set(assessment=assessment, user=alice, services={"dental": True})
    assessment_submit(assessment=assessment, user=alice)
    with pytest.raises(AssessmentLocked):
        assessment_services_set(assessment=assessment, user=alice, services={"ct": True})
    assert Assessment.objects.get(pk=assessment.pk).services == {}


def test_another_organisation_cannot_see_the_profile(carol_client, assessment) -> None:
    assert carol_client.get(PROFILE.format(pk=assessment.pk)).status_code == 404


def test_eu_law_criteria_are_not_asked_outside_the_eu(db) -> None:
    riyadh = make_organisation("Riyadh Imaging", country="SA")
    admin = make_user("admin@riyadh.example")
    make_member(admin, riyadh, "admin")
    assessment = make_assessment(riyadh, admin)
    from tests.web.conftest import client_for

    page = client_for(admin).get(section_url(assessment, "QS")).content.decode()
    assert 'id="q-QS-01-value"' not in page
    assert "Not applicable in Saudi Arabia (applies in European Union member states)." in page
    assert assessment_result(assessment).out_of_scope["QS-01"] == "jurisdiction"


def test_the_same_criterion_is_asked_in_an_eu_country(alice_client, assessment) -> None:
    page = alice_client.get(section_url(assessment, "QS")).content.decode()  # St Elsewhere: NL
    assert 'id="q-QS-01-value"' in page


def test_the_issue_s_97_percent_site_is_explained_on_the_results_page(
    alice_client, alice, assessment
) -> None:
    """97 % archived, electronic orders, all of stage 2 met: not stage 0 (issue 9)."""
    for cid, value in {
        "SI-01": 97,
        "SI-02": 92,
        "WS-01": 99,
        "CD-01": 99,
        "HX-01": 96,
        "PU-01": 98,
        "SI-03": True,
        "PU-02": 96,
        "WS-02": 70,
    }.items():
        answer(assessment, alice, cid, value)
    page = alice_client.get(f"/a/{assessment.pk}/results/").content.decode()
    assert "Provisional stage 2: Images across the enterprise" in page
    assert (
        "Stage 2: stages 1 and 2 are reached; stage 3 is not: nearest miss WS-02 (needs ≥ 80 %, "
        "answered 70 %, 10 points short); 6 criteria are unanswered." in page
    )
    assert "Not met: needs ≥ 80 %; answered 70 % (10 points short)" in page  # blockers table
    assert "not archived" not in page
