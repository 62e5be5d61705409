"""The hostile-input corpus: bad input at every entry point, on SQLite and on PostgreSQL.

Each case must get a clear message naming what is wrong, a 4xx status (the CLI: exit 2), no
traceback, and nothing written. Cases that must *work* despite hostile content (a control
character stored before the input rule existed, a formula in a comment, a path in a file
name, a planted temporary file) are the tests after the corpus.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from diam.web.accounts.models import Invitation, Membership, Organisation, User
from diam.web.assessments.models import (
    Answer,
    AnswerChange,
    Assessment,
    AssessmentEvent,
    Evidence,
    SectionAssignment,
)
from diam.web.assessments.services import assessment_submit, model_for
from tests.web.accounts.helpers import org_settings_data
from tests.web.conftest import client_for
from tests.web.factories import PASSWORD
from tests.web.reports.conftest import download

ROOT = Path(__file__).resolve().parents[3]
DIAM = str(Path(sys.executable).with_name("diam"))
HTMX = {"HTTP_HX_REQUEST": "true"}
BIG = "99999999999999999999"


@dataclass(frozen=True)
class Case:
    """One hostile request: who sends it, where, what; the status and words expected back."""

    name: str
    method: str
    path: str
    data: Any = None
    status: int = 422
    message: str = ""
    who: str = "alice"  # alice (admin), bob (contributor), anonymous, pat (programme admin)
    extra: dict[str, str] = field(default_factory=dict)


def signup(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Hostile Hospital",
        "org_type": "hospital",
        "country": "NL",
        "service_areas": ["radiology"],
        "benchmarking_consent": "on",
        "full_name": "Mallory",
        "email": "mallory@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def upload(name: str, content: bytes) -> dict[str, Any]:
    handle = io.BytesIO(content)
    handle.name = name
    return {"file": handle}


def zip_with(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A small zip that would unpack to 200 MB (evidence is never unpacked)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * 200_000_000)
    return buffer.getvalue()


ANSWER = "/a/{a}/answer/{cid}/"
EVIDENCE = "/a/{a}/evidence/SI-01/"
CASES: list[Case] = [
    # --- sign-up and settings: numbers, strings, e-mails, choices -------------------------
    Case(
        "beds past a 32-bit column",
        "post",
        "/signup/",
        signup(beds="2147483648"),
        message="less than or equal to 100000",
        who="anonymous",
    ),
    Case(
        "beds of twenty digits",
        "post",
        "/signup/",
        signup(beds=BIG),
        message="less than or equal to 100000",
        who="anonymous",
    ),
    Case(
        "negative exams",
        "post",
        "/signup/",
        signup(annual_exams="-1"),
        message="greater than or equal to 0",
        who="anonymous",
    ),
    Case(
        "exams as a formula",
        "post",
        "/signup/",
        signup(annual_exams="=1+1"),
        message="Enter a whole number",
        who="anonymous",
    ),
    Case(
        "e-mail over 254 characters",
        "post",
        "/signup/",
        signup(email="a" * 250 + "@example.org"),
        message="at most 254 characters",
        who="anonymous",
    ),
    Case(
        "vertical tab in the organisation name",
        "post",
        "/signup/",
        signup(name="St\x0bElsewhere"),
        message="control character (U+000B)",
        who="anonymous",
    ),
    Case(
        "NUL in the full name",
        "post",
        "/signup/",
        signup(full_name="Mal\x00lory"),
        message="Null characters are not allowed",
        who="anonymous",
    ),
    Case(
        "escape sequence in the full name",
        "post",
        "/signup/",
        signup(full_name="\x1b[31mred"),
        message="control character (U+001B)",
        who="anonymous",
    ),
    Case(
        "a name of 10,000 characters",
        "post",
        "/signup/",
        signup(name="x" * 10_000),
        message="at most 200 characters",
        who="anonymous",
    ),
    Case(
        "path traversal as a service area",
        "post",
        "/signup/",
        signup(service_areas=["../../etc/passwd"]),
        message="Select a valid choice",
        who="anonymous",
    ),
    Case(
        "unknown country",
        "post",
        "/signup/",
        signup(country="ZZ"),
        message="Select a valid choice",
        who="anonymous",
    ),
    Case(
        "settings: beds past a 32-bit column",
        "post",
        "/o/{org}/settings/",
        "settings:beds=2147483648",
        message="less than or equal to 100000",
    ),
    Case(
        "settings: exams of twenty digits",
        "post",
        "/o/{org}/settings/",
        f"settings:annual_exams={BIG}",
        message="less than or equal to 100000000",
    ),
    Case(
        "settings: control character in the name",
        "post",
        "/o/{org}/settings/",
        "settings:name=Evil\x07Bell",
        message="control character (U+0007)",
    ),
    Case(
        "invitation: e-mail over 254 characters",
        "post",
        "/o/{org}/members/invite/",
        {"email": "b" * 300 + "@example.org", "role": "viewer"},
        message="at most 254 characters",
    ),
    Case(
        "invitation: a role that does not exist",
        "post",
        "/o/{org}/members/invite/",
        {"email": "x@example.org", "role": "superuser"},
        message="Select a valid choice",
    ),
    Case(
        "invitation: NUL in the address",
        "post",
        "/o/{org}/members/invite/",
        {"email": "x\x00@example.org", "role": "viewer"},
        message="Null characters",
    ),
    Case(
        "new assessment: control character in the title",
        "post",
        "/o/{org}/assessments/new/",
        {"title": "Q1\x0b2026"},
        message="control character",
    ),
    Case(
        "new assessment: a title of 500 characters",
        "post",
        "/o/{org}/assessments/new/",
        {"title": "t" * 500},
        message="at most 120 characters",
    ),
    Case(
        "sign-in: NUL in the address",
        "post",
        "/login/",
        {"username": "alice\x00@example.org", "password": "x"},
        message="Null characters",
        who="anonymous",
    ),
    Case(
        "password reset: an address of 300 characters",
        "post",
        "/password/reset/",
        {"email": "c" * 300 + "@example.org"},
        message="at most 254 characters",
        who="anonymous",
    ),
    # --- autosave ------------------------------------------------------------------------
    Case(
        "percent of 1e999 (infinity)",
        "post",
        ANSWER.format(a="{a}", cid="PU-02"),
        {"value": "1e999", "version": "0"},
        message="expected a number",
        extra=HTMX,
    ),
    Case(
        "percent NaN",
        "post",
        ANSWER.format(a="{a}", cid="PU-02"),
        {"value": "NaN", "version": "0"},
        message="expected a number",
        extra=HTMX,
    ),
    Case(
        "a number of twenty digits",
        "post",
        ANSWER.format(a="{a}", cid="PU-02"),
        {"value": BIG, "version": "0"},
        message="more than 15 digits",
        extra=HTMX,
    ),
    Case(
        "a 5,000-digit number",
        "post",
        ANSWER.format(a="{a}", cid="PU-02"),
        {"value": "9" * 5000, "version": "0"},
        message="at most 200 characters",
        extra=HTMX,
    ),
    Case(
        "NUL in a value",
        "post",
        ANSWER.format(a="{a}", cid="SI-01"),
        {"value": "yes\x00", "version": "0"},
        message="Null characters",
        extra=HTMX,
    ),
    Case(
        "vertical tab in a comment",
        "post",
        ANSWER.format(a="{a}", cid="SI-01"),
        {"value": "yes", "comment": "line\x0bbreak", "version": "0"},
        message="control character (U+000B)",
        extra=HTMX,
    ),
    Case(
        "a comment of 6,000 characters",
        "post",
        ANSWER.format(a="{a}", cid="SI-01"),
        {"value": "yes", "comment": "c" * 6000, "version": "0"},
        message="at most 5000 characters",
        extra=HTMX,
    ),
    Case(
        "N/A and a value together",
        "post",
        ANSWER.format(a="{a}", cid="{na_cid}"),
        {"value": "yes", "na": "on", "justification": "No AI in use", "version": "0"},
        message="either a value or N/A, not both",
        extra=HTMX,
    ),
    Case(
        "N/A and a value together, without JavaScript",
        "post",
        ANSWER.format(a="{a}", cid="{na_cid}"),
        {"value": "yes", "na": "on", "justification": "No AI in use", "version": "0"},
        message="either a value or N/A, not both",
    ),
    Case(
        "control character in a justification",
        "post",
        ANSWER.format(a="{a}", cid="{na_cid}"),
        {"na": "on", "justification": "no\x1fne", "version": "0"},
        message="control character (U+001F)",
        extra=HTMX,
    ),
    Case(
        "path traversal as a choice",
        "post",
        ANSWER.format(a="{a}", cid="DS-07"),
        {"value": "../../../etc/passwd", "version": "0"},
        message="expected one of",
        extra=HTMX,
    ),
    Case(
        "a version of twenty digits",
        "post",
        ANSWER.format(a="{a}", cid="SI-01"),
        {"value": "yes", "version": BIG},
        message="less than or equal to",
        extra=HTMX,
    ),
    Case(
        "a negative version",
        "post",
        ANSWER.format(a="{a}", cid="SI-01"),
        {"value": "yes", "version": "-1"},
        message="greater than or equal to 0",
        extra=HTMX,
    ),
    Case(
        "an invalid save without htmx",
        "post",
        ANSWER.format(a="{a}", cid="PU-02"),
        {"value": "141", "version": "0"},
        message="between 0 and 100",
    ),
    # --- uploads -----------------------------------------------------------------------------
    Case(
        "invalid UTF-8 at the end of a small CSV",
        "post",
        EVIDENCE,
        upload("data.csv", b"a,b\n1,2\n\xff"),
        message="not a UTF-8 text file",
        extra=HTMX,
    ),
    Case(
        "a long name cut before its extension",
        "post",
        EVIDENCE,
        upload("x" * 196 + ".pdf.html", b"%PDF-1.4 fake"),
        message="does not match the file extension",
        extra=HTMX,
    ),
    Case(
        "an executable renamed .docx",
        "post",
        EVIDENCE,
        upload("report.docx", b"MZ\x90\x00 executable"),
        message="not an accepted type",
        extra=HTMX,
    ),
    Case(
        "an empty file",
        "post",
        EVIDENCE,
        upload("empty.txt", b""),
        message="The file is empty",
        extra=HTMX,
    ),
    Case(
        "NUL bytes in a .txt",
        "post",
        EVIDENCE,
        upload("notes.txt", b"abc\x00def"),
        message="not a text file",
        extra=HTMX,
    ),
    Case(
        "a path and a script as the file name",
        "post",
        EVIDENCE,
        upload("../../<script>.exe", b"MZ"),
        message="not an accepted type",
        extra=HTMX,
    ),
    # --- imports (issue 13): answers JSON, bundles, workbooks ------------------------------
    Case(
        "import: truncated JSON",
        "post",
        "/o/{org}/data/import/",
        upload("answers.json", b'{"model": "radiology", "answers": {"SI-01": tr'),
        message="not valid JSON",
    ),
    Case(
        "import: JSON nested 100,000 deep",
        "post",
        "/o/{org}/data/import/",
        upload("answers.json", b"[" * 100_000 + b"]" * 100_000),
        message="nested",
    ),
    Case(
        "import: a 5,000-digit number",
        "post",
        "/o/{org}/data/import/",
        upload(
            "answers.json", b'{"model": "radiology", "answers": {"PU-02": ' + b"9" * 5000 + b"}}"
        ),
        message="number",
    ),
    Case(
        "import: a zip bomb as a bundle",
        "post",
        "/o/{org}/data/import/",
        upload("bundle.zip", zip_bomb()),
        message="zip",
    ),
    Case(
        "import: a zip with a path out of it",
        "post",
        "/o/{org}/data/import/",
        upload("bundle.zip", zip_with("../../etc/passwd", b"x")),
        message="zip",
    ),
    Case(
        "import: an empty file",
        "post",
        "/o/{org}/data/import/",
        upload("a.json", b""),
        message="empty",
    ),
    Case(
        "workbook upload: not a workbook",
        "post",
        "/a/{a}/workbook/upload/",
        upload("workbook.xlsx", b"MZ\x90\x00 executable"),
        message="workbook",
    ),
    # --- URLs and query strings ---------------------------------------------------------------
    Case(
        "organisation id of twenty digits",
        "get",
        f"/o/{BIG}/",
        status=404,
        message="Page not found",
    ),
    Case(
        "assessment id of thirty digits",
        "get",
        "/a/" + "9" * 30 + "/report.docx",
        status=404,
        message="Page not found",
    ),
    Case(
        "an unknown criterion with SQL",
        "get",
        "/a/{a}/history/SI-01'--/",
        status=404,
        message="Page not found",
    ),
    Case(
        "a target stage of twenty digits",
        "get",
        "/a/{a}/report/?target=" + BIG,
        status=400,
        message="The target stage must be a stage number",
    ),
    Case(
        "a branch order with a script",
        "get",
        "/a/{a}/report.docx?branch_order=<script>",
        status=400,
        message="branch letters",
    ),
    Case(
        "an invitation token with NUL",
        "get",
        "/invitations/%00abc/",
        status=404,
        message="not valid",
        who="anonymous",
    ),
    Case(
        "audit filter: organisation id of twenty digits",
        "get",
        f"/programme/audit/?organisation={BIG}",
        status=400,
        message="less than or equal to",
        who="pat",
    ),
    Case(
        "audit filter: not a date",
        "get",
        "/o/{org}/audit/?date_from=yesterday",
        status=400,
        message="Enter a valid date",
    ),
]


def na_criterion(assessment: Assessment) -> str:
    """A criterion of the assessment's model that allows N/A."""
    return next(c.id for c in model_for(assessment).criteria if c.na_allowed)


