"""Where the shipped models live; one place so the CLI and the web app agree."""

from __future__ import annotations

import os
from pathlib import Path

from diam.model.load import load_model
from diam.model.schema import Model

DEFAULT_MODEL_ID = "radiology"


def models_dir() -> Path:
    """`DIAM_MODELS_DIR`, else the repository's `models/` next to `src/`."""
    configured = os.environ.get("DIAM_MODELS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "models"


def model_dir(model_id: str = DEFAULT_MODEL_ID) -> Path:
    return models_dir() / model_id


def available_model_ids() -> list[str]:
    root = models_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "manifest.yaml").is_file())


_loaded: dict[Path, Model] = {}


def shipped_model(model_id: str = DEFAULT_MODEL_ID) -> Model:
    """The shipped model with this id, loaded once per process (scoring never re-parses YAML)."""
    path = model_dir(model_id).resolve()
    model = _loaded.get(path)
    if model is None:
        model = load_model(path)
        _loaded[path] = model
    return model
