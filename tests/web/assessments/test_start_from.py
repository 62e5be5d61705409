"""Starting a new assessment from an earlier one: answers carried forward, marked for
confirmation, evidence kept without copying files, and saving an answer confirms it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from diam.web.assessments.models import Answer, AssessmentEvent, EventKind, Evidence
from diam.web.assessments.services import (
    assessment_start_from,
    assessment_submit,
    evidence_add,
    evidence_remove,
)
from diam.web.audit.models import AuditEvent
from tests.web.assessments.conftest import answer
from tests.web.factories import make_assessment

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def previous(org, alice, private_media):
    # 1.0.0 facts (PM-08 allows N/A): the earlier assessment and its successor stay on 1.0.0.
    earlier = make_assessment(org, alice, version="1.0.0")
    answer(earlier, alice, "SI-01", 97, comment="Two mobile units still on CD")
    answer(earlier, alice, "SI-03", True)
    answer(earlier, alice, "SI-04", "within-24h")
    answer(earlier, alice, "PM-08", None, na=True, justification="No nuclear medicine")
    evidence_add(
        assessment=earlier,
        criterion_id="SI-01",
        upload=SimpleUploadedFile("archive.pdf", PDF, content_type="application/pdf"),
        user=alice,
    )
    return assessment_submit(assessment=earlier, user=alice)


def test_answers_na_comments_and_evidence_are_carried_and_marked(previous, alice, bob) -> None:
    new = assessment_start_from(previous=previous, user=bob, title="2027")
    assert new.status == "draft" and new.previous == previous
    assert (new.model_id, new.model_version) == (previous.model_id, previous.model_version)
    carried = {a.criterion_id: a for a in new.answers.all()}
    assert set(carried) == {"SI-01", "SI-03", "SI-04", "PM-08"}
    assert all(a.carried for a in carried.values())
    assert carried["SI-01"].value == 97 and carried["SI-01"].comment.startswith("Two mobile")
    assert carried["PM-08"].na and carried["PM-08"].justification == "No nuclear medicine"
    assert new.to_core() == previous.to_core()
    new_file = Evidence.objects.get(answer=carried["SI-01"])
    old_file = Evidence.objects.get(answer__assessment=previous)
    assert new_file.file.name == old_file.file.name and new_file.token != old_file.token
    event = AssessmentEvent.objects.get(assessment=new)
    assert event.kind == EventKind.CREATED and "4 answers carried" in event.reason
    assert AuditEvent.objects.filter(action="assessment.started_from", target_id=new.pk).exists()
    # The earlier assessment is untouched.
    assert not previous.answers.filter(carried=True).exists()


def test_saving_a_carried_answer_confirms_it_even_unchanged(previous, alice) -> None:
    new = assessment_start_from(previous=previous, user=alice)
    before = new.answers.get(criterion_id="SI-03")
    known = list(before.changes.values_list("pk", flat=True))
    saved = answer(new, alice, "SI-03", True)
    assert not saved.carried and saved.version == before.version + 1
    # The history keeps the confirmation (the value itself did not change).
    (confirmation,) = saved.changes.exclude(pk__in=known)
    assert confirmation.new["confirmed"] and confirmation.new["value"] is True
    changed = answer(new, alice, "SI-01", 99)
    assert not changed.carried and changed.value == 99
    assert new.answers.filter(carried=True).count() == 2


def test_sources_map_ids_and_answers_that_no_longer_fit_need_new_input(previous, alice) -> None:
    new = assessment_start_from(
        previous=previous,
        user=alice,
        # SI-02 (a percent) takes SI-01's percent; SI-03 (yes/no) cannot take a percent; SI-01
        # is declared new ("needs input").
        sources={"SI-02": "SI-01", "SI-03": "SI-01", "SI-01": None},
    )
    carried = {a.criterion_id: a for a in new.answers.all()}
    assert carried["SI-02"].value == 97 and carried["SI-02"].carried_from == "SI-01"
    assert "SI-03" not in carried and "SI-01" not in carried
    assert "SI-04" in carried  # unmapped ids carry their own answer


def test_removing_carried_evidence_keeps_the_file_the_earlier_assessment_needs(
    previous, alice
) -> None:
    new = assessment_start_from(previous=previous, user=alice)
    shared = Evidence.objects.get(answer__assessment=new)
    evidence_remove(assessment=new, token=shared.token, user=alice)
    old = Evidence.objects.get(answer__assessment=previous)
    assert old.file.storage.exists(old.file.name)
    assert Answer.objects.get(assessment=new, criterion_id="SI-01").evidence.count() == 0
