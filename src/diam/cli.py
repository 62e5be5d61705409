"""The `diam` command line: check and export models, score answers files, write examples.

User errors (missing files, invalid answers, bad options) exit with code 2 and one paragraph
naming what is wrong; `diam model check` exits 1 when the model has errors.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from diam import __version__
from diam.model.export import model_to_dict
from diam.model.load import ModelError, check_model_tree, load_model, version_dirs
from diam.model.schema import Model, StageRuleMode
from diam.paths import (
    DEFAULT_MODEL_ID,
    UnknownModel,
    available_model_ids,
    model_dir,
    models_dir,
)
from diam.scoring.answers import AnswerError, AnswerSheet, parse_answer_file
from diam.scoring.engine import score
from diam.scoring.explain import completeness_text, explain_criterion, stage_meaning, why_stage
from diam.scoring.result import Result


class UserError(click.ClickException):
    """Bad input from the user: message, exit code 2, no traceback."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def fail(message: str) -> NoReturn:
    raise UserError(message)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="diam")
def main() -> None:
    """diam: an open imaging-IT maturity assessment (inspired by the public description of
    DIAM; not an official DIAM rating)."""


# --- model -------------------------------------------------------------------------------


@main.group()
def model() -> None:
    """Check and export maturity models."""


@model.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def model_check(path: Path | None) -> None:
    """Check a model (default: every installed version of the radiology model); list ALL problems.

    PATH is a model root holding version directories (`models/radiology`) or one version
    directory (`models/radiology/2.0.0`). Exit code 0 when every version is sound (warnings
    allowed), 1 when any has errors.
    """
    root = path or models_dir() / DEFAULT_MODEL_ID
    loaded, problems = check_model_tree(root)
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    for m in loaded:
        click.echo(
            f"{root}: model {m.id} {m.version} is valid: {len(m.criteria)} criteria, "
            f"{len(m.manifest.focus_areas)} focus areas, {len(m.references)} references."
        )
    if errors or not loaded:
        click.echo(f"{root}: {errors} error(s), {warnings} warning(s).", err=True)
        sys.exit(1)
    if warnings:
        click.echo(f"{root}: {warnings} warning(s).")


@model.command("export")
@click.option("--model", "model_path", type=click.Path(path_type=Path), help="Model directory.")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File (default: stdout).")
def model_export(model_path: Path | None, fmt: str, output: Path | None) -> None:
    """Export the model as one JSON document (the model-export contract)."""
    loaded = _load(model_path)
    _write(output, json.dumps(model_to_dict(loaded), indent=2, ensure_ascii=False) + "\n")


