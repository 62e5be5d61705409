"""Import and export in the web app: downloads, the workbook upload, import into a new draft."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from diam.paths import latest_version
from diam.web.accounts.models import Organisation, User
from diam.web.assessments.models import Answer, AnswerChange, Assessment, Evidence, Status
from diam.web.assessments.profile import assessment_services_set
from diam.web.assessments.services import (
    answer_save,
    assessment_create,
    assessment_submit,
    evidence_add,
)
from diam.web.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% evidence\n"


PROFILE = {"ct": True, "mr": True, "ai": False}


def _fill(assessment: Assessment, user: User) -> None:
    assessment_services_set(assessment=assessment, user=user, services=PROFILE)
    save = {"assessment": assessment, "expected_version": None, "user": user}
    answer_save(**save, criterion_id="SI-01", value=97.5, comment="=cmd|' /C calc'!A0")
    answer_save(**save, criterion_id="SI-02", value=80)
    answer_save(
        assessment=assessment,
        criterion_id="WS-06",
        value=None,
        na=True,
        justification="No interface leaves the device network",
        expected_version=None,
        user=user,
    )
    evidence_add(
        assessment=assessment,
        criterion_id="SI-01",
        upload=SimpleUploadedFile("archive report.pdf", PDF, content_type="application/pdf"),
        user=user,
    )


def _state(assessment: Assessment) -> dict[str, Any]:
    answers = {
        a.criterion_id: (a.value, a.na, a.justification, a.comment)
        for a in Answer.objects.filter(assessment=assessment)
        if a.value is not None or a.na or a.comment
    }
    evidence = sorted(
        (e.answer.criterion_id, e.original_name, e.content_type, e.file.read())
        for e in Evidence.objects.filter(answer__assessment=assessment)
    )
    services = Assessment.objects.get(pk=assessment.pk).services
    return {"answers": answers, "evidence": evidence, "services": services}


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_the_bundle_imports_back_into_a_new_draft_with_nothing_lost(
    alice_client: Client, alice: User, assessment: Assessment, org: Organisation
) -> None:
    _fill(assessment, alice)
    response = alice_client.get(f"/a/{assessment.pk}/bundle.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert {"manifest.json", "answers.json"} <= set(names) and len(names) == 3
    response = alice_client.post(
        f"/o/{org.pk}/data/import/", {"file": _upload("b.zip", response.content), "title": "Copy"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    copy = Assessment.objects.get(title="Copy")
    assert copy.status == Status.DRAFT and copy.model_version == assessment.model_version
    assert _state(copy) == _state(assessment)
    assert AuditEvent.objects.filter(action="assessment.imported", target_id=str(copy.pk)).exists()
    assert AuditEvent.objects.filter(action="export.bundle").count() == 1


@pytest.mark.parametrize("path", ["answers.json", "fhir.json?fhir_version=R4B", "workbook.xlsx"])
def test_each_export_imports_back_as_the_same_answers(
    path: str, alice_client: Client, alice: User, assessment: Assessment, org: Organisation
) -> None:
    _fill(assessment, alice)
    exported = alice_client.get(f"/a/{assessment.pk}/{path}")
    assert exported.status_code == 200
    response = alice_client.post(
        f"/o/{org.pk}/data/import/", {"file": _upload("f", exported.content), "title": "Copy"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    copy = Assessment.objects.get(title="Copy")
    assert _state(copy)["answers"] == _state(assessment)["answers"]
    assert copy.services == PROFILE  # the service profile goes round with the answers


def test_other_organisations_and_viewers_cannot_export_or_import(
    carol_client: Client, vic_client: Client, assessment: Assessment, org: Organisation
) -> None:
    for path in (
        "data/",
        "answers.json",
        "bundle.zip",
        "fhir.json",
        "answers.csv",
        "workbook.xlsx",
    ):
        assert carol_client.get(f"/a/{assessment.pk}/{path}").status_code == 404
    assert carol_client.get(f"/o/{org.pk}/answers.csv").status_code == 404
    assert vic_client.get(f"/a/{assessment.pk}/answers.json").status_code == 200
    upload = {"file": _upload("x.json", b"{}")}
    assert vic_client.post(f"/a/{assessment.pk}/workbook/upload/", upload).status_code == 403
    assert vic_client.post(f"/o/{org.pk}/data/import/", upload).status_code == 403
    assert Assessment.objects.count() == 1


def _workbook_with(
    client: Client, assessment: Assessment, edits: dict[tuple[str, int], Any]
) -> bytes:
    data = client.get(f"/a/{assessment.pk}/workbook.xlsx").content
    book = load_workbook(io.BytesIO(data))
    for ws in book.worksheets:
        for row in range(2, ws.max_row + 1):
            for (cid, column), value in edits.items():
                if ws.cell(row=row, column=1).value == cid:
                    ws.cell(row=row, column=column).value = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_uploaded_workbook_changes_the_draft_and_is_recorded(
    bob_client: Client, bob: User, alice: User, assessment: Assessment
) -> None:
    _fill(assessment, alice)
    data = _workbook_with(bob_client, assessment, {("SI-02", 8): 95, ("SI-03", 8): "Yes"})
    response = bob_client.post(
        f"/a/{assessment.pk}/workbook/upload/", {"file": _upload("w.xlsx", data)}, follow=True
    )
    assert response.status_code == 200
    assert "2 answer(s) changed" in response.content.decode()
    answers = {a.criterion_id: a for a in Answer.objects.filter(assessment=assessment)}
    assert answers["SI-02"].value == 95 and answers["SI-03"].value is True
    assert answers["SI-01"].value == 97.5  # untouched rows keep their answers
    change = AnswerChange.objects.filter(answer=answers["SI-02"]).first()
    assert change is not None and change.changed_by == bob and change.new["value"] == 95
    assert AuditEvent.objects.filter(action="answers.imported", actor=bob).count() == 1


def test_a_workbook_with_bad_rows_shows_them_and_changes_nothing(
    alice_client: Client, alice: User, assessment: Assessment
) -> None:
    _fill(assessment, alice)
    before = _state(assessment)
    data = _workbook_with(
        alice_client, assessment, {("SI-02", 8): 95, ("SI-03", 8): "Perhaps", ("SI-04", 8): "=A1"}
    )
    response = alice_client.post(
        f"/a/{assessment.pk}/workbook/upload/", {"file": _upload("w.xlsx", data)}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Nothing was imported" in page and "SI-03" in page and "formula" in page
    assert '<th scope="col">Row</th>' in page
    assert _state(assessment) == before


def test_the_workbook_sets_the_service_profile_and_names_a_bad_service_row(
    alice_client: Client, alice: User, assessment: Assessment
) -> None:
    _fill(assessment, alice)
    data = _workbook_with(alice_client, assessment, {("mr", 4): "No", ("paediatrics", 4): "Yes"})
    response = alice_client.post(
        f"/a/{assessment.pk}/workbook/upload/", {"file": _upload("w.xlsx", data)}, follow=True
    )
    assert "service profile was updated" in response.content.decode()
    # Empty rows (services not stated) leave the profile as it was.
    assert Assessment.objects.get(pk=assessment.pk).services == {
        **PROFILE,
        "mr": False,
        "paediatrics": True,
    }
    assert AuditEvent.objects.filter(action="assessment.services_set", actor=alice).count() == 2
    before = _state(assessment)
    data = _workbook_with(
        alice_client, assessment, {("ct", 4): "Perhaps", ("mr", 1): "pet", ("SI-02", 8): 10}
    )
    response = alice_client.post(
        f"/a/{assessment.pk}/workbook/upload/", {"file": _upload("w.xlsx", data)}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Service profile" in page and "Perhaps" in page and "unknown service" in page
    assert _state(assessment) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'{"model": "radiology", "services": {"pet": true}, "answers": {"SI-01": 50}}',
            "services.pet: unknown service",
        ),
        (
            b'{"model": "radiology", "services": {"ct": "often"}, "answers": {}}',
            "services.ct: expected true, false or null",
        ),
        (
            b'{"resourceType": "QuestionnaireResponse", "status": "in-progress", '
            b'"questionnaire": "https://x.org/fhir/Questionnaire/radiology", "item": [{'
            b'"linkId": "profile", "item": [{"linkId": "profile.pet", '
            b'"answer": [{"valueBoolean": true}]}]}]}',
            "services.pet: unknown service",
        ),
    ],
)
def test_an_import_naming_an_unknown_service_creates_nothing(
    alice_client: Client, org: Organisation, data: bytes, message: str
) -> None:
    response = alice_client.post(f"/o/{org.pk}/data/import/", {"file": _upload("f", data)})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Assessment.objects.count() == 0


@pytest.fixture
def two_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The radiology model installed twice: as shipped and as a later copy."""
    root = Path(__file__).resolve().parents[3] / "models" / "radiology"
    shipped = latest_version("radiology")
    later = "99.0.0"
    models = tmp_path / "models" / "radiology"
    shutil.copytree(root / shipped, models / shipped)
    shutil.copytree(root / shipped, models / later)
    manifest = models / later / "manifest.yaml"
    manifest.write_text(manifest.read_text().replace(f"version: {shipped}", f"version: {later}", 1))
    monkeypatch.setenv("DIAM_MODELS_DIR", str(tmp_path / "models"))
    return shipped, later


