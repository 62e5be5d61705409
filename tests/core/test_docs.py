"""Docs that are generated or promised stay true."""

from __future__ import annotations

from diam.docs import generated_docs
from tests.conftest import ROOT


def test_generated_docs_are_up_to_date() -> None:
    for path, expected in generated_docs().items():
        assert path.exists(), f"{path} is missing: run `make docs`"
        assert path.read_text(encoding="utf-8") == expected, f"{path} is stale: run `make docs`"


def test_model_doc_has_a_section_per_focus_area_and_every_criterion(radiology_v2) -> None:
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    for fa in radiology_v2.manifest.focus_areas:
        assert f"## {fa.code}\n" in text
    for c in radiology_v2.criteria:
        assert f"#### {c.id} · " in text


def test_readme_gives_exactly_the_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    assert "not an official DIAM" in readme or "not official DIAM" in readme