@model.command("calibrate")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--rule",
    "rules",
    multiple=True,
    metavar="RULE",
    help="Also score the cases under another stage rule: `strict` or `threshold:70` "
    "(repeatable), to see what a rule choice would do.",
)
def model_calibrate(path: Path | None, rules: tuple[str, ...]) -> None:
    """Score the calibration cases of a model and compare with their published stages.

    PATH is a model root (every version with a `calibration/` folder) or one version
    directory; default: the latest radiology version. Exit code 0 when every case scores as
    expected, 1 on a mismatch or an unreadable case, 2 on bad options.
    """
    from diam.calibration import (
        BASIS_WORDS,
        CalibrationError,
        basis_summary,
        case_files,
        load_cases,
        run_cases,
        with_stage_rule,
    )

    alternatives = [_parse_rule(r) for r in rules]
    root = path or model_dir(DEFAULT_MODEL_ID)
    versions = version_dirs(root)
    if not versions:
        fail(f"{root}: no model here (expected manifest.yaml or version directories).")
    failed = 0
    checked = 0
    for _, version_root in versions:
        if not case_files(version_root):
            if len(versions) == 1:
                fail(f"{version_root}: no calibration cases (calibration/*.yaml).")
            continue
        loaded = _load(version_root)
        try:
            cases = load_cases(loaded, version_root)
        except CalibrationError as exc:
            listing = "\n".join(f"  - {p}" for p in exc.problems)
            click.echo(f"{version_root}: calibration cases are not valid:\n{listing}", err=True)
            sys.exit(1)
        click.echo(f"Model {loaded.id} {loaded.version}, stage rule {_rule_text(loaded)}:")
        width = max(len(c.name) for c in cases)
        for outcome in run_cases(loaded, cases):
            checked += 1
            mark = "ok" if outcome.passed else "MISMATCH"
            failed += not outcome.passed
            counts = outcome.case.bases()
            bases = ", ".join(
                f"{counts[b]} {word}{'' if counts[b] == 1 else 's'}"
                for b, word in BASIS_WORDS.items()
            )
            click.echo(
                f"  {outcome.case.name:<{width}}  expected {outcome.expected:<8} "
                f"got {outcome.result.stage}  {mark}"
            )
            click.echo(f"      {outcome.why}")
            click.echo(f"      Answers: {bases}.")
        click.echo(f"  Bases over all cases: {basis_summary(cases)}.")
        for mode, percent in alternatives:
            alt = with_stage_rule(loaded, mode, percent)
            results = run_cases(alt, cases)
            wrong = [r for r in results if not r.passed]
            listing = "; ".join(
                f"{r.case.name} {r.result.stage} (expected {r.expected})" for r in wrong
            )
            click.echo(
                f"  Under {_rule_text(alt)}: {len(results) - len(wrong)} of {len(results)} as "
                f"expected" + (f"; {listing}." if wrong else ".")
            )
    if not checked:
        fail(f"{root}: no version has calibration cases (calibration/*.yaml).")
    if failed:
        click.echo(f"{failed} calibration case(s) do not score their published stage.", err=True)
        sys.exit(1)


def _parse_rule(text: str) -> tuple[StageRuleMode, float | None]:
    if text == "strict":
        return StageRuleMode.STRICT, None
    name, _, number = text.partition(":")
    try:
        percent = float(number)
    except ValueError:
        percent = -1.0
    if name != "threshold" or not 0 < percent <= 100:
        fail(f"--rule {text!r}: use `strict` or `threshold:P` (P a percentage, e.g. threshold:70).")
    return StageRuleMode.THRESHOLD, percent


def _rule_text(m: Model) -> str:
    rule = m.manifest.stage_rule
    if rule.mode is StageRuleMode.STRICT:
        return "strict"
    return f"threshold {rule.threshold_percent:g} %"


@model.command("diff")
@click.argument("old")
@click.argument("new")
@click.option(
    "--model-id",
    default=DEFAULT_MODEL_ID,
    show_default=True,
    help="Model whose installed versions OLD and NEW name (ignored for directories).",
)
def model_diff(old: str, new: str, model_id: str) -> None:
    """Print the differences between two versions of a model, in words.

    OLD and NEW are installed versions (`diam model diff 1.0.0 2.0.0`) or version
    directories. When NEW declares its migration from OLD (`migration.yaml`), the lines say
    where each criterion comes from and whether answers carry over.
    """
    from diam.model.load import read_migration
    from diam.model.migration import describe_changes

    old_dir, new_dir = _version_dir(old, model_id), _version_dir(new, model_id)
    before, after = _load(old_dir), _load(new_dir)
    migration, problems = read_migration(new_dir)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        fail(f"{new_dir}/migration.yaml is not valid; run `diam model check {new_dir}`.")
    lines = describe_changes(old=before, new=after, migration=migration)
    declared = migration is not None and migration.from_version == before.version
    click.echo(
        f"{before.id} {before.version} -> {after.id} {after.version}: "
        f"{len(before.criteria)} -> {len(after.criteria)} criteria; "
        + (
            "mapping declared in migration.yaml."
            if declared
            else "no migration declared between them: criteria matched by id."
        )
    )
    if before.manifest.stage_rule != after.manifest.stage_rule:
        click.echo(f"Stage rule: {_rule_text(before)} -> {_rule_text(after)}.")
    for number in range(0, 8):
        try:
            a, b = before.stage_info(number), after.stage_info(number)
        except StopIteration:
            continue
        if a.name != b.name:
            click.echo(f"Stage {number} renamed: {a.name!r} -> {b.name!r}.")
    if not lines:
        click.echo("No criterion differs.")
    for line in lines:
        click.echo(f"- {line}")


