from __future__ import annotations

from pathlib import Path

import pytest

from diam.model import Model, load_model

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "core" / "models" / "mini"


@pytest.fixture(scope="session")
def mini_model() -> Model:
    return load_model(MINI)


@pytest.fixture(scope="session")
def radiology_model() -> Model:
    """Radiology 1.0.0: still installed, and what older assessments and tests are pinned to."""
    return load_model(ROOT / "models" / "radiology" / "1.0.0")


@pytest.fixture(scope="session")
def radiology_v2() -> Model:
    """Radiology 2.0.0, the latest version: what new assessments start on."""
    return load_model(ROOT / "models" / "radiology" / "2.0.0")