def business_rows() -> dict[str, int]:
    """Row counts of everything a request could write (the audit trail aside)."""
    models = (
        Organisation,
        User,
        Membership,
        Invitation,
        Assessment,
        Answer,
        AnswerChange,
        AssessmentEvent,
        Evidence,
        SectionAssignment,
    )
    return {m.__name__: m.objects.count() for m in models}


def stored_state(org: Organisation) -> tuple[Any, ...]:
    org.refresh_from_db()
    return (org.name, org.beds, org.annual_exams, business_rows())


@pytest.fixture
def clients(alice: User, bob: User, settings: Any, tmp_path: Path) -> dict[str, Client]:
    settings.MEDIA_ROOT = tmp_path
    from tests.web.factories import make_user

    pat = make_user("pat@example.org", "Pat", programme_role="programme_admin")
    return {
        "alice": client_for(alice),
        "bob": client_for(bob),
        "pat": client_for(pat),
        "anonymous": Client(),
    }


def test_the_corpus_has_at_least_forty_cases() -> None:
    assert len(CASES) >= 40 and len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_is_refused_clearly_and_changes_nothing(
    case: Case, clients: dict[str, Client], org: Organisation, assessment: Assessment
) -> None:
    path = case.path.format(org=org.pk, a=assessment.pk, na_cid=na_criterion(assessment))
    data = case.data
    if isinstance(data, str) and data.startswith("settings:"):
        key, value = data.removeprefix("settings:").split("=", 1)
        data = org_settings_data(org, **{key: value})
    before = stored_state(org)
    client = clients[case.who]
    if case.method == "get":
        response = client.get(path, **case.extra)
    else:
        response = client.post(path, data or {}, **case.extra)
    body = response.content.decode("utf-8", "replace")
    assert response.status_code == case.status, body[:2000]
    assert case.message.lower() in body.lower(), f"no {case.message!r} in the response"
    assert "Traceback" not in body
    assert stored_state(org) == before