def _version_dir(spec: str, model_id: str) -> Path:
    candidate = Path(spec)
    if candidate.is_dir():
        return candidate
    try:
        return model_dir(model_id, spec)
    except UnknownModel as exc:
        fail(f"{spec}: neither a directory nor an installed version ({exc}).")


# --- score -------------------------------------------------------------------------------


@main.command("score")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--model",
    "model_path",
    type=click.Path(path_type=Path),
    help="Model directory (default: the shipped model named in the file).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def score_command(file: Path, model_path: Path | None, fmt: str) -> None:
    """Score an answers FILE and print the stage, branches, focus areas and blockers."""
    loaded, sheet = read_answers(file, model_path)
    result = score(loaded, sheet.values, sheet.context)
    if fmt == "json":
        out = result.to_dict()
        out["why"] = why_stage(result)
        for cid, entry in out["criteria"].items():
            entry["explanation"] = explain_criterion(result, cid).text
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        click.echo(format_result(result))


def read_answers(file: Path, model_path: Path | None) -> tuple[Model, AnswerSheet]:
    """Read and validate an answers file; every failure is a `UserError`.

    A workbook (XLSX), a bundle (zip) or a FHIR QuestionnaireResponse is read too, for the
    installed model version it names.
    """
    if model_path is None and _other_format(file):
        from diam.cli_exchange import read_file

        imported = read_file(file)
        return imported.model, imported.sheet
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{file}: no such file.")
    except IsADirectoryError:
        fail(f"{file}: is a directory, expected an answers JSON file.")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{file}: cannot read it ({exc}).")
    data = parse_json(file, text)
    if model_path is None:
        model_id = data.get("model") if isinstance(data, dict) else None
        version = data.get("model_version") if isinstance(data, dict) else None
        if not isinstance(model_id, str) or model_id not in available_model_ids():
            known = ", ".join(available_model_ids())
            fail(
                f"{file}: `model` names no shipped model ({model_id!r}); use --model PATH "
                f"or one of: {known or DEFAULT_MODEL_ID}."
            )
        if version is not None and not isinstance(version, str):
            fail(f'{file}: `model_version` must be a version string such as "2.0.0".')
        try:
            model_path = model_dir(model_id, version)
        except UnknownModel as exc:
            fail(f"{file}: {exc}.")
    loaded = _load(model_path)
    try:
        sheet = parse_answer_file(loaded, data)
    except AnswerError as exc:
        listing = "\n".join(f"  - {p}" for p in exc.problems)
        fail(f"{file}: {len(exc.problems)} problem(s), nothing was scored:\n{listing}")
    return loaded, sheet


