"""The offline workbook (XLSX): fill in the survey in a spreadsheet, upload it back.

One sheet of instructions, a sheet for the service profile (a Yes/No drop-down per service of
the model, when it has any), one sheet per focus area (a row per criterion: what it asks, how
to answer, when it is met, and the cells to fill), a hidden sheet of drop-down lists and a very
hidden sheet naming the model and version. Drop-downs for yes/no and choices, 0-100 for
percentages, the number's range for numbers; every cell but the answer cells is locked and the
sheets cannot be added, removed or renamed.

Reading turns each row's cells into an answers-file entry and hands it to
`diam.scoring.answers.parse_answer`; every problem is reported with its sheet, row and
criterion, and nothing is returned unless every row is valid.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill, Protection  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter, quote_sheetname  # type: ignore[import-untyped]
from openpyxl.workbook.protection import WorkbookProtection  # type: ignore[import-untyped]
from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]

from diam.exchange.safety import UploadProblem, ZipLimits, open_zip
from diam.exchange.text import rule_text, where_text
from diam.model.schema import (
    BooleanAnswer,
    ChoiceAnswer,
    Criterion,
    Model,
    NumberAnswer,
    PercentAnswer,
)
from diam.scoring.answers import (
    AnswerError,
    AnswerSheet,
    InvalidValue,
    NotApplicable,
    parse_answer,
    parse_answer_file,
)

FORMAT = "diam-workbook"
FORMAT_VERSION = 1
INSTRUCTIONS = "Instructions"
LISTS = "Lists"
META = "_diam"
PROFILE = "Service profile"
# Columns of the service-profile sheet: the service id the upload trusts (hidden and locked),
# what is asked, what counts, and the Yes/No cell to fill.
PROFILE_COLUMNS = (("id", 8), ("Service", 70), ("What counts", 55), ("Runs it?", 12))
PROFILE_HEADER = tuple(title for title, _ in PROFILE_COLUMNS)
COL_RUNS = 4
DISCLAIMER = (
    "An open model inspired by the public description of DIAM; results are not official DIAM "
    "stages or certifications. Not affiliated with HIMSS or ESR."
)
YES, NO, NA = "Yes", "No", "N/A"

# Columns of a focus-area sheet. The first is the criterion id the upload trusts (hidden and
# locked); the second shows the same id to people.
COLUMNS = (
    ("id", 8),
    ("Criterion", 10),
    ("Stage / branch", 12),
    ("Statement", 60),
    ("How to answer", 55),
    ("Answer with", 24),
    ("Met when", 24),
    ("Answer", 20),
    ("N/A", 7),
    ("Justification (for N/A)", 32),
    ("Comment", 32),
)
HEADER = tuple(title for title, _ in COLUMNS)
COL_ID, COL_ANSWER, COL_NA, COL_JUSTIFICATION, COL_COMMENT = 1, 8, 9, 10, 11
MAX_ROWS_PER_SHEET = 1_000
MAX_TEXT_CHARS = 10_000

HEADER_FILL = PatternFill("solid", fgColor="1D4E89")
INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")
LOCKED_FILL = PatternFill("solid", fgColor="EEEEEE")
WRAP = Alignment(vertical="top", wrap_text=True)
UNLOCKED = Protection(locked=False)

WORKBOOK_LIMITS = ZipLimits(max_entries=200, max_total_bytes=60 * 1024 * 1024)


# --- writing ---------------------------------------------------------------------------------


def sheet_title(code: str, name: str, taken: set[str]) -> str:
    """`SI Image capture…`: at most 31 characters, none that spreadsheets forbid, unique."""
    clean = re.sub(r"[\[\]:*?/\\']", " ", f"{code} {name}")
    title = " ".join(clean.split())[:31].rstrip()
    while title in taken or title in (INSTRUCTIONS, LISTS, META, PROFILE):
        title = (title[:28] + f" {len(taken)}")[:31]
    taken.add(title)
    return title


def _text(cell: Any, value: str) -> None:
    """A text cell that is never taken for a formula, whatever the text starts with.

    Control characters cannot be stored in XLSX (XML 1.0) and are dropped.
    """
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.data_type = "s"


def answer_with(criterion: Criterion) -> str:
    """What to type in the answer cell, in words."""
    answer = criterion.answer
    if isinstance(answer, BooleanAnswer):
        return "Yes or No"
    if isinstance(answer, ChoiceAnswer):
        return "One option from the list"
    if isinstance(answer, PercentAnswer):
        of = f" of {answer.denominator}" if answer.denominator else ""
        return f"A percentage, 0-100{of}"
    assert isinstance(answer, NumberAnswer)
    upper = f"{answer.maximum:g}" if answer.maximum is not None else "no limit"
    return f"A number of {answer.unit}, {answer.minimum:g} to {upper}"


def _cell_value(criterion: Criterion, value: Any) -> Any:
    """A stored answer value as the workbook shows it (Yes/No, an option's label, a number)."""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(criterion.answer, ChoiceAnswer):
        labels = {o.id: o.label for o in criterion.answer.options}
        return labels.get(value, value)
    return value


def _instructions(sheet: Any, model: Model, title: str, generated_at: datetime) -> None:
    m = model.manifest
    lines: list[tuple[str, bool]] = [
        (f"{m.name}: offline workbook", True),
        (f"Model {m.id}, version {m.version}. {title}".strip(), False),
        (f"Generated {generated_at:%Y-%m-%d %H:%M} UTC.", False),
        ("", False),
        ("How to fill it in", True),
        (
            "1. First say in the 'Service profile' sheet which services the organisation runs "
            "(Yes or No; leave a row empty if unsure): criteria about a service it does not run "
            "are not applicable and not scored. Each focus area then has its own sheet, one row "
            "per criterion.",
            False,
        ),
        (
            "2. Type or choose the answer in the yellow Answer column: Yes or No, an option "
            "from the drop-down, a percentage from 0 to 100, or a number in the unit shown.",
            False,
        ),
        (
            "3. Where a criterion may be not applicable, choose N/A in the N/A column and say "
            "why in the Justification column; leave the Answer empty then.",
            False,
        ),
        ("4. Comments are optional. Leave a row empty to keep it unanswered.", False),
        (
            "5. 'Met when' says what answer meets the criterion; 'How to answer' says how to "
            "count.",
            False,
        ),
        ("", False),
        ("How to upload it", True),
        (
            "Open the assessment in diam, choose 'Import and export', and upload this file. "
            "Every row is checked first: if any row has a problem, you get a list of them "
            "(sheet, row, criterion, problem) and nothing is changed. Empty rows leave the "
            "answers in diam as they are.",
            False,
        ),
        (
            f"This workbook is for model version {m.version} only; an assessment on another "
            "version refuses it. Do not add, remove or rename sheets, and do not type formulas: "
            "only values are accepted.",
            False,
        ),
        ("", False),
        (DISCLAIMER, False),
    ]
    sheet.column_dimensions["A"].width = 110
    for row, (text, bold) in enumerate(lines, start=1):
        cell = sheet.cell(row=row, column=1)
        _text(cell, text)
        cell.alignment = WRAP
        if bold:
            cell.font = Font(bold=True, size=14 if row == 1 else 12)
    sheet.protection.sheet = True


def build_workbook(
    model: Model,
    *,
    generated_at: datetime,
    sheet: AnswerSheet | None = None,
    justifications: dict[str, str] | None = None,
    title: str = "",
) -> bytes:
    """The workbook for `model`, blank or pre-filled with `sheet`'s answers and comments."""
    values = dict(sheet.values) if sheet is not None else {}
    comments = dict(sheet.comments) if sheet is not None else {}
    book = Workbook()
    intro = book.active
    intro.title = INSTRUCTIONS
    _instructions(intro, model, title, generated_at)

    lists = book.create_sheet(LISTS)
    lists.sheet_state = "hidden"
    list_ranges: dict[str, str] = {}
    list_col = 0
    for criterion in model.criteria:
        if isinstance(criterion.answer, ChoiceAnswer):
            list_col += 1
            letter = get_column_letter(list_col)
            _text(lists.cell(row=1, column=list_col), criterion.id)
            for r, option in enumerate(criterion.answer.options, start=2):
                _text(lists.cell(row=r, column=list_col), option.label)
            last = len(criterion.answer.options) + 1
            list_ranges[criterion.id] = f"{quote_sheetname(LISTS)}!${letter}$2:${letter}${last}"
    lists.protection.sheet = True

    if model.manifest.services:
        services = sheet.context.services if sheet is not None else {}
        _profile_sheet(book.create_sheet(PROFILE), model, services)

    taken: set[str] = set()
    for fa in model.manifest.focus_areas:
        ws = book.create_sheet(sheet_title(fa.code, fa.name, taken))
        criteria = [c for c in model.criteria if c.focus_area == fa.code]
        _focus_area_sheet(ws, model, criteria, values, comments, list_ranges)

    meta = book.create_sheet(META)
    meta.sheet_state = "veryHidden"
    for r, (key, value) in enumerate(
        (
            ("format", FORMAT),
            ("format_version", FORMAT_VERSION),
            ("model", model.id),
            ("model_version", model.version),
            ("model_hash", model.content_hash),
            ("generated_at", generated_at.isoformat(timespec="seconds")),
            # The country decides which law-bound criteria apply: it goes round with the
            # answers (the organisation's settings page edits it, not the workbook). The
            # service profile has its own sheet.
            ("country", sheet.context.country or "" if sheet is not None else ""),
        ),
        start=1,
    ):
        _text(meta.cell(row=r, column=1), key)
        cell = meta.cell(row=r, column=2)
        if isinstance(value, str):
            _text(cell, value)
        else:
            cell.value = value
    meta.protection.sheet = True
    book.security = WorkbookProtection(lockStructure=True)
    # Open on the first sheet to fill in (the profile, or the first focus area).
    visible = [i for i, ws in enumerate(book.worksheets) if ws.sheet_state == "visible"]
    book.active = visible[1] if len(visible) > 1 else 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _header(ws: Any, columns: tuple[tuple[str, int], ...]) -> None:
    bold = Font(bold=True, color="FFFFFF")
    for col, (title, width) in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=col)
        _text(cell, title)
        cell.font = bold
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.column_dimensions["A"].hidden = True


