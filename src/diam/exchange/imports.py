"""One entry point for every file that brings answers in: the answers file (JSON), the bundle
(zip), the offline workbook (XLSX) and a FHIR QuestionnaireResponse (JSON).

The kind is told from the content, not the name. Whatever the kind, the answers end in
`parse_answer_file`, so the same answer is refused with the same message whichever file it
came in.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from diam.exchange.bundle import BundledFile, read_bundle
from diam.exchange.fhir import read_questionnaire_response
from diam.exchange.safety import UploadProblem, is_zip, open_zip
from diam.exchange.workbook import read_workbook
from diam.model.schema import Model
from diam.paths import UnknownModel, shipped_model
from diam.scoring.answers import AnswerError, AnswerSheet, parse_answer_file

Kind = Literal["answers", "bundle", "workbook", "fhir"]
KIND_LABELS: dict[str, str] = {
    "answers": "answers file (JSON)",
    "bundle": "answers bundle (zip)",
    "workbook": "offline workbook (XLSX)",
    "fhir": "FHIR QuestionnaireResponse",
}
Resolve = Callable[[str, str | None], Model]


@dataclass(frozen=True)
class Imported:
    """Checked answers from a file: the model version they are for, the answers-file document
    (only what the file says), the checked answers, and any evidence files."""

    kind: Kind
    model: Model
    document: dict[str, Any]
    sheet: AnswerSheet
    evidence: tuple[BundledFile, ...] = ()


def installed_model(model_id: str, version: str | None) -> Model:
    """The installed model version a file names (the latest when None), or `UploadProblem`."""
    if not isinstance(model_id, str) or not model_id:
        raise UploadProblem("The file does not name a model (`model`).")
    if version is not None and not isinstance(version, str):
        raise UploadProblem('`model_version` must be a version string such as "1.0.0".')
    try:
        return shipped_model(model_id, version)
    except UnknownModel as exc:
        raise UploadProblem(f"This server cannot use the file: {exc}.") from None


def parse_json(data: bytes, *, what: str = "The file") -> Any:
    """JSON from uploaded bytes (UTF-8, with or without a byte-order mark)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadProblem(f"{what} is not UTF-8 text.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UploadProblem(
            f"{what} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    except RecursionError:
        raise UploadProblem(f"{what} is not usable JSON: it is nested too deeply.") from None
    except ValueError:  # an integer of thousands of digits (Python's int conversion limit)
        raise UploadProblem(
            f"{what} is not usable JSON: a number in it has thousands of digits."
        ) from None


def answers_from_document(data: Any, *, resolve: Resolve = installed_model) -> Imported:
    """An answers-file document checked against the model version it names."""
    if not isinstance(data, dict):
        raise UploadProblem("The answers file must be a JSON object.")
    model = resolve(data.get("model"), data.get("model_version"))  # type: ignore[arg-type]
    try:
        sheet = parse_answer_file(model, data)
    except AnswerError as exc:
        raise UploadProblem(exc.problems) from None
    answers = data.get("answers")
    document = {
        "model": model.id,
        "model_version": model.version,
        "answers": dict(answers) if isinstance(answers, dict) else {},
    }
    if isinstance(data.get("services"), dict):  # checked above by parse_answer_file
        document["services"] = dict(data["services"])
    return Imported("answers", model, document, sheet)


def read_import(data: bytes, *, resolve: Resolve = installed_model) -> Imported:
    """Tell the kind of file from its content and read it; raise `UploadProblem`."""
    if not data:
        raise UploadProblem("The file is empty.")
    if is_zip(data):
        with open_zip(data, what="The file") as archive:
            names = set(archive.namelist())
        if "xl/workbook.xml" in names:
            read = read_workbook(data, resolve=lambda i, v: resolve(i, v))
            return Imported("workbook", read.model, read.document, read.sheet)
        bundle = read_bundle(data)
        imported = answers_from_document(bundle.answers, resolve=resolve)
        criteria = imported.model.criteria_by_id
        problems = [
            f"evidence {f.name!r}: {f.criterion_id} is not a criterion of model "
            f"{imported.model.id} {imported.model.version}"
            for f in bundle.evidence
            if f.criterion_id not in criteria
        ]
        if problems:
            raise UploadProblem(problems)
        return Imported(
            "bundle", imported.model, imported.document, imported.sheet, bundle.evidence
        )
    head = data.lstrip()[:1]
    if head not in (b"{", b"[", b"\xef"):
        raise UploadProblem(
            "The file is not one diam reads: an answers file or FHIR QuestionnaireResponse "
            "(JSON), an answers bundle (zip) or the offline workbook (XLSX)."
        )
    document = parse_json(data)
    if isinstance(document, dict) and "resourceType" in document:
        fhir = read_questionnaire_response(document, resolve=resolve)
        return Imported("fhir", fhir.model, fhir.document, fhir.sheet)
    return answers_from_document(document, resolve=resolve)
