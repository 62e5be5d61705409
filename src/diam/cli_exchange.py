"""`diam export`, `diam import`, `diam workbook`, `diam questionnaire`: data in and out.

Registered on the `diam` group by `diam.cli`. Everything works offline: converting files needs
no database; exporting an assessment or importing into one uses the local database (the same
settings as the web app).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from diam.cli import _django, fail, write_atomically
from diam.exchange import fhir
from diam.exchange.bundle import build_bundle
from diam.exchange.imports import KIND_LABELS, Imported, read_import
from diam.exchange.safety import UploadProblem
from diam.exchange.workbook import WorkbookProblems, build_workbook
from diam.model.schema import Model
from diam.paths import DEFAULT_MODEL_ID, UnknownModel, shipped_model
from diam.scoring.answers import answer_sheet_to_dict

FORMATS = ("answers", "bundle", "fhir", "fhir-r4b", "workbook", "csv")
DEFAULT_FHIR_BASE = "http://127.0.0.1:8000/api/fhir"


def fhir_base() -> str:
    """Canonical base of the FHIR resources: DIAM_SITE_URL's API, as the web app uses."""
    import os

    site = os.environ.get("DIAM_SITE_URL")
    return site.rstrip("/") + "/api/fhir" if site else DEFAULT_FHIR_BASE


def _now() -> datetime:
    return datetime.now(UTC)


def _model(model_id: str, version: str) -> Model:
    try:
        return shipped_model(model_id, None if version == "latest" else version)
    except UnknownModel as exc:
        fail(f"{exc}.")