def test_a_workbook_for_another_model_version_is_refused_with_the_reason(
    alice_client: Client, alice: User, org: Organisation, two_versions: tuple[str, str]
) -> None:
    old, new = two_versions
    on_old = assessment_create(organisation=org, user=alice, model_version=old)
    on_new = assessment_create(organisation=org, user=alice)
    assert on_new.model_version == new
    data = _workbook_with(alice_client, on_old, {("SI-02", 8): 95})
    response = alice_client.post(
        f"/a/{on_new.pk}/workbook/upload/", {"file": _upload("w.xlsx", data)}
    )
    assert response.status_code == 422
    assert f"for model radiology {old}, but this assessment uses radiology {new}" in (
        response.content.decode()
    )
    assert not Answer.objects.filter(assessment=on_new).exists()
    # Imported as a new draft instead, it keeps its own version.
    response = alice_client.post(f"/o/{org.pk}/data/import/", {"file": _upload("w.xlsx", data)})
    assert response.status_code == 302
    imported = Assessment.objects.latest("pk")
    assert imported.model_version == old
    assert Answer.objects.get(assessment=imported, criterion_id="SI-02").value == 95


def test_a_submitted_assessment_refuses_a_workbook(
    alice_client: Client, alice: User, assessment: Assessment
) -> None:
    data = _workbook_with(alice_client, assessment, {("SI-02", 8): 95})
    assessment_submit(assessment=assessment, user=alice)
    response = alice_client.post(
        f"/a/{assessment.pk}/workbook/upload/", {"file": _upload("w.xlsx", data)}
    )
    assert response.status_code == 422 and "submitted" in response.content.decode()
    assert not Answer.objects.filter(assessment=assessment, criterion_id="SI-02").exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("x.xlsx", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "not one diam reads"),
        ("x.json", b'{"model": "radiology", "answers": {"SI-01": true}}', "expected a number"),
        ("x.json", b"[1, 2", "not valid JSON"),
        ("x.zip", b"PK\x03\x04garbage", "damaged"),
    ],
)
def test_a_bad_import_creates_nothing_and_says_why(
    alice_client: Client, org: Organisation, name: str, data: bytes, message: str
) -> None:
    response = alice_client.post(f"/o/{org.pk}/data/import/", {"file": _upload(name, data)})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Assessment.objects.count() == 0