def _protect(ws: Any) -> None:
    ws.protection.sheet = True
    # Allowed on the protected sheet: resizing rows and columns, selecting any cell.
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _profile_sheet(ws: Any, model: Model, services: Mapping[str, bool]) -> None:
    """One row per service of the model with a Yes/No drop-down (empty: not stated)."""
    _header(ws, PROFILE_COLUMNS)
    ws.freeze_panes = "B2"
    yes_no = _validation(
        "list", formula1=f'"{YES},{NO}"', error="Choose Yes or No, or leave it empty."
    )
    for row, service in enumerate(model.manifest.services, start=2):
        texts = (service.id, service.question, " ".join((service.guidance or "").split()))
        for col, text in enumerate(texts, start=1):
            cell = ws.cell(row=row, column=col)
            _text(cell, " ".join(text.split()))
            cell.alignment = WRAP
        runs = ws.cell(row=row, column=COL_RUNS)
        runs.protection = UNLOCKED
        runs.fill = INPUT_FILL
        if service.id in services:
            _text(runs, YES if services[service.id] else NO)
        yes_no.add(runs.coordinate)
        ws.row_dimensions[row].height = 15 * max(
            2, len(service.question) // 65 + 1, len(service.guidance or "") // 50 + 1
        )
    ws.add_data_validation(yes_no)
    _protect(ws)