def read_file(path: Path) -> Imported:
    """Any file diam reads (answers file, bundle, workbook, FHIR); problems exit 2."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        fail(f"{path}: no such file.")
    except IsADirectoryError:
        fail(f"{path}: is a directory.")
    except OSError as exc:
        fail(f"{path}: cannot read it ({exc.strerror or exc}).")
    try:
        return read_import(data)
    except WorkbookProblems as exc:
        listing = "\n".join(f"  - {row}" for row in exc.rows)
        fail(f"{path}: {len(exc.rows)} row(s) with problems, nothing was read:\n{listing}")
    except UploadProblem as exc:
        listing = "\n".join(f"  - {p}" for p in exc.problems)
        fail(f"{path}: {len(exc.problems)} problem(s), nothing was read:\n{listing}")


def _render(imported: Imported, fmt: str, *, status: str = "completed") -> bytes:
    sheet = imported.sheet
    if fmt == "answers":
        return (
            json.dumps(answer_sheet_to_dict(sheet), indent=2, ensure_ascii=False) + "\n"
        ).encode()
    if fmt == "bundle":
        return build_bundle(
            answers=answer_sheet_to_dict(sheet), evidence=imported.evidence, exported_at=_now()
        )
    if fmt in ("fhir", "fhir-r4b"):
        resource = fhir.questionnaire_response(
            imported.model,
            sheet,
            base=fhir_base(),
            status=status,
            authored=_now(),
            fhir_version="R4B" if fmt == "fhir-r4b" else "R5",
        )
        return (json.dumps(resource, indent=2, ensure_ascii=False) + "\n").encode()
    if fmt == "workbook":
        return build_workbook(imported.model, generated_at=_now(), sheet=sheet)
    fail("csv needs an assessment from the database (diam export ASSESSMENT_ID --format csv).")


@click.command("export")
@click.argument("assessment_id", required=False, type=int)
@click.option(
    "--from",
    "source",
    type=click.Path(path_type=Path),
    help="Convert this file (answers file, bundle, workbook or FHIR) instead of reading the "
    "database.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="answers", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="File.")
def export(assessment_id: int | None, source: Path | None, fmt: str, output: Path) -> None:
    """Export an assessment (by id, from the database) or convert a file, offline.

    Formats: answers (JSON), bundle (zip with evidence), fhir (R5 QuestionnaireResponse),
    fhir-r4b, workbook (XLSX, pre-filled), csv (answers and statuses; database only).
    """
    if (assessment_id is None) == (source is None):
        fail("give either an ASSESSMENT_ID (from the database) or --from FILE.")
    if source is not None:
        imported = read_file(source)
        write_atomically(output, _render(imported, fmt))
        click.echo(
            f"Wrote {output} ({fmt}) from the {KIND_LABELS[imported.kind]}: "
            f"{len(imported.sheet.values)} answer(s).",
            err=True,
        )
        return
    _django()
    from diam.web.assessments.models import Assessment
    from diam.web.exchange import selectors

    assessment = Assessment.objects.select_related("organisation").filter(pk=assessment_id).first()
    if assessment is None:
        fail(f"no assessment {assessment_id} in the database.")
    if fmt == "csv":
        data = selectors.answers_csv([assessment])
    else:
        from diam.web.assessments.services import model_for

        model = model_for(assessment)
        sheet = selectors.answer_sheet_of(assessment)
        evidence = tuple(selectors.evidence_files(assessment)) if fmt == "bundle" else ()
        imported = Imported("answers", model, answer_sheet_to_dict(sheet), sheet, evidence)
        if fmt == "answers":
            document = selectors.answers_document(assessment)
            data = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()
        else:
            status = selectors.FHIR_STATUS.get(assessment.status, "in-progress")
            data = _render(imported, fmt, status=status)
    write_atomically(output, data)
    click.echo(f"Wrote {output} ({fmt}) for assessment {assessment.pk}: {assessment}.", err=True)


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--organisation", "organisation_id", type=int, help="New draft in this organisation.")
@click.option("--assessment", "assessment_id", type=int, help="Apply to this draft instead.")
@click.option("--user", "email", required=True, help="E-mail of the member the import is by.")
@click.option("--title", default="", help="Title of the new draft.")
def import_(
    file: Path, organisation_id: int | None, assessment_id: int | None, email: str, title: str
) -> None:
    """Import FILE (answers file, bundle, workbook or FHIR QuestionnaireResponse).

    With --organisation: a new draft on the file's model version. With --assessment: the
    file's answers replace those of the same criteria in that draft (same model version).
    Nothing is written unless the whole file is valid.
    """
    if (organisation_id is None) == (assessment_id is None):
        fail("give either --organisation ID (a new draft) or --assessment ID (an existing draft).")
    imported = read_file(file)
    _django()
    from diam.web.accounts.models import Membership, User
    from diam.web.assessments.models import Assessment
    from diam.web.assessments.services import AssessmentLocked
    from diam.web.exchange.services import answers_apply, assessment_import, stated_services

    user = User.objects.filter(email=email.strip().lower(), is_active=True).first()
    if user is None:
        fail(f"no active user {email!r}.")
    org_id = organisation_id
    assessment = None
    if assessment_id is not None:
        assessment = Assessment.objects.filter(pk=assessment_id).first()
        if assessment is None:
            fail(f"no assessment {assessment_id} in the database.")
        org_id = assessment.organisation_id
    membership = Membership.objects.filter(user=user, organisation_id=org_id).select_related(
        "organisation"
    )
    member = membership.first()
    need_admin = assessment is None
    if member is None or (need_admin and not member.is_admin) or not member.can_edit:
        role = "an organisation admin" if need_admin else "a contributor or admin"
        fail(f"{email} is not {role} of organisation {org_id}.")
    try:
        if assessment is None:
            created = assessment_import(
                organisation=member.organisation, user=user, imported=imported, title=title
            )
            click.echo(
                f"Imported the {KIND_LABELS[imported.kind]} as draft {created.pk} "
                f"({created.title}, model {created.model_id} {created.model_version})."
            )
        else:
            result = answers_apply(
                assessment=assessment,
                sheet=imported.sheet,
                touched=imported.document.get("answers", {}),
                user=user,
                source=f"the command line ({KIND_LABELS[imported.kind]})",
                services=stated_services(imported.document),
            )
            click.echo(
                f"Applied to assessment {assessment.pk}: {len(result.changed)} answer(s) "
                f"changed, {result.unchanged} unchanged."
            )
    except UploadProblem as exc:
        listing = "\n".join(f"  - {p}" for p in exc.problems)
        fail(f"{file}: nothing was imported:\n{listing}")
    except AssessmentLocked as exc:
        fail(f"{exc} Nothing was imported.")


@click.command("workbook")
@click.argument("model_version", metavar="MODEL_VERSION")
@click.option("--model", "model_id", default=DEFAULT_MODEL_ID, show_default=True)
@click.option(
    "--answers",
    type=click.Path(path_type=Path),
    help="Pre-fill it from this file (answers file, bundle, workbook or FHIR).",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="File.")
def workbook(model_version: str, model_id: str, answers: Path | None, output: Path) -> None:
    """Write the offline workbook (XLSX) of MODEL_VERSION (e.g. 1.0.0, or `latest`)."""
    model = _model(model_id, model_version)
    sheet = None
    if answers is not None:
        imported = read_file(answers)
        if imported.model.version != model.version or imported.model.id != model.id:
            fail(
                f"{answers} is for {imported.model.id} {imported.model.version}, not "
                f"{model.id} {model.version}."
            )
        sheet = imported.sheet
    write_atomically(output, build_workbook(model, generated_at=_now(), sheet=sheet))
    click.echo(f"Wrote {output}: the workbook of {model.id} {model.version}.", err=True)


@click.command("questionnaire")
@click.argument("model_version", metavar="MODEL_VERSION")
@click.option("--model", "model_id", default=DEFAULT_MODEL_ID, show_default=True)
@click.option("--fhir-version", type=click.Choice(["R5", "R4B"]), default="R5", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File (default: stdout).")
def questionnaire(
    model_version: str, model_id: str, fhir_version: str, output: Path | None
) -> None:
    """Write MODEL_VERSION as a FHIR Questionnaire (JSON)."""
    model = _model(model_id, model_version)
    resource: dict[str, Any] = fhir.questionnaire(
        model,
        base=fhir_base(),
        fhir_version=fhir_version,  # type: ignore[arg-type]
    )
    text = json.dumps(resource, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomically(output, text.encode())
        click.echo(
            f"Wrote {output}: {model.id} {model.version} as a {fhir_version} Questionnaire.",
            err=True,
        )
