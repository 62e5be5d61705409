"""`diam export ASSESSMENT_ID` and `diam import` against the local database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from diam.cli import main
from diam.web.accounts.models import Organisation, User
from diam.web.assessments.models import Answer, Assessment
from diam.web.assessments.services import answer_save, assessment_submit

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def test_export_then_import_makes_a_new_draft_with_the_same_answers(
    tmp_path: Path, alice: User, assessment: Assessment, org: Organisation
) -> None:
    answer_save(
        assessment=assessment,
        criterion_id="SI-01",
        value=99,
        comment="ok",
        expected_version=None,
        user=alice,
    )
    for fmt in ("answers", "bundle", "fhir", "workbook", "csv"):
        target = tmp_path / f"out.{fmt}"
        code, output = run("export", str(assessment.pk), "--format", fmt, "-o", str(target))
        assert code == 0, output
    document = json.loads((tmp_path / "out.answers").read_text())
    assert document["answers"] == {"SI-01": {"value": 99, "comment": "ok"}}
    assert document["meta"]["organisation"] == org.name
    assert ",SI-01," in (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    code, output = run(
        "import", str(tmp_path / "out.bundle"), "--organisation", str(org.pk), "--user", alice.email
    )
    assert code == 0 and "as draft" in output, output
    copy = Assessment.objects.exclude(pk=assessment.pk).get()
    assert Answer.objects.get(assessment=copy, criterion_id="SI-01").comment == "ok"


def test_import_into_a_draft_and_its_refusals(
    tmp_path: Path, alice: User, bob: User, vic: User, assessment: Assessment, org: Organisation
) -> None:
    source = tmp_path / "a.json"
    source.write_text(json.dumps({"model": "radiology", "answers": {"SI-02": 75}}))
    code, output = run(
        "import", str(source), "--assessment", str(assessment.pk), "--user", bob.email
    )
    assert code == 0 and "1 answer(s) changed" in output
    code, output = run("import", str(source), "--organisation", str(org.pk), "--user", bob.email)
    assert code == 2 and "not an organisation admin" in output
    code, output = run(
        "import", str(source), "--assessment", str(assessment.pk), "--user", vic.email
    )
    assert code == 2 and "not a contributor or admin" in output
    assessment_submit(assessment=assessment, user=alice)
    code, output = run(
        "import", str(source), "--assessment", str(assessment.pk), "--user", alice.email
    )
    assert code == 2 and "Nothing was imported" in output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"model": "radiology", "answers": {"SI-02": 750}}))
    code, output = run("import", str(bad), "--organisation", str(org.pk), "--user", alice.email)
    assert code == 2 and "SI-02: a percentage must be between 0 and 100" in output
    assert Assessment.objects.count() == 1
