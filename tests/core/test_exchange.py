"""diam.exchange without a database: every file format round-trips the answers losslessly, and
every bad file is refused with a message naming what and where."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from diam.exchange import fhir
from diam.exchange.bundle import BundledFile, build_bundle, read_bundle
from diam.exchange.imports import read_import
from diam.exchange.safety import UploadProblem
from diam.exchange.workbook import WorkbookProblems, build_workbook, read_workbook
from diam.model.schema import (
    BooleanAnswer,
    ChoiceAnswer,
    Model,
    NumberAnswer,
    PercentAnswer,
)
from diam.paths import shipped_model
from diam.scoring.answers import (
    AnswerError,
    AnswerSheet,
    NotApplicable,
    answer_sheet_to_dict,
    parse_answer_file,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BASE = "https://diam.example.org/api/fhir"
MODEL = shipped_model("radiology")
TEXT = (
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


def _value(criterion: Any) -> st.SearchStrategy[Any]:
    answer = criterion.answer
    if isinstance(answer, BooleanAnswer):
        return st.booleans()
    if isinstance(answer, ChoiceAnswer):
        return st.sampled_from([o.id for o in answer.options])
    if isinstance(answer, PercentAnswer):
        return st.one_of(st.integers(0, 100), st.floats(0, 100).map(lambda x: round(x, 3)))
    assert isinstance(answer, NumberAnswer)
    upper = int(answer.maximum) if answer.maximum is not None else 10_000
    return st.integers(int(answer.minimum), upper)


@st.composite
def sheets(draw: Any, model: Model = MODEL) -> AnswerSheet:
    values: dict[str, Any] = {}
    comments: dict[str, str] = {}
    for criterion in model.criteria:
        kind = draw(st.sampled_from(["none", "value", "value", "na"]))
        if kind == "value":
            values[criterion.id] = draw(_value(criterion))
        elif kind == "na" and criterion.na_allowed:
            values[criterion.id] = NotApplicable(draw(TEXT))
        if draw(st.booleans()):
            comments[criterion.id] = draw(TEXT)
    return AnswerSheet(model.id, model.version, values, comments)


def example_sheet() -> AnswerSheet:
    with open(
        "models/radiology/1.0.0/examples/stage-3-department.json", encoding="utf-8"
    ) as handle:
        return parse_answer_file(MODEL, json.load(handle))


def _same(a: AnswerSheet, b: AnswerSheet) -> None:
    assert dict(a.values) == dict(b.values)
    assert dict(a.comments) == dict(b.comments)
    assert (a.model_id, a.model_version) == (b.model_id, b.model_version)


# --- round trips -----------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheet=sheets())
def test_the_answers_file_and_fhir_round_trip_any_answers(sheet: AnswerSheet) -> None:
    document = json.loads(json.dumps(answer_sheet_to_dict(sheet)))
    _same(parse_answer_file(MODEL, document), sheet)
    for version in ("R5", "R4B"):
        response = fhir.questionnaire_response(
            MODEL, sheet, base=BASE, status="completed", authored=NOW, fhir_version=version
        )
        back = fhir.read_questionnaire_response(
            json.loads(json.dumps(response)), resolve=lambda i, v: MODEL
        )
        _same(back.sheet, sheet)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheet=sheets())
def test_the_workbook_round_trips_any_answers(sheet: AnswerSheet) -> None:
    data = build_workbook(MODEL, generated_at=NOW, sheet=sheet)
    _same(read_workbook(data, resolve=lambda i, v: MODEL).sheet, sheet)


def test_the_bundle_round_trips_answers_and_evidence() -> None:
    sheet = example_sheet()
    evidence = [
        BundledFile("SI-01", "archive report.pdf", "application/pdf", b"%PDF-1.4 report"),
        BundledFile("SI-01", "../../etc/passwd", "text/plain", b"a name is only a label"),
    ]
    data = build_bundle(
        answers=answer_sheet_to_dict(sheet), evidence=evidence, exported_at=NOW, source={}
    )
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert all(".." not in n and not n.startswith("/") for n in names)
    imported = read_import(data)
    assert imported.kind == "bundle"
    _same(imported.sheet, sheet)
    assert [(f.criterion_id, f.name, f.data) for f in imported.evidence] == [
        (f.criterion_id, f.name, f.data) for f in evidence
    ]


# --- the bundle refuses what was changed or crafted ------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _bundle_entries() -> dict[str, bytes]:
    data = build_bundle(
        answers={"model": "radiology", "answers": {"SI-01": 99}},
        evidence=[BundledFile("SI-01", "a.txt", "text/plain", b"hello")],
        exported_at=NOW,
    )
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {n: archive.read(n) for n in archive.namelist()}


def test_a_bundle_changed_after_export_is_refused_by_its_checksum() -> None:
    entries = _bundle_entries()
    entries["answers.json"] = b'{"model": "radiology", "answers": {"SI-01": 10}}'
    with pytest.raises(UploadProblem, match="answers.json does not match its checksum"):
        read_bundle(_zip(entries))


def test_a_bundle_with_an_unlisted_or_traversing_entry_is_refused() -> None:
    entries = _bundle_entries()
    with pytest.raises(UploadProblem, match="which its manifest does not list"):
        read_bundle(_zip({**entries, "evidence/SI-01/extra.txt": b"x"}))
    with pytest.raises(UploadProblem, match=r"leaves its folder \(\.\.\)"):
        read_bundle(_zip({**entries, "../evil.txt": b"x"}))
    with pytest.raises(UploadProblem, match="absolute path"):
        read_bundle(_zip({**entries, "/etc/evil": b"x"}))


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    bomb = _zip({"manifest.json": b"{}", "answers.json": b"0" * (120 * 1024 * 1024)})
    assert len(bomb) < 200 * 1024
    with pytest.raises(UploadProblem) as refused:
        read_bundle(bomb)
    assert "inflate" in str(refused.value)


def test_files_that_are_not_what_they_claim_are_refused() -> None:
    with pytest.raises(UploadProblem, match="not one diam reads"):
        read_import(b"\x89PNG\r\n\x1a\n....")
    with pytest.raises(UploadProblem, match="not valid JSON"):
        read_import(b"{not json")
    with pytest.raises(UploadProblem, match="no manifest.json"):
        read_import(_zip({"hello.txt": b"x"}))
    with pytest.raises(UploadProblem, match="empty"):
        read_import(b"")


def test_an_answers_file_gets_the_answers_file_errors() -> None:
    with pytest.raises(UploadProblem) as refused:
        read_import(json.dumps({"model": "radiology", "answers": {"SI-01": 120}}).encode())
    assert refused.value.problems == ["SI-01: a percentage must be between 0 and 100, got 120"]
    with pytest.raises(UploadProblem, match="has no version '9.9.9'"):
        read_import(json.dumps({"model": "radiology", "model_version": "9.9.9"}).encode())


# --- the workbook ----------------------------------------------------------------------------


def test_the_workbook_has_drop_downs_ranges_pass_marks_and_locked_structure() -> None:
    book = load_workbook(io.BytesIO(build_workbook(MODEL, generated_at=NOW)))
    assert book.sheetnames[0] == "Instructions"
    assert book["_diam"].sheet_state == "veryHidden" and book["Lists"].sheet_state == "hidden"
    assert book.security.lockStructure
    first = MODEL.manifest.focus_areas[0]
    ws = book[book.sheetnames[2]]
    assert ws.title.startswith(first.code)
    assert ws.protection.sheet and ws.column_dimensions["A"].hidden
    header = [c.value for c in ws[1]]
    assert header[:8] == [
        "id",
        "Criterion",
        "Stage / branch",
        "Statement",
        "How to answer",
        "Answer with",
        "Met when",
        "Answer",
    ]
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    kinds = {(v.type, v.formula1, v.formula2) for v in ws.data_validations.dataValidation}
    assert ("decimal", "0", "100") in kinds and ("list", '"Yes,No"', None) in kinds
    assert any(t == "list" and f and f.startswith("'Lists'!") for t, f, _ in kinds)
    criterion = MODEL.criteria_by_id["SI-01"]
    assert ws.cell(row=rows["SI-01"], column=7).value == "At least 98%"
    assert ws.cell(row=rows["SI-01"], column=8).protection.locked is False
    assert ws.cell(row=rows["SI-01"], column=4).protection.locked is True
    assert criterion.id in rows


def _filled(model: Model, edits: dict[tuple[str, int], Any]) -> bytes:
    """A blank workbook with some cells typed in, by (criterion, column)."""
    book = load_workbook(io.BytesIO(build_workbook(model, generated_at=NOW)))
    for ws in book.worksheets[2:-1]:
        for row in range(2, ws.max_row + 1):
            cid = ws.cell(row=row, column=1).value
            for (target, column), value in edits.items():
                if cid == target:
                    ws.cell(row=row, column=column).value = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_workbook_with_problems_lists_every_row_and_gives_nothing() -> None:
    choice = next(c for c in MODEL.criteria if isinstance(c.answer, ChoiceAnswer))
    data = _filled(
        MODEL,
        {
            ("SI-01", 8): 120,
            ("SI-02", 8): "=1+1",
            (choice.id, 8): "Something else",
            ("SI-03", 10): "no N/A chosen",
        },
    )
    with pytest.raises(WorkbookProblems) as refused:
        read_workbook(data, resolve=lambda i, v: MODEL)
    by_criterion = {p.criterion: p for p in refused.value.rows}
    assert by_criterion["SI-01"].problem == "a percentage must be between 0 and 100, got 120"
    assert by_criterion["SI-01"].row == 2 and by_criterion["SI-01"].sheet.startswith("SI")
    assert "formula" in by_criterion["SI-02"].problem
    assert "drop-down" in by_criterion[choice.id].problem
    assert "justification" in by_criterion["SI-03"].problem


def test_a_workbook_reads_yes_no_labels_percent_cells_and_na() -> None:
    boolean = next(c for c in MODEL.criteria if isinstance(c.answer, BooleanAnswer))
    choice = next(c for c in MODEL.criteria if isinstance(c.answer, ChoiceAnswer))
    assert isinstance(choice.answer, ChoiceAnswer)
    na = next(c for c in MODEL.criteria if c.na_allowed)
    data = _filled(
        MODEL,
        {
            (boolean.id, 8): "yes",
            (choice.id, 8): choice.answer.options[-1].label.upper(),
            ("SI-01", 8): "97,5",
            (na.id, 9): "N/A",
            (na.id, 10): "Not offered here",
        },
    )
    read = read_workbook(data, resolve=lambda i, v: MODEL)
    assert read.sheet.values[boolean.id] is True
    assert read.sheet.values[choice.id] == choice.answer.options[-1].id
    assert read.sheet.values["SI-01"] == 97.5
    assert read.sheet.values[na.id] == NotApplicable("Not offered here")
    assert set(read.document["answers"]) == {boolean.id, choice.id, "SI-01", na.id}


def test_a_workbook_for_another_version_or_not_a_workbook_is_refused() -> None:
    def only_2(model_id: str, version: str | None) -> Model:
        raise UploadProblem(f"This workbook is for {model_id} {version}, not 2.0.0.")

    data = build_workbook(MODEL, generated_at=NOW)
    with pytest.raises(UploadProblem, match=r"for radiology 1\.0\.0, not 2\.0\.0"):
        read_workbook(data, resolve=only_2)
    book = load_workbook(io.BytesIO(data))
    del book["_diam"]
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(UploadProblem, match="not a diam workbook"):
        read_workbook(buffer.getvalue(), resolve=lambda i, v: MODEL)


def test_formula_like_comments_are_written_as_text() -> None:
    sheet = AnswerSheet(MODEL.id, MODEL.version, {"SI-01": 50}, {"SI-01": "=HYPERLINK(1)"})
    book = load_workbook(io.BytesIO(build_workbook(MODEL, generated_at=NOW, sheet=sheet)))
    ws = book[book.sheetnames[2]]
    cell = ws.cell(row=2, column=11)
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"


# --- FHIR ------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["R5", "R4B"])
def test_the_questionnaire_validates_and_its_coded_values_are_right(version: str) -> None:
    q = fhir.questionnaire(MODEL, base=BASE, fhir_version=version)  # type: ignore[arg-type]
    assert fhir.structure_problems(q, version) == []
    assert fhir.coded_value_problems(q, version) == []
    assert q["version"] == MODEL.version
    items = {i["linkId"]: i for i in fhir._walk(q["item"])}
    assert set(MODEL.criteria_by_id) <= set(items)
    choice = next(c for c in MODEL.criteria if isinstance(c.answer, ChoiceAnswer))
    assert isinstance(choice.answer, ChoiceAnswer)
    assert items[choice.id]["type"] == ("coding" if version == "R5" else "choice")
    assert [o["valueCoding"]["code"] for o in items[choice.id]["answerOption"]] == [
        o.id for o in choice.answer.options
    ]
    percent = items["SI-01"]
    assert percent["type"] == "decimal"
    ext = {e["url"]: e for e in percent["extension"]}
    assert ext[fhir.EXT_MIN]["valueDecimal"] == 0 and ext[fhir.EXT_MAX]["valueDecimal"] == 100
    assert ext[fhir.pass_mark_extension_url(BASE)]["valueString"] == "At least 98%"


def test_skip_logic_becomes_enable_when_that_keeps_unanswered_questions() -> None:
    q = fhir.questionnaire(MODEL, base=BASE)
    items = {i["linkId"]: i for i in fhir._walk(q["item"])}
    conditional = [c for c in MODEL.criteria if c.relevant_when is not None]
    assert conditional
    for criterion in conditional:
        cond = criterion.relevant_when
        assert cond is not None
        item = items[criterion.id]
        assert all(w["question"] == cond.criterion for w in item["enableWhen"])
        if cond.not_in is not None:
            # FHIR: != is true when no answer equals the value, so unanswered stays enabled.
            assert item["enableBehavior"] == "all"
            assert [w["answerCoding"]["code"] for w in item["enableWhen"]] == list(cond.not_in)
        else:
            assert item["enableBehavior"] == "any"
            assert {"question": cond.criterion, "operator": "exists", "answerBoolean": False} in (
                item["enableWhen"]
            )
        assert items[criterion.id + ".comment"]["enableWhen"] == item["enableWhen"]


def test_fhir_coded_values_are_checked_beyond_the_library() -> None:
    response = fhir.questionnaire_response(
        MODEL, example_sheet(), base=BASE, status="completed", authored=NOW
    )
    response["status"] = "finished-ish"
    assert fhir.structure_problems(response, "R5") == []  # the library lets it through
    with pytest.raises(UploadProblem, match="not a QuestionnaireResponse status"):
        fhir.read_questionnaire_response(response, resolve=lambda i, v: MODEL)


def test_a_questionnaire_response_gets_the_same_errors_as_the_answers_file() -> None:
    document = {"model": "radiology", "answers": {"SI-01": 150, "ZZ-99": True, "SI-02": "x"}}
    with pytest.raises(AnswerError) as from_file:
        parse_answer_file(MODEL, document)
    response = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": f"{BASE}/Questionnaire/radiology|{MODEL.version}",
        "item": [
            {"linkId": "SI-01", "answer": [{"valueDecimal": 150}]},
            {"linkId": "ZZ-99", "answer": [{"valueBoolean": True}]},
            {"linkId": "SI-02", "answer": [{"valueString": "x"}]},
        ],
    }
    with pytest.raises(UploadProblem) as from_fhir:
        fhir.read_questionnaire_response(response, resolve=lambda i, v: MODEL)
    assert sorted(from_fhir.value.problems) == sorted(from_file.value.problems)


def test_a_response_to_another_questionnaire_or_resource_is_refused() -> None:
    with pytest.raises(UploadProblem, match="not a FHIR QuestionnaireResponse"):
        fhir.read_questionnaire_response({"resourceType": "Patient"}, resolve=lambda i, v: MODEL)
    with pytest.raises(UploadProblem, match="must name a diam Questionnaire"):
        fhir.read_questionnaire_response(
            {
                "resourceType": "QuestionnaireResponse",
                "status": "completed",
                "questionnaire": "http://example.org/Other",
            },
            resolve=lambda i, v: MODEL,
        )
    with pytest.raises(UploadProblem, match="QuestionnaireResponse.item"):
        fhir.read_questionnaire_response(
            {
                "resourceType": "QuestionnaireResponse",
                "status": "completed",
                "questionnaire": f"{BASE}/Questionnaire/radiology",
                "item": [{"answer": [{"valueBoolean": True}]}],
            },
            resolve=lambda i, v: MODEL,
        )
