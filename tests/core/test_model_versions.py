"""Several versions of a model installed side by side (models/<id>/<version>/)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from diam.cli import main
from diam.model import check_model_tree
from diam.paths import UnknownModel, latest_version, model_dir, model_versions, shipped_model

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "core" / "models" / "mini"


def _install(tmp_path: Path, *versions: str) -> Path:
    """A models directory with the mini model installed at each of `versions`."""
    models = tmp_path / "models"
    for version in versions:
        target = models / "mini" / version
        shutil.copytree(MINI, target)
        manifest = target / "manifest.yaml"
        text = manifest.read_text()
        current = next(line for line in text.splitlines() if line.startswith("version:"))
        manifest.write_text(text.replace(current, f"version: {version}", 1))
    return models


def test_versions_are_listed_in_semver_order_and_the_latest_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = _install(tmp_path, "1.10.0", "1.2.0", "2.0.0")
    monkeypatch.setenv("DIAM_MODELS_DIR", str(models))
    assert model_versions("mini") == ["1.2.0", "1.10.0", "2.0.0"]
    assert latest_version("mini") == "2.0.0"
    assert shipped_model("mini").version == "2.0.0"
    assert shipped_model("mini", "1.10.0").version == "1.10.0"
    assert model_dir("mini", "1.2.0") == models / "mini" / "1.2.0"


def test_an_unknown_version_or_model_names_what_is_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIAM_MODELS_DIR", str(_install(tmp_path, "1.0.0")))
    with pytest.raises(UnknownModel, match=r"no version '9\.9\.9'; installed: 1\.0\.0"):
        shipped_model("mini", "9.9.9")
    with pytest.raises(UnknownModel, match="no installed model 'nope'"):
        shipped_model("nope")


def test_a_version_directory_must_carry_its_manifest_version(tmp_path: Path) -> None:
    models = _install(tmp_path, "1.0.0")
    (models / "mini" / "1.0.0").rename(models / "mini" / "1.1.0")
    loaded, problems = check_model_tree(models / "mini")
    assert loaded == []
    assert any("directory 1.1.0/ holds version 1.0.0" in p.message for p in problems)


def test_model_check_checks_every_installed_version(tmp_path: Path) -> None:
    models = _install(tmp_path, "1.0.0", "1.1.0")
    result = CliRunner().invoke(main, ["model", "check", str(models / "mini")])
    assert result.exit_code == 0, result.output
    assert "model mini 1.0.0 is valid" in result.output
    assert "model mini 1.1.0 is valid" in result.output


def test_the_shipped_model_check_covers_every_version() -> None:
    loaded, problems = check_model_tree(ROOT / "models" / "radiology")
    assert [p for p in problems if p.severity == "error"] == []
    assert [m.version for m in loaded] == model_versions("radiology")
    assert "1.0.0" in model_versions("radiology")


def test_score_reads_the_version_an_answers_file_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIAM_MODELS_DIR", str(_install(tmp_path, "1.0.0", "1.1.0")))
    answers = tmp_path / "a.json"
    for version, expected in (("1.0.0", "1.0.0"), (None, "1.1.0")):
        doc = {"model": "mini", "answers": {}}
        if version:
            doc["model_version"] = version
        answers.write_text(json.dumps(doc))
        result = CliRunner().invoke(main, ["score", str(answers), "--format", "json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["model_version"] == expected
    answers.write_text(json.dumps({"model": "mini", "model_version": "7.0.0", "answers": {}}))
    result = CliRunner().invoke(main, ["score", str(answers)])
    assert result.exit_code == 2
    assert "no version '7.0.0'; installed: 1.0.0, 1.1.0" in result.output