def test_a_bundle_with_a_disguised_evidence_file_creates_nothing(
    alice_client: Client, alice: User, assessment: Assessment, org: Organisation
) -> None:
    from datetime import UTC, datetime

    from diam.exchange.bundle import BundledFile, build_bundle

    data = build_bundle(
        answers={"model": "radiology", "answers": {"SI-01": 50}},
        evidence=[BundledFile("SI-01", "report.pdf", "application/pdf", b"MZ\x90\x00 an exe")],
        exported_at=datetime.now(UTC),
    )
    response = alice_client.post(f"/o/{org.pk}/data/import/", {"file": _upload("b.zip", data)})
    assert response.status_code == 422 and "not an accepted type" in response.content.decode()
    assert Assessment.objects.count() == 1 and Evidence.objects.count() == 0


def test_an_oversized_upload_is_refused_from_its_declared_size(
    alice_client: Client, org: Organisation, settings: Any
) -> None:
    settings.DIAM_IMPORT_MAX_BYTES = 1024
    big = _upload("big.json", b" " * (100 * 1024))
    response = alice_client.post(f"/o/{org.pk}/data/import/", {"file": big})
    assert response.status_code == 413
    assert Assessment.objects.count() == 0


def test_the_csv_tables_hold_every_criterion_and_neutralise_formulas(
    alice_client: Client, alice: User, assessment: Assessment, org: Organisation
) -> None:
    _fill(assessment, alice)
    text = alice_client.get(f"/o/{org.pk}/answers.csv").content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("assessment_id,assessment,model")
    assert len(lines) == 1 + 100 or len(lines) > 50
    si01 = next(line for line in lines if ",SI-01," in line)
    assert "'=cmd" in si01 and ",97.5," in si01 and si01.endswith(",met")  # pass mark 95 %
    results = alice_client.get(f"/o/{org.pk}/results.csv").content.decode("utf-8-sig")
    assert "SI_percent_met" in results.splitlines()[0] and len(results.splitlines()) == 2


def test_the_blank_workbook_and_questionnaire_are_public(client: Client) -> None:
    from diam.paths import latest_version

    version = latest_version("radiology")
    response = client.get(f"/models/radiology/{version}/workbook.xlsx")
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content))["_diam"]["B4"].value == version
    questionnaire = json.loads(
        client.get(f"/models/radiology/{version}/questionnaire.json").content
    )
    assert questionnaire["resourceType"] == "Questionnaire" and questionnaire["version"] == version
    assert client.get("/models/radiology/9.9.9/workbook.xlsx").status_code == 404


def test_an_imported_row_confirms_an_answer_carried_from_the_previous_assessment(
    alice_client: Client, alice: User, assessment: Assessment
) -> None:
    from diam.web.assessments.services import assessment_start_from

    _fill(assessment, alice)
    assessment_submit(assessment=assessment, user=alice)
    follow_up = assessment_start_from(previous=assessment, user=alice)
    carried = Answer.objects.get(assessment=follow_up, criterion_id="SI-02")
    assert carried.carried and carried.value == 80
    data = _workbook_with(alice_client, follow_up, {("SI-02", 8): 80, ("SI-03", 8): "No"})
    response = alice_client.post(
        f"/a/{follow_up.pk}/workbook/upload/", {"file": _upload("w.xlsx", data)}
    )
    assert response.status_code == 302
    confirmed = Answer.objects.get(assessment=follow_up, criterion_id="SI-02")
    assert not confirmed.carried and confirmed.value == 80
    # A row left as it was (SI-01 is pre-filled in the workbook) counts as confirmed too.
    assert not Answer.objects.get(assessment=follow_up, criterion_id="SI-01").carried