def parse_json(file: Path, text: str) -> Any:
    """The JSON document in `text`; malformed, too deep or absurd input is a `UserError`."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{file}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).")
    except RecursionError:
        fail(f"{file}: not an answers file (its JSON is nested too deeply to read).")
    except ValueError as exc:  # e.g. an integer of thousands of digits
        fail(f"{file}: not an answers file (a number in it is far too long: {str(exc)[:60]}).")


def _other_format(file: Path) -> bool:
    """A zip (workbook, bundle) or a FHIR resource rather than an answers file."""
    try:
        with file.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False  # read_answers reports it
    return head.startswith(b"PK\x03\x04") or b'"resourceType"' in head


def _bar(percent: float | None, width: int = 20) -> str:
    if percent is None:
        return "·" * width
    filled = round(percent * width / 100)
    return "█" * filled + "░" * (width - filled)


def _pct(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.1f}%"


def format_result(result: Result) -> str:
    """The human summary printed by `diam score`."""
    m = result.model
    lines = [
        f"Stage {result.stage}: {result.stage_name()}",
        f"  {why_stage(result)}",
        f"  {stage_meaning(result)}",
        f"  Model {m.id} {m.version} (an open model inspired by DIAM; not an official DIAM "
        "rating).",
        f"  Completeness {completeness_text(result.completeness_counts)}.",
    ]
    context = result.context
    if m.manifest.services or any(c.applies_in for c in m.criteria):
        country = context.country or "not given (meta.country)"
        stated = sum(1 for s in m.manifest.services if s.id in context.services)
        lines.append(
            f"  Country: {country}; service profile: {stated} of {len(m.manifest.services)} "
            f"services stated; {len(result.out_of_scope)} criteria not applicable."
        )
    lines += ["", "Core stages"]
    width = max(len(g.name) for g in [*result.stages, *result.branches, *result.focus_areas])
    for s in result.stages:
        mark = "reached" if result.core_stage >= int(s.key) else "not reached"
        lines.append(
            f"  {s.key:<2} {s.name:<{width}} {_bar(s.percent)} {_pct(s.percent)}  "
            f"{s.met}/{s.total} {mark}"
        )
    lines += ["", "Branches (count from core stage 4)"]
    for b in result.branches:
        mark = "mastered" if b.passed else "not mastered"
        lines.append(
            f"  {b.key:<2} {b.name:<{width}} {_bar(b.percent)} {_pct(b.percent)}  "
            f"{b.met}/{b.total} {mark}"
        )
    lines += ["", "Focus areas"]
    for f in result.focus_areas:
        lines.append(
            f"  {f.code:<2} {f.name:<{width}} {_bar(f.percent)} {_pct(f.percent)}  "
            f"{f.met}/{f.total}"
        )
    target = result.next_target
    lines.append("")
    if target is None:
        lines.append("Every stage and branch is reached.")
    else:
        label = (
            f"core stage {target[1:]}"
            if target.startswith("S")
            else f"branch {target} ({m.branch(target).name})"
        )
        lines.append(f"Blockers for {label}:")
        by_id = m.criteria_by_id
        for cid in result.blockers:
            lines.append(f"  {by_id[cid].label}: {explain_criterion(result, cid).text}")
            lines.append(f"      {_short(by_id[cid].statement)}")
    return "\n".join(lines)


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- example -----------------------------------------------------------------------------


@main.command("example")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File (default: stdout).")
def example(output: Path | None) -> None:
    """Write a filled example answers file: a realistic stage-3 radiology department."""
    path = model_dir(DEFAULT_MODEL_ID) / "examples" / "stage-3-department.json"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"the bundled example is missing ({exc}).")
    _write(output, text)


# --- commands that need the database ------------------------------------------------------


def _django() -> None:
    """Set up Django for commands that use the database (settings from the environment)."""
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diam.web.settings")
    try:
        import django

        django.setup()
    except Exception as exc:  # ImproperlyConfigured and friends: show the message, not a trace
        fail(f"cannot start the web application's settings: {exc}")


@main.command("demo")
@click.option(
    "--organisations",
    "-n",
    type=click.IntRange(0, 1_000_000),
    default=300,
    show_default=True,
    help="Synthetic peer organisations to create.",
)
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed.")
def demo(organisations: int, seed: int) -> None:
    """Load the demo organisation, its demo logins and a synthetic peer population.

    All demo data is labelled "(demo)"; running it again keeps what exists.
    """
    _django()
    from diam.web.core.demo import demo_load

    with click.progressbar(
        length=organisations, label="Creating demo organisations", file=sys.stderr
    ) as bar:
        summary = demo_load(organisations=organisations, seed=seed, progress=bar.update)
    verb = "Created" if summary.created else "Demo data already present:"
    click.echo(f"{verb} {summary.organisations} organisations, {summary.assessments} assessments.")
    click.echo(f"Demo logins (password for all: {summary.logins[0][1]}):")
    for email, _, what in summary.logins:
        click.echo(f"  {email:<32} {what}")
    for email, key, codes in summary.second_factors:
        click.echo(
            f"{email} also needs a second factor: add this key to an authenticator app "
            f"(time-based, 6 digits)\n  {key}\nor use one of these single-use recovery "
            "codes:\n  " + " ".join(codes[:5])
        )


@main.command("rescore")
@click.option("--model", "model_id", help="Only assessments of this model id.")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=500, show_default=True)
def rescore(model_id: str | None, batch_size: int) -> None:
    """Recompute stored results (e.g. after a model fix) and report how many changed stage."""
    _django()
    from diam.web.assessments.models import Assessment
    from diam.web.core.maintenance import assessments_rescore

    queryset = Assessment.objects.all()
    if model_id:
        queryset = queryset.filter(model_id=model_id)
    with click.progressbar(length=queryset.count(), label="Rescoring", file=sys.stderr) as bar:
        summary = assessments_rescore(model_id=model_id, batch_size=batch_size, progress=bar.update)
    click.echo(f"Rescored {summary.total} assessments; {summary.changed} changed stage.")


@main.group("reports")
def reports_group() -> None:
    """Stored report files (rendered once per state, kept in $DIAM_DATA_DIR/reports)."""


@reports_group.command("cleanup")
def reports_cleanup() -> None:
    """Remove stored report files no download would serve (run it daily, e.g. from cron)."""
    _django()
    from diam.web.reports.services import report_files_cleanup

    s = report_files_cleanup()
    click.echo(
        f"Removed {s.stale} files of an earlier state or benchmark release, {s.old} old draft "
        f"or unfinished files, {s.failed} failed attempts and {s.orphans} files without a record."
    )


@main.group("benchmarks")
def benchmarks() -> None:
    """Benchmark releases (docs/benchmarks.md)."""


@benchmarks.command("release")
@click.option("--model", "model_id", default=DEFAULT_MODEL_ID, show_default=True)
@click.option(
    "--population",
    type=click.Choice(["real", "demo"]),
    default="real",
    show_default=True,
    help="Verified organisations, or the synthetic demo ones.",
)
@click.option("--if-due", is_flag=True, help="Only when the schedule says one is due (for cron).")
def benchmarks_release(model_id: str, population: str, if_due: bool) -> None:
    """Cut the next benchmark release and print what it published."""
    _django()
    from diam.paths import UnknownModel
    from diam.web.benchmarks.services import benchmark_release_cut, benchmark_release_cut_if_due

    try:
        if if_due:
            release = benchmark_release_cut_if_due(model_id=model_id, population=population)
            if release is None:
                click.echo("No release is due.")
                return
        else:
            release = benchmark_release_cut(model_id=model_id, population=population)
    except UnknownModel as exc:
        fail(str(exc))
    shown = release.groups.filter(shown=True).count()
    click.echo(
        f"Published {release.key} ({release.cut_at:%Y-%m-%d %H:%M}): {release.organisations} "
        f"organisations, {shown} of {release.groups.count()} groups shown, "
        f"{release.held_back} changes held back."
    )


@benchmarks.command("list")
@click.option("--model", "model_id", default=DEFAULT_MODEL_ID, show_default=True)
def benchmarks_list(model_id: str) -> None:
    """The releases of a model, newest first."""
    _django()
    from diam.web.benchmarks.models import BenchmarkRelease

    rows = BenchmarkRelease.objects.filter(series__model_id=model_id).order_by("-cut_at")
    if not rows:
        click.echo("No release yet.")
    for r in rows:
        click.echo(
            f"{r.key:<32} {r.cut_at:%Y-%m-%d %H:%M}  {r.organisations:>7} organisations  "
            f"{r.held_back:>6} held back  {r.get_trigger_display()}"
        )


@main.command("backup")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Archive.")
def backup(output: Path) -> None:
    """Write the database's content and the evidence files to one archive (.tar.gz) with a
    manifest of checksums. Stored report renders are left out (they are rebuilt)."""
    _check_output_path(output)
    _django()
    from diam.web.core.backup import BackupError, backup_write

    try:
        summary = backup_write(output)
    except (BackupError, OSError) as exc:
        fail(f"{output}: {exc}")
    click.echo(
        f"Wrote {output}: {summary.rows} rows, {summary.files} evidence file(s), "
        f"{summary.bytes:,} bytes before compression.",
        err=True,
    )


@main.command("restore")
@click.argument("archive", type=click.Path(path_type=Path))
def restore(archive: Path) -> None:
    """Restore an ARCHIVE written by `diam backup` into an empty, migrated database and data
    directory. Every checksum is verified first; the restore is all or nothing."""
    if not archive.is_file():
        fail(f"{archive}: no such file.")
    _django()
    from diam.web.core.backup import BackupError, restore_read

    try:
        summary = restore_read(archive)
    except BackupError as exc:
        fail(str(exc))
    click.echo(
        f"Restored {archive}: {summary.rows} rows, {summary.files} evidence file(s).", err=True
    )


# --- recognition: signing keys and credential verification --------------------------------


@main.group()
def key() -> None:
    """The programme's Ed25519 key that signs validation credentials (docs/recognition.md)."""