def _focus_area_sheet(
    ws: Any,
    model: Model,
    criteria: list[Criterion],
    values: dict[str, Any],
    comments: dict[str, str],
    list_ranges: dict[str, str],
) -> None:
    _header(ws, COLUMNS)
    ws.freeze_panes = "C2"

    yes_no = _validation("list", formula1=f'"{YES},{NO}"', error="Choose Yes or No from the list.")
    na_list = _validation("list", formula1=f'"{NA}"', error="Choose N/A or leave it empty.")
    percent = _validation(
        "decimal",
        operator="between",
        formula1="0",
        formula2="100",
        error="A percentage must be a number from 0 to 100.",
    )
    validations = [yes_no, na_list, percent]
    ranges: dict[str, DataValidation] = {}

    for row, criterion in enumerate(criteria, start=2):
        answer = criterion.answer
        value = values.get(criterion.id)
        texts = (
            criterion.id,
            criterion.id,
            where_text(model, criterion),
            " ".join(criterion.statement.split()),
            " ".join(criterion.guidance.split()),
            answer_with(criterion),
            rule_text(criterion),
        )
        for col, text in enumerate(texts, start=1):
            cell = ws.cell(row=row, column=col)
            _text(cell, text)
            cell.alignment = WRAP
        answer_cell = ws.cell(row=row, column=COL_ANSWER)
        answer_cell.protection = UNLOCKED
        answer_cell.fill = INPUT_FILL
        answer_cell.alignment = WRAP
        if value is not None and not isinstance(value, NotApplicable):
            shown = _cell_value(criterion, value)
            if isinstance(shown, str):
                _text(answer_cell, shown)
            else:
                answer_cell.value = shown
        if isinstance(answer, BooleanAnswer):
            yes_no.add(answer_cell.coordinate)
        elif isinstance(answer, ChoiceAnswer):
            rule = ranges.get(criterion.id)
            if rule is None:
                rule = _validation(
                    "list",
                    formula1=list_ranges[criterion.id],
                    error="Choose one of the options from the drop-down list.",
                )
                ranges[criterion.id] = rule
                validations.append(rule)
            rule.add(answer_cell.coordinate)
        elif isinstance(answer, PercentAnswer):
            percent.add(answer_cell.coordinate)
        else:
            assert isinstance(answer, NumberAnswer)
            upper = answer.maximum
            rule = _validation(
                "decimal",
                operator="between" if upper is not None else "greaterThanOrEqual",
                formula1=f"{answer.minimum:g}",
                formula2=f"{upper:g}" if upper is not None else None,
                error=f"{answer_with(criterion)}.",
            )
            validations.append(rule)
            rule.add(answer_cell.coordinate)

        na_cell = ws.cell(row=row, column=COL_NA)
        justification_cell = ws.cell(row=row, column=COL_JUSTIFICATION)
        if criterion.na_allowed:
            for cell in (na_cell, justification_cell):
                cell.protection = UNLOCKED
                cell.fill = INPUT_FILL
                cell.alignment = WRAP
            na_list.add(na_cell.coordinate)
            if isinstance(value, NotApplicable):
                _text(na_cell, NA)
                _text(justification_cell, value.justification)
        else:
            for cell in (na_cell, justification_cell):
                cell.fill = LOCKED_FILL
            _text(na_cell, "—")
        comment_cell = ws.cell(row=row, column=COL_COMMENT)
        comment_cell.protection = UNLOCKED
        comment_cell.fill = INPUT_FILL
        comment_cell.alignment = WRAP
        if comments.get(criterion.id):
            _text(comment_cell, comments[criterion.id])
        ws.row_dimensions[row].height = 15 * max(
            3, len(criterion.statement) // 55 + 1, len(criterion.guidance) // 50 + 1
        )
    for rule in validations:
        if rule.sqref:
            ws.add_data_validation(rule)
    _protect(ws)


