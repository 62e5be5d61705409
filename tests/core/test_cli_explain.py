"""`diam score` explains the stage and every blocker, for the country and service profile the
answers file gives."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from diam.cli import main
from tests.conftest import ROOT

EXAMPLE = ROOT / "models" / "radiology" / "2.0.0" / "examples" / "stage-3-department.json"


def test_the_text_output_says_why_and_explains_each_blocker() -> None:
    result = CliRunner().invoke(main, ["score", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Stage 3: Secure workflow and quality management")
    assert "Stage 3: stages 1 to 3 are reached; stage 4 is not: nearest misses PU-05" in out
    assert "Country: DE; service profile: 10 of 10 services stated" in out
    assert (
        "PU-05 Most service areas in the enterprise archive: not met: needs > 50 %; answered "
        "20 % (30 points short)" in out
    )


def test_json_output_carries_explanations_and_the_out_of_scope_reason(tmp_path: Path) -> None:
    doc = json.loads(EXAMPLE.read_text())
    doc["meta"]["country"] = "KR"
    path = tmp_path / "kr.json"
    path.write_text(json.dumps(doc))
    result = CliRunner().invoke(main, ["score", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["why"].startswith("Stage 3: stages 1 to 3 are reached")
    qs01 = data["criteria"]["QS-01"]
    assert qs01["status"] == "not_applicable" and qs01["out_of_scope"] == "jurisdiction"
    assert qs01["explanation"] == ("not applicable in KR (applies in European Union member states)")
    assert data["criteria"]["SI-01"]["explanation"] == "met at ≥ 95 %; answered 97 %"
    assert data["criteria"]["CD-04"]["gating"] is False


def test_a_bad_country_or_service_is_a_user_error(tmp_path: Path) -> None:
    doc = json.loads(EXAMPLE.read_text())
    doc["meta"]["country"] = "Korea"
    doc["services"]["dental"] = True
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    result = CliRunner().invoke(main, ["score", str(path)])
    assert result.exit_code == 2
    assert "meta.country must be a two-letter ISO 3166-1 code" in result.output
    assert "services.dental: unknown service" in result.output