@key.command("create")
@click.option("--if-missing", is_flag=True, help="Do nothing when a key exists (exit 0).")
def key_create_command(if_missing: bool) -> None:
    """Create the signing key in DIAM_CREDENTIAL_KEY_DIR (default: <data dir>/keys)."""
    _django()
    from diam.web.validation import keys

    try:
        kid, created = keys.key_create(if_missing=if_missing)
    except FileExistsError as exc:
        fail(str(exc))
    where = keys.key_dir()
    if created:
        click.echo(f"Created signing key {kid} in {where} (private key readable by you only).")
    else:
        click.echo(f"Signing key {kid} already exists in {where}.")


@key.command("rotate")
@click.option(
    "--compromised",
    is_flag=True,
    help="The old key leaked: revoke it, so credentials it signed stop verifying.",
)
def key_rotate_command(compromised: bool) -> None:
    """Replace the signing key; the old public key stays published (retired or revoked)."""
    _django()
    from diam.web.validation import keys

    try:
        old, new = keys.key_rotate(compromised=compromised)
    except keys.KeyMissing as exc:
        fail(str(exc))
    state = "revoked" if compromised else "retired"
    click.echo(f"New signing key {new}; {old} is {state}.")


@key.command("show")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "pem"]), default="json", show_default=True
)
def key_show_command(fmt: str) -> None:
    """Print the published public keys (the document served at /keys/credentials.json)."""
    _django()
    from cryptography.hazmat.primitives import serialization

    from diam.web.validation import keys

    published = keys.published_keys()
    if not published:
        fail(f"no signing key in {keys.key_dir()}; create one with `diam key create`")
    if fmt == "pem":
        for k in published:
            pem = k.key.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            click.echo(
                f"# {k.id}{' (retired)' if k.retired else ''}{' (REVOKED)' if k.revoked else ''}"
            )
            click.echo(pem.decode().strip())
        return
    click.echo(json.dumps(keys.public_key_document(), indent=2))