def _validation(kind: str, *, error: str, **options: Any) -> DataValidation:
    return DataValidation(
        type=kind,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="Not accepted",
        error=error,
        **{k: v for k, v in options.items() if v is not None},
    )


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """One problem of an uploaded workbook, where a person can find it."""

    sheet: str
    row: int | None
    criterion: str
    problem: str

    def __str__(self) -> str:
        where = f"{self.sheet}, row {self.row}" if self.row else self.sheet
        about = f" ({self.criterion})" if self.criterion else ""
        return f"{where}{about}: {self.problem}"


class WorkbookProblems(UploadProblem):
    """The workbook has row-level problems; nothing was read from it."""

    def __init__(self, rows: list[RowProblem]) -> None:
        self.rows = rows
        super().__init__([str(r) for r in rows])


@dataclass(frozen=True)
class WorkbookAnswers:
    """A valid workbook: the model it is for, its answers as the answers-file document (only
    the rows that say something), and the same answers checked."""

    model: Model
    document: dict[str, Any]
    sheet: AnswerSheet


Resolve = Callable[[str, str], Model]
"""Finds the model a workbook names; raises `UploadProblem` saying why it cannot be used."""

_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def read_workbook(data: bytes, *, resolve: Resolve) -> WorkbookAnswers:
    """Read an uploaded workbook; raise `UploadProblem` (row-level: `WorkbookProblems`)."""
    open_zip(data, what="The workbook", limits=WORKBOOK_LIMITS).close()
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise UploadProblem(
            f"The workbook cannot be read as an Excel (XLSX) file ({type(exc).__name__})."
        ) from None
    try:
        meta = _meta(book)
        model = resolve(meta.get("model", ""), meta.get("model_version", ""))
        problems: list[RowProblem] = []
        context = _context_of(meta)
        if PROFILE in book.sheetnames:
            services = _read_profile(book[PROFILE], model, problems)
            context.pop("services", None)  # the sheet, as the person left it, wins
            if services:
                context["services"] = services
        return _read_rows(book, model, context, problems)
    finally:
        book.close()


