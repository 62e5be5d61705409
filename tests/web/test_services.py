"""Assessment services: answers are validated, versioned, kept in history, and locked on submit."""

from __future__ import annotations

import pytest

from diam.scoring import InvalidValue
from diam.web.assessments.models import AnswerChange, Status
from diam.web.assessments.services import (
    AnswerConflict,
    AssessmentLocked,
    answer_save,
    assessment_reopen,
    assessment_submit,
)
from tests.web.factories import make_assessment


@pytest.fixture
def v1(org, alice):
    """A draft on radiology 1.0.0, for its QS-09 choice (skip logic) and PM-08's N/A."""
    return make_assessment(org, alice, version="1.0.0")


def test_saving_an_answer_records_who_changed_what(assessment, alice, bob) -> None:
    a1 = answer_save(
        assessment=assessment, criterion_id="SI-01", value=97, expected_version=0, user=alice
    )
    a2 = answer_save(
        assessment=assessment,
        criterion_id="SI-01",
        value=99,
        comment="after PACS upgrade",
        expected_version=a1.version,
        user=bob,
    )
    assert a2.version == 2
    changes = list(AnswerChange.objects.filter(answer=a2))
    assert [(c.changed_by, c.old["value"], c.new["value"]) for c in changes] == [
        (bob, 97, 99),
        (alice, None, 97),
    ]
    assert changes[0].new["comment"] == "after PACS upgrade"


def test_a_stale_save_is_refused_and_changes_nothing(assessment, alice, bob) -> None:
    answer_save(
        assessment=assessment, criterion_id="SI-03", value=True, expected_version=0, user=alice
    )
    with pytest.raises(AnswerConflict) as exc:
        answer_save(
            assessment=assessment, criterion_id="SI-03", value=False, expected_version=0, user=bob
        )
    assert exc.value.current.value is True
    assert "Alice Admin" in str(exc.value)
    assert assessment.answers.get(criterion_id="SI-03").value is True


@pytest.mark.parametrize(
    ("cid", "value", "message"),
    [
        ("SI-01", 141, "between 0 and 100"),
        ("SI-01", "abc", "expected a number"),
        ("SI-03", "maybe", "expected yes/no"),
        ("SI-04", "weekly", "expected one of"),
    ],
)
def test_invalid_values_are_refused_and_nothing_is_saved(
    assessment, alice, cid, value, message
) -> None:
    with pytest.raises(InvalidValue, match=message):
        answer_save(
            assessment=assessment, criterion_id=cid, value=value, expected_version=0, user=alice
        )
    assert not assessment.answers.filter(criterion_id=cid).exists()


def test_na_needs_permission_and_a_justification(assessment, alice) -> None:
    with pytest.raises(InvalidValue, match="not allowed"):
        answer_save(
            assessment=assessment,
            criterion_id="SI-01",
            value=None,
            na=True,
            justification="x",
            expected_version=0,
            user=alice,
        )
    with pytest.raises(InvalidValue, match="justification"):
        answer_save(
            assessment=assessment,
            criterion_id="WS-06",
            value=None,
            na=True,
            justification="  ",
            expected_version=0,
            user=alice,
        )
    saved = answer_save(
        assessment=assessment,
        criterion_id="WS-06",
        value=None,
        na=True,
        justification="One segmented network",
        expected_version=0,
        user=alice,
    )
    assert saved.na and saved.justification == "One segmented network"


def test_submit_locks_and_stores_the_result_and_reopen_needs_a_reason(assessment, alice) -> None:
    answer_save(
        assessment=assessment, criterion_id="SI-01", value=99, expected_version=0, user=alice
    )
    submitted = assessment_submit(assessment=assessment, user=alice)
    assert submitted.status == Status.SUBMITTED
    assert submitted.stage == 0 and submitted.completeness is not None
    assert "SI" in submitted.focus_area_percents
    with pytest.raises(AssessmentLocked):
        answer_save(
            assessment=assessment, criterion_id="SI-01", value=50, expected_version=1, user=alice
        )
    with pytest.raises(ValueError, match="reason"):
        assessment_reopen(assessment=assessment, user=alice, reason=" ")
    reopened = assessment_reopen(assessment=assessment, user=alice, reason="Wrong PACS figure")
    assert reopened.status == Status.DRAFT
    assert reopened.events.first().reason == "Wrong PACS figure"


def test_sections_assign_replaces_every_focus_area_at_once(assessment, alice, bob) -> None:
    from diam.web.assessments.services import section_assign, sections_assign

    section_assign(assessment=assessment, focus_area="SI", users=[alice])
    sections_assign(assessment=assessment, assignments={"QS": [bob], "PM": [alice, bob]})
    pairs = sorted(assessment.assignments.values_list("focus_area", "user__name"))
    assert pairs == [
        ("PM", "Alice Admin"),
        ("PM", "Bob Contributor"),
        ("QS", "Bob Contributor"),
    ]


def test_save_outcome_reports_a_visibility_change_only_for_controllers(v1, alice) -> None:
    from diam.web.assessments.selectors import answer_values, save_outcome
    from diam.web.assessments.services import model_for

    assessment = v1
    model = model_for(assessment)
    before = answer_values(assessment)
    saved = answer_save(
        assessment=assessment, criterion_id="QS-09", value="none", expected_version=0, user=alice
    )
    outcome = save_outcome(model=model, before=before, criterion_id="QS-09", answer=saved)
    assert outcome.visibility_changed
    assert outcome.overall.relevant == len(model.criteria) - 2  # QS-07 and AA-07 hidden
    plain = answer_save(
        assessment=assessment, criterion_id="SI-03", value=True, expected_version=0, user=alice
    )
    after = save_outcome(
        model=model, before=answer_values(assessment), criterion_id="SI-03", answer=plain
    )
    assert not after.visibility_changed and after.overall.answered == 2


@pytest.mark.parametrize(
    ("cid", "value", "na", "label"),
    [
        ("SI-03", True, False, "Yes"),
        ("SI-03", False, False, "No"),
        ("SI-01", 97.0, False, "97 %"),
        ("SI-01", 99.5, False, "99.5 %"),
        ("QS-09", "none", False, "No AI tool in clinical use (confirmed)"),
        ("SI-01", None, False, "Unanswered"),
        ("PM-08", None, True, "N/A (no therapy)"),
    ],
)
def test_answers_read_as_people_say_them(v1, cid, value, na, label) -> None:
    from diam.web.assessments.selectors import answer_label
    from diam.web.assessments.services import model_for

    criterion = model_for(v1).criteria_by_id[cid]
    assert answer_label(criterion, value, na, "no therapy" if na else "") == label


@pytest.mark.parametrize(
    ("kind_cid", "raw", "typed"),
    [
        ("SI-03", "yes", True),
        ("SI-03", "no", False),
        ("SI-03", "maybe", "maybe"),
        ("SI-01", " 97 ", 97),
        ("SI-01", "12,5", 12.5),
        ("SI-01", "abc", "abc"),
        ("SI-01", "", None),
        ("QS-09", "none", "none"),
    ],
)
def test_form_text_becomes_the_type_the_core_checks(v1, kind_cid, raw, typed) -> None:
    from diam.web.assessments.forms import typed_value
    from diam.web.assessments.services import model_for

    value = typed_value(model_for(v1).criteria_by_id[kind_cid], raw)
    assert value == typed and type(value) is type(typed)