@main.command("verify")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--keys",
    "keys_file",
    type=click.Path(path_type=Path),
    help="The programme's published keys (JSON from /keys/credentials.json, or a PEM public "
    "key). Default: this installation's keys.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def verify_command(file: Path, keys_file: Path | None, fmt: str) -> None:
    """Check a validation credential offline: signature, issuer key, validity period.

    Exit 0 when the credential is authentic and current, 1 when it is not (altered, signed by
    an unknown or revoked key, expired), 2 when FILE or the keys cannot be read. Revocation of
    a validation is known only online: see the verification page named in the credential.
    """
    from datetime import UTC

    from diam.credentials import (
        CredentialError,
        keys_from_text,
        parse_credential,
        verify_credential,
    )

    try:
        document = parse_credential(_read_text(file, "credential"))
    except CredentialError as exc:
        fail(f"{file}: {exc}")
    if keys_file is not None:
        try:
            published = keys_from_text(_read_text(keys_file, "key file"))
        except CredentialError as exc:
            fail(f"{keys_file}: {exc}")
    else:
        _django()
        from diam.web.validation import keys

        published = keys.published_keys()
        if not published:
            fail(
                f"no published keys in {keys.key_dir()}; pass --keys with the programme's "
                "key document"
            )
    outcome = verify_credential(document, keys=published, now=datetime.now(UTC))
    if fmt == "json":
        payload = {
            "ok": outcome.ok,
            "status": outcome.status,
            "reason": outcome.reason,
            "key_id": outcome.key_id,
            **outcome.facts,
        }
        click.echo(json.dumps(payload, indent=2))
    else:
        head = "VALID" if outcome.ok else outcome.status.upper().replace("-", " ")
        click.echo(f"{head}: {outcome.reason}.")
        if outcome.signature_valid:
            f = outcome.facts
            click.echo(f"  Organisation: {f['organisation']}")
            click.echo(f"  Stage:        {f['stage']} ({f['achievement']})")
            click.echo(f"  Valid:        {f['valid_from']} to {f['valid_until']}")
            click.echo(f"  Issuer:       {f['issuer']} (key {outcome.key_id})")
            click.echo(f"  Details:      {f['criteria']}")
            click.echo(f"  Revocation is checked online: {f['id']}")
    sys.exit(0 if outcome.ok else 1)


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{path}: no such {what}")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{path}: cannot read the {what}: {exc}")


