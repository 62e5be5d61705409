"""Moving a 1.0.0 assessment to 2.0.0 through the preview (issue 9, "done means")."""

from __future__ import annotations

import pytest

from diam.web.assessments.models import Assessment
from diam.web.assessments.services import assessment_result, assessment_submit
from diam.web.assessments.upgrade import UpgradeUnavailable, assessment_upgrade, upgrade_preview
from diam.web.audit.models import AuditEvent
from tests.web.assessments.conftest import answer, section_url
from tests.web.factories import make_assessment

UPGRADE = "/a/{pk}/upgrade/"


@pytest.fixture
def old(org, alice):
    """A submitted 1.0.0 assessment with answers of every kind of migration."""
    earlier = make_assessment(org, alice, version="1.0.0")
    answer(earlier, alice, "SI-01", 97, comment="Two mobile units still on CD")  # same, new mark
    answer(earlier, alice, "WS-03", True)  # split: both halves carried
    answer(earlier, alice, "HX-02", False)  # split, not met: both halves need input
    answer(earlier, alice, "HX-04", "standards-based")  # options changed: needs input
    answer(earlier, alice, "PM-08", None, na=True, justification="No therapy")  # N/A gone
    return assessment_submit(assessment=earlier, user=alice)


def test_the_results_page_of_an_old_assessment_links_to_the_preview(alice_client, old) -> None:
    page = alice_client.get(f"/a/{old.pk}/results/").content.decode()
    assert "This assessment uses model 1.0.0; version 2.0.0 is installed." in page
    assert f'href="{UPGRADE.format(pk=old.pk)}"' in page


def test_the_preview_says_what_carries_over_and_what_needs_new_input(alice_client, old) -> None:
    page = alice_client.get(UPGRADE.format(pk=old.pk)).content.decode()
    assert "Move to model version 2.0.0" in page
    assert "Same question; pass mark now ≥ 95 % (was ≥ 98 %)" in page
    assert "Split from HX-02, where you answered no (not met)" in page
    assert "The question changed (answer type changed, reworded)" in page
    assert "Carried, please confirm" in page and "Needs new input" in page
    assert "Start a new draft on 2.0.0" in page  # alice is an admin
    preview = upgrade_preview(old)
    assert preview is not None
    assert preview.before.stage == 0 and preview.after.stage == 0
    assert {c.criterion_id for c in preview.plan.carried} == {"SI-01", "WS-03", "WS-09"}
    assert f"<strong>{len(preview.plan.carried)}</strong> answers carry over" in page


def test_an_admin_starts_the_new_draft_and_the_old_one_stays(alice_client, old) -> None:
    response = alice_client.post(UPGRADE.format(pk=old.pk), {"title": "Spring 2027"})
    draft = Assessment.objects.get(title="Spring 2027")
    assert response.status_code == 302 and response["Location"] == f"/a/{draft.pk}/"
    assert draft.model_version == "2.0.0" and draft.previous_id == old.pk
    carried = {a.criterion_id: a for a in draft.answers.all()}
    assert set(carried) == {"SI-01", "WS-03", "WS-09"}
    assert all(a.carried for a in carried.values())
    assert carried["WS-09"].carried_from == "WS-03"
    assert carried["SI-01"].comment == "Two mobile units still on CD"
    assert assessment_result(draft).status("SI-01") == "met"  # 97 % meets the new pass mark
    old.refresh_from_db()
    assert old.model_version == "1.0.0" and old.status == "submitted"
    assert AuditEvent.objects.filter(action="assessment.upgraded").count() == 1
    # The draft's survey starts with the service profile, then marks carried answers.
    assert alice_client.get(response["Location"])["Location"] == f"/a/{draft.pk}/profile/"
    si = alice_client.get(section_url(draft, "SI")).content.decode()
    assert "carried, please confirm" in si
    qs = alice_client.get(section_url(draft, "WS")).content.decode()
    assert "carried from WS-03, please confirm" in qs


def test_only_an_admin_may_start_it_and_only_members_see_it(
    bob_client, carol_client, vic_client, old
) -> None:
    assert vic_client.get(UPGRADE.format(pk=old.pk)).status_code == 200
    assert (
        "An organisation admin can start the new draft."
        in vic_client.get(UPGRADE.format(pk=old.pk)).content.decode()
    )
    assert bob_client.post(UPGRADE.format(pk=old.pk)).status_code == 403
    assert carol_client.get(UPGRADE.format(pk=old.pk)).status_code == 404
    assert Assessment.objects.filter(model_version="2.0.0").count() == 0


def test_an_assessment_on_the_latest_version_has_no_preview(
    alice_client, alice, assessment
) -> None:
    assert alice_client.get(UPGRADE.format(pk=assessment.pk)).status_code == 404
    with pytest.raises(UpgradeUnavailable, match="no newer installed version"):
        assessment_upgrade(previous=assessment, user=alice)
    page = alice_client.get(f"/a/{assessment.pk}/results/").content.decode()
    assert "is installed." not in page