def _read_profile(ws: Any, model: Model, problems: list[RowProblem]) -> dict[str, bool]:
    """The stated services of the profile sheet (empty cells: not stated); problems by row."""
    rows = ws.iter_rows(min_row=1, max_col=len(PROFILE_COLUMNS))
    header = next(rows, None)
    if header is None or (
        tuple(_plain(c.value) for c in header[: len(PROFILE_HEADER)]) != PROFILE_HEADER
    ):
        problems.append(
            RowProblem(PROFILE, 1, "", "the columns were changed; download a fresh workbook")
        )
        return {}
    known = [s.id for s in model.manifest.services]
    services: dict[str, bool] = {}
    seen: set[str] = set()
    for number, cells in enumerate(rows, start=2):
        if number > len(known) + 50:
            problems.append(RowProblem(PROFILE, number, "", "too many rows"))
            break
        cells = tuple(cells)
        sid = _plain(cells[0].value) if cells else None
        runs = _plain(cells[COL_RUNS - 1].value) if len(cells) >= COL_RUNS else None
        if sid is None:
            if runs is not None:
                problems.append(RowProblem(PROFILE, number, "", "a row without a service id"))
            continue
        if any(_is_formula(c) for c in cells):
            problems.append(RowProblem(PROFILE, number, str(sid)[:40], "a formula is not accepted"))
            continue
        if sid not in known:
            problems.append(
                RowProblem(
                    PROFILE,
                    number,
                    str(sid)[:40],
                    f"unknown service (this model asks about: {', '.join(known)})",
                )
            )
            continue
        if sid in seen:
            problems.append(RowProblem(PROFILE, number, sid, "the service is listed twice"))
            continue
        seen.add(sid)
        if runs is None:
            continue
        word = str(runs).strip().lower() if isinstance(runs, str | bool) else None
        if runs is True or word in ("yes", "y", "true"):
            services[sid] = True
        elif runs is False or word in ("no", "n", "false"):
            services[sid] = False
        else:
            problems.append(
                RowProblem(
                    PROFILE, number, sid, f"choose Yes or No, or leave it empty; got {runs!r}"
                )
            )
    return services