# --- helpers -----------------------------------------------------------------------------


def _load(model_path: Path | None) -> Model:
    """Load a model version directory, or the latest version under a model root."""
    if model_path is None:
        root = model_dir(DEFAULT_MODEL_ID)
    else:
        versions = version_dirs(model_path)
        root = versions[-1][1] if versions else model_path
    try:
        return load_model(root)
    except ModelError as exc:
        errors = [p for p in exc.problems if p.severity == "error"]
        listing = "\n".join(f"  - {p}" for p in errors[:20])
        more = f"\n  … and {len(errors) - 20} more" if len(errors) > 20 else ""
        fail(
            f"the model at {root} is not valid ({len(errors)} error(s); run "
            f"`diam model check {root}`):\n{listing}{more}"
        )


def _write(output: Path | None, text: str) -> None:
    """Write to a file atomically (never a partial file), or to stdout."""
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomically(output, text.encode("utf-8"))
    click.echo(f"Wrote {output}", err=True)


def write_atomically(output: Path, data: bytes) -> None:
    """Write `data` to `output` whole or not at all.

    The temporary file gets an unpredictable name and is created exclusively (mkstemp), so a
    file or symlink planted beside the output is never written through; an existing output
    that is not a regular file (a device such as /dev/full, a pipe) is refused rather than
    replaced by a file.
    """
    _check_output_path(output)
    try:
        fd, tmp_name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
    except OSError as exc:
        fail(f"{output}: cannot write it ({exc.strerror or exc}).")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644 & ~_umask())
        tmp.replace(output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(f"{output}: cannot write it ({exc.strerror or exc}).")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- report ------------------------------------------------------------------------------

REPORT_FORMATS = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".csv": "csv",
}


@main.command("report")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "html", "docx", "xlsx", "csv"]),
    help="pdf/html/docx: the whole report; xlsx: its tables as a workbook; csv: the "
    "procurement checklist. Default: from the output file's suffix.",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="File.")