# --- the CLI ---------------------------------------------------------------------------------


def example(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "example.json"
    subprocess.run([DIAM, "example", "-o", str(path)], check=True, capture_output=True)
    return json.loads(path.read_text())


def _write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def _na_id() -> str:
    from diam.paths import shipped_model

    return next(c.id for c in shipped_model().criteria if c.na_allowed)


def _answers_with(tmp_path: Path, **answers: Any) -> bytes:
    data = example(tmp_path)
    data["answers"].update(answers)
    return json.dumps(data).encode()


CLI_CASES: list[tuple[str, Callable[[Path], bytes | str], str]] = [
    (
        "a 5,000-digit integer",
        lambda t: '{"model": "radiology", "answers": {"SI-01": ' + "9" * 5000 + "}}",
        "far too long",
    ),
    ("JSON nested 100,000 deep", lambda t: "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (
        "truncated JSON",
        lambda t: '{"model": "radiology", "answers": {"SI-01": tr',
        "not valid JSON",
    ),
    ("a NUL byte", lambda t: '{"model": "radiology",\x00 "answers": {}}', "not valid JSON"),
    ("invalid UTF-8", lambda t: b'{"model": "radiology", "answers": {}}\xff\xfe', "cannot read"),
    (
        "a vertical tab in a comment",
        lambda t: _answers_with(t, **{"SI-01": {"value": True, "comment": "a\x0bb"}}),
        "control character (U+000B)",
    ),
    (
        "N/A with a value",
        lambda t: _answers_with(
            t, **{_na_id(): {"value": True, "na": True, "justification": "No AI"}}
        ),
        "either a value or N/A, not both",
    ),
    ("a percent of 10^20", lambda t: _answers_with(t, **{"PU-02": 10**20}), "more than 15 digits"),
]


@pytest.mark.parametrize(("name", "content", "message"), CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_hostile_answers_files_exit_2_with_a_message_and_write_nothing(
    tmp_path: Path, name: str, content: Callable[[Path], bytes | str], message: str
) -> None:
    source = _write(tmp_path, "answers.json", content(tmp_path))
    output = tmp_path / "report.docx"
    for command in (["score", str(source)], ["report", str(source), "-o", str(output)]):
        result = subprocess.run([DIAM, *command], capture_output=True, text=True, timeout=120)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr
    assert not output.exists()
    assert {p.name for p in tmp_path.iterdir()} <= {"answers.json", "example.json"}


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_device_as_the_output_is_refused_not_replaced(tmp_path: Path) -> None:
    source = _write(tmp_path, "answers.json", json.dumps(example(tmp_path)))
    result = subprocess.run(
        [DIAM, "report", str(source), "--format", "docx", "-o", "/dev/full"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "not a regular file" in result.stderr
    assert Path("/dev/full").is_char_device()


# --- hostile content that must still work ---------------------------------------------------------


def test_a_planted_temporary_file_is_never_written_through(tmp_path: Path) -> None:
    source = _write(tmp_path, "answers.json", json.dumps(example(tmp_path)))
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    for planted in (".report.csv.tmp", ".report.csv.tmp.tmp"):
        (tmp_path / planted).symlink_to(victim)
    result = subprocess.run(
        [DIAM, "report", str(source), "-o", str(tmp_path / "report.csv")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert victim.read_text() == "keep me"
    assert (tmp_path / "report.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_control_characters_stored_before_the_rule_do_not_break_any_download(
    alice_client: Client, alice: User, org: Organisation, assessment: Assessment
) -> None:
    """Rows written before the input rule (or by a direct import) still download."""
    Organisation.objects.filter(pk=org.pk).update(name="St\x0bElsewhere\x01")
    User.objects.filter(pk=alice.pk).update(name="Alice\x0cAdmin")
    Answer.objects.create(
        assessment=assessment, criterion_id="SI-01", value=True, comment="a\x0bb\x01c", version=1
    )
    for suffix in ("report.docx", "report.xlsx", "checklist.xlsx", "checklist.csv"):
        download(alice_client, f"/a/{assessment.pk}/{suffix}")  # asserts the file arrives
    docx = zipfile.ZipFile(
        io.BytesIO(download(alice_client, f"/a/{assessment.pk}/report.docx").body)
    )
    document = docx.read("word/document.xml").decode()
    assert "\x0b" not in document and "StElsewhere" not in document  # a line break, not glued


def test_a_formula_in_a_comment_stays_text_in_every_spreadsheet(
    alice_client: Client, alice: User, assessment: Assessment
) -> None:
    from openpyxl import load_workbook

    Answer.objects.create(
        assessment=assessment,
        criterion_id="SI-01",
        value=True,
        comment='=HYPERLINK("http://evil.example","click")',
        version=1,
    )
    workbook = load_workbook(
        io.BytesIO(download(alice_client, f"/a/{assessment.pk}/report.xlsx").body)
    )
    cells = [c for row in workbook["Answers"].iter_rows() for c in row]
    (cell,) = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cell.data_type == "s"  # a string, never a formula


def test_a_path_in_an_evidence_name_stays_a_label(
    alice_client: Client, assessment: Assessment, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "evidence"
    response = alice_client.post(
        f"/a/{assessment.pk}/evidence/SI-01/",
        upload("..\\..\\..\\etc/cron.d/evil\x07.txt", b"harmless text\n"),
        **HTMX,
    )
    assert response.status_code == 200
    evidence = Evidence.objects.get()
    assert evidence.original_name == "evil.txt"
    stored = Path(evidence.file.path).resolve()
    assert stored.is_relative_to((tmp_path / "evidence").resolve())


def test_a_zip_bomb_as_evidence_is_stored_as_is_never_unpacked(
    alice_client: Client, assessment: Assessment, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    bomb = zip_bomb()
    assert len(bomb) < 1_000_000
    response = alice_client.post(
        f"/a/{assessment.pk}/evidence/SI-01/", upload("minutes.docx", bomb), **HTMX
    )
    assert response.status_code == 200
    assert Evidence.objects.get().size == len(bomb)


def test_a_locked_assessment_refuses_hostile_saves_too(
    alice_client: Client, alice: User, assessment: Assessment
) -> None:
    assessment_submit(assessment=assessment, user=alice)
    response = alice_client.post(
        f"/a/{assessment.pk}/answer/SI-01/", {"value": "yes\x0b", "version": "0"}, **HTMX
    )
    assert response.status_code in (409, 422, 423)
    assert not Answer.objects.filter(assessment=assessment).exists()


# --- the JSON API (it arrived after the corpus; the same inputs, the same answers) -------------

API_ANSWERS = {"model": "radiology", "answers": {}}
API_CASES: list[tuple[str, str, str | bytes, int, str]] = [
    ("truncated JSON", "answers", '{"model": "radiology", "answers": {"SI-01": tr', 400,
     "not valid JSON (line 1"),
    ("JSON nested 100,000 deep", "answers", "[" * 100_000 + "]" * 100_000, 400,
     "nested too deeply"),
    ("a 5,000-digit number", "imports",
     '{"model": "radiology", "answers": {"SI-01": ' + "9" * 5000 + "}}", 400,
     "thousands of digits"),
    ("invalid UTF-8", "answers", json.dumps(API_ANSWERS).encode() + b"\xff\xfe", 400,
     "not UTF-8"),
    ("a vertical tab in a comment", "answers",
     json.dumps({"model": "radiology",
                 "answers": {"SI-01": {"value": True, "comment": "a\x0bb"}}}),
     422, "control character (U+000B)"),
    ("a percent of 10^20", "imports",
     json.dumps({"model": "radiology", "answers": {"PU-02": 10**20}}), 422,
     "more than 15 digits"),
    ("a percent of 1e999", "answers", '{"model": "radiology", "answers": {"PU-02": 1e999}}',
     422, "expected a number"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "where", "body", "status", "message"), API_CASES, ids=[c[0] for c in API_CASES]
)
def test_hostile_api_bodies_are_refused_clearly_and_change_nothing(
    name: str,
    where: str,
    body: str | bytes,
    status: int,
    message: str,
    alice: User,
    org: Organisation,
    assessment: Assessment,
) -> None:
    from tests.web.api.conftest import api_client, token_for

    client = api_client(token_for(alice, org))
    before = stored_state(org)
    path = {
        "answers": f"/api/assessments/{assessment.pk}/answers",
        "imports": f"/api/organisations/{org.pk}/imports",
    }[where]
    method = "PATCH" if where == "answers" else "POST"
    response = client.generic(method, path, body, content_type="application/json")
    assert response.status_code == status, response.content[:500]
    assert message in response.json()["message"] + json.dumps(response.json()["errors"])
    assert stored_state(org) == before


def test_the_corpus_ran_on_this_database() -> None:
    assert connection.vendor in ("sqlite", "postgresql")
    assert os.environ.get("DATABASE_URL", "").startswith("postgres") == (
        connection.vendor == "postgresql"
    )