def _context_of(meta: dict[str, str]) -> dict[str, Any]:
    """The answers file's `meta.country` and `services` from the workbook's hidden meta
    (`services` is there only in workbooks made before the profile had its own sheet)."""
    extra: dict[str, Any] = {}
    if meta.get("country"):
        extra["meta"] = {"country": meta["country"]}
    services = {}
    for part in (meta.get("services") or "").split(";"):
        sid, _, runs = part.partition("=")
        if sid and runs in ("yes", "no"):
            services[sid] = runs == "yes"
    if services:
        extra["services"] = services
    return extra


def _meta(book: Any) -> dict[str, str]:
    if META not in book.sheetnames:
        raise UploadProblem(
            "This is not a diam workbook (its hidden sheet naming the model is missing). "
            "Download the workbook from diam, fill it in, and upload that file."
        )
    meta: dict[str, str] = {}
    for row in book[META].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
        if row and isinstance(row[0], str):
            meta[row[0]] = str(row[1]) if len(row) > 1 and row[1] is not None else ""
    if meta.get("format") != FORMAT:
        raise UploadProblem("This is not a diam workbook (its format mark is missing).")
    if meta.get("format_version") not in (str(FORMAT_VERSION),):
        raise UploadProblem(
            f"The workbook is format version {meta.get('format_version')!r}; this diam reads "
            f"version {FORMAT_VERSION}. Download a fresh workbook."
        )
    if not meta.get("model") or not meta.get("model_version"):
        raise UploadProblem("The workbook does not say which model version it is for.")
    return meta


def _is_formula(cell: Any) -> bool:
    return getattr(cell, "data_type", None) == "f" or (
        type(cell.value).__name__ in ("ArrayFormula", "DataTableFormula")
    )


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _answer_raw(criterion: Criterion, cell: Any) -> Any:
    """The answer cell as an answers-file value; `parse_answer` then judges it."""
    value = _plain(cell.value)
    if value is None:
        return None
    answer = criterion.answer
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")  # a date where a number was expected: reported
    if isinstance(answer, BooleanAnswer) and isinstance(value, str):
        word = value.lower()
        if word in ("yes", "y", "true"):
            return True
        if word in ("no", "n", "false"):
            return False
        return value
    if isinstance(answer, ChoiceAnswer) and isinstance(value, str):
        folded = " ".join(value.split()).casefold()
        for option in answer.options:
            if folded in (option.label.casefold(), option.id.casefold()):
                return option.id
        return value
    if isinstance(answer, PercentAnswer | NumberAnswer):
        if isinstance(value, str):
            text = value.rstrip("%").strip() if isinstance(answer, PercentAnswer) else value
            if _NUMBER.match(text):
                number = float(text.replace(",", "."))
                return int(number) if number.is_integer() else number
            return value
        if (
            isinstance(answer, PercentAnswer)
            and isinstance(value, int | float)
            and not isinstance(value, bool)
            and "%" in str(getattr(cell, "number_format", "") or "")
        ):
            # Typing "80%" makes a spreadsheet store 0.8 shown as a percentage.
            value = round(value * 100, 10)
        if isinstance(value, float) and value.is_integer():
            return int(value)
    return value


def _na_flag(cell: Any) -> bool | None:
    """True for N/A, False for empty; None for anything else (reported)."""
    value = _plain(cell.value)
    if value is None or value is False or value == "—":
        return False
    if value is True or (isinstance(value, str) and value.lower() in ("n/a", "na", "yes", "x")):
        return True
    if isinstance(value, str) and value.lower() == "no":
        return False
    return None