@click.option(
    "--target-stage",
    type=int,
    help="Plan toward this stage: 1-4 a core stage, 5-7 core stage 4 plus 1-3 branches "
    "(default: the next stage).",
)
@click.option(
    "--branch-order",
    help="Order in which branches are planned, e.g. ACB (default: least remaining effort).",
)
@click.option(
    "--organisation",
    help="Name on the cover (default: `meta.organisation` in FILE, else FILE's name).",
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(path_type=Path),
    help="Model directory (default: the shipped model named in the file).",
)
def report_command(
    file: Path,
    fmt: str | None,
    output: Path,
    target_stage: int | None,
    branch_order: str | None,
    organisation: str | None,
    model_path: Path | None,
) -> None:
    """Write the gap report, roadmap and procurement checklist for an answers FILE.

    Works offline. `meta` in FILE may give `organisation`, `assessment_date` (YYYY-MM-DD)
    and `status` (draft, self-assessed, submitted, validated).
    """
    from diam.reports import (
        build_report,
        checklist_to_csv,
        render_docx,
        render_html,
        render_pdf,
        render_xlsx,
    )

    if fmt is None:
        fmt = REPORT_FORMATS.get(output.suffix.lower())
        if fmt is None:
            fail(
                f"{output}: cannot tell the format from the suffix; give --format "
                "pdf, html, docx, xlsx or csv."
            )
    _check_output_path(output)
    loaded, sheet = read_answers(file, model_path)
    meta = _answers_meta(file)
    name = organisation or meta.get("organisation") or file.stem
    try:
        report = build_report(
            model=loaded,
            values=sheet.values,
            comments=sheet.comments,
            organisation=name.strip() or file.stem,
            assessment_date=_meta_date(file, meta),
            status=str(meta.get("status") or "self-assessed"),
            target_stage=target_stage,
            branch_order=branch_order,
            context=sheet.context,
        )
    except ValueError as exc:
        fail(f"{exc}.")
    if fmt == "pdf":
        data = render_pdf(report)
    elif fmt == "html":
        data = render_html(report).encode("utf-8")
    elif fmt == "docx":
        data = render_docx(report)
    elif fmt == "xlsx":
        data = render_xlsx(report)
    else:
        data = checklist_to_csv(report.checklist)
    write_atomically(output, data)
    click.echo(
        f"Wrote {output} ({fmt}): stage {report.summary.stage}, "
        f"{len(report.roadmap.steps)} roadmap step(s), "
        f"{len(report.checklist.items)} checklist item(s).",
        err=True,
    )


def _check_output_path(output: Path) -> None:
    """Fail before any work when the output cannot be written where it is asked for."""
    if output.is_dir():
        fail(f"{output}: is a directory; give a file name.")
    if output.exists() and not output.is_file():
        fail(f"{output}: is not a regular file (a device or a pipe); give a file name.")
    if not output.parent.exists():
        fail(f"{output.parent}: no such directory.")
    if not output.parent.is_dir():
        fail(f"{output.parent}: is not a directory.")


def _answers_meta(file: Path) -> dict[str, Any]:
    """The optional `meta` object of an answers file (already validated by read_answers)."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    meta = data.get("meta") if isinstance(data, dict) else None
    if not isinstance(meta, dict):
        return {}
    return {k: v for k, v in meta.items() if isinstance(v, str) and v.strip()}


def _meta_date(file: Path, meta: dict[str, Any]) -> date:
    raw = meta.get("assessment_date")
    if raw is None:
        return datetime.now().astimezone().date()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        fail(f"{file}: meta.assessment_date must be a date like 2025-03-31, got {raw!r}.")


if __name__ == "__main__":  # pragma: no cover
    # `python -m diam.cli` runs this file as __main__; diam.cli_exchange imports its helpers
    # from the real diam.cli module, so run that one (it registers every command).
    from diam.cli import main as _main

    _main()
else:
    # Data in and out (diam.cli_exchange imports helpers from here, so it is registered last).
    from diam.cli_exchange import export, import_, questionnaire, workbook

    for _command in (export, import_, workbook, questionnaire):
        main.add_command(_command)