def _text_cell(cell: Any) -> str:
    value = _plain(cell.value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _read_rows(
    book: Any, model: Model, context: dict[str, Any], problems: list[RowProblem]
) -> WorkbookAnswers:
    answers: dict[str, dict[str, Any]] = {}
    seen: dict[str, str] = {}
    by_id = model.criteria_by_id
    for name in book.sheetnames:
        if name in (INSTRUCTIONS, LISTS, META, PROFILE):
            continue
        ws = book[name]
        rows = ws.iter_rows(min_row=1, max_col=len(COLUMNS))
        header = next(rows, None)
        if header is None or tuple(_plain(c.value) for c in header[: len(HEADER)]) != HEADER:
            problems.append(
                RowProblem(name, 1, "", "the columns were changed; download a fresh workbook")
            )
            continue
        for number, cells in enumerate(rows, start=2):
            if number > MAX_ROWS_PER_SHEET + 1:
                problems.append(RowProblem(name, number, "", "too many rows"))
                break
            _read_row(name, number, tuple(cells), by_id, answers, seen, problems)
    if problems:
        raise WorkbookProblems(problems)
    document = {"model": model.id, "model_version": model.version, "answers": answers, **context}
    try:
        sheet = parse_answer_file(model, document)
    except AnswerError as exc:  # every entry was checked above; this is belt and braces
        raise UploadProblem(exc.problems) from None
    return WorkbookAnswers(model=model, document=document, sheet=sheet)


def _read_row(
    sheet: str,
    number: int,
    cells: tuple[Any, ...],
    by_id: dict[str, Criterion],
    answers: dict[str, dict[str, Any]],
    seen: dict[str, str],
    problems: list[RowProblem],
) -> None:
    def cell(col: int) -> Any:
        return cells[col - 1] if len(cells) >= col else _Empty()

    cid = _plain(cell(COL_ID).value)
    filled = [c for c in cells if _plain(c.value) is not None]
    if cid is None:
        if any(c.column >= COL_ANSWER for c in filled if hasattr(c, "column")):
            problems.append(RowProblem(sheet, number, "", "a row without a criterion id"))
        return
    criterion = by_id.get(str(cid))
    if criterion is None:
        problems.append(RowProblem(sheet, number, str(cid)[:20], "unknown criterion id"))
        return
    if criterion.id in seen:
        problems.append(
            RowProblem(
                sheet, number, criterion.id, f"the criterion is also in {seen[criterion.id]}"
            )
        )
        return
    seen[criterion.id] = f"{sheet}, row {number}"
    formulas = [c for c in cells if _is_formula(c)]
    if formulas:
        problems.append(
            RowProblem(
                sheet,
                number,
                criterion.id,
                "a formula is not accepted; type the value itself",
            )
        )
        return
    na = _na_flag(cell(COL_NA))
    if na is None:
        problems.append(
            RowProblem(sheet, number, criterion.id, "the N/A column takes N/A or nothing")
        )
        return
    justification = _text_cell(cell(COL_JUSTIFICATION))
    comment = _text_cell(cell(COL_COMMENT))
    if len(justification) > MAX_TEXT_CHARS or len(comment) > MAX_TEXT_CHARS:
        problems.append(
            RowProblem(sheet, number, criterion.id, f"a text is over {MAX_TEXT_CHARS} characters")
        )
        return
    value = _answer_raw(criterion, cell(COL_ANSWER))
    if justification and not na:
        problems.append(
            RowProblem(
                sheet,
                number,
                criterion.id,
                "a justification is given but N/A is not chosen: choose N/A or clear it",
            )
        )
        return
    if value is None and not na and not comment:
        return  # an empty row: left as it is
    entry: dict[str, Any] = {"value": value}
    if na:
        entry = {"na": True, "justification": justification}
        if value is not None:
            entry["value"] = value
    if comment:
        entry["comment"] = comment
    try:
        parse_answer(criterion, entry)
    except InvalidValue as exc:
        message = str(exc)
        if isinstance(criterion.answer, ChoiceAnswer) and "expected one of" in message:
            labels = "; ".join(o.label for o in criterion.answer.options)
            message = f"choose one of the drop-down's options ({labels}); got {value!r}"
        problems.append(RowProblem(sheet, number, criterion.id, message))
        return
    answers[criterion.id] = entry


class _Empty:
    value = None
    data_type = "n"


def problems_table(problems: Iterable[RowProblem]) -> list[tuple[str, str, str, str]]:
    """Rows of the error report: sheet, row, criterion, problem."""
    return [(p.sheet, str(p.row or ""), p.criterion, p.problem) for p in problems]
