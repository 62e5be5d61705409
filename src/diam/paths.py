"""Where the shipped models live; one place so the CLI and the web app agree.

Layout: ``models/<model id>/<version>/`` holds one version of a model (``manifest.yaml``,
``references.yaml``, ``criteria/``, ``examples/``). Several versions of a model are installed
side by side; every assessment stays pinned to the version it was answered against, and new
assessments start on the latest version.
"""

from __future__ import annotations

import os
from pathlib import Path

from diam.model.load import ModelError, load_model, read_migration, version_dirs
from diam.model.migration import Migration
from diam.model.schema import Model

DEFAULT_MODEL_ID = "radiology"


class UnknownModel(LookupError):
    """No installed model has this id, or the model has no such version."""


def models_dir() -> Path:
    """`DIAM_MODELS_DIR`, else the repository's `models/` next to `src/`."""
    configured = os.environ.get("DIAM_MODELS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "models"


def available_model_ids() -> list[str]:
    root = models_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and model_versions(p.name))


def model_versions(model_id: str = DEFAULT_MODEL_ID) -> list[str]:
    """Installed versions of a model, oldest first (SemVer order); empty if none."""
    return [version for version, _ in version_dirs(models_dir() / model_id)]


def latest_version(model_id: str = DEFAULT_MODEL_ID) -> str:
    versions = model_versions(model_id)
    if not versions:
        raise UnknownModel(_unknown_model_message(model_id))
    return versions[-1]


def model_dir(model_id: str = DEFAULT_MODEL_ID, version: str | None = None) -> Path:
    """The directory of one version of a model (the latest when `version` is None)."""
    found = dict(version_dirs(models_dir() / model_id))
    if not found:
        raise UnknownModel(_unknown_model_message(model_id))
    if version is None:
        return found[list(found)[-1]]
    path = found.get(version)
    if path is None:
        raise UnknownModel(
            f"model {model_id!r} has no version {version!r}; installed: {', '.join(found)}"
        )
    return path


def _unknown_model_message(model_id: str) -> str:
    known = ", ".join(available_model_ids()) or "none"
    return f"no installed model {model_id!r} in {models_dir()} (installed: {known})"


_loaded: dict[Path, Model] = {}


def shipped_model(model_id: str = DEFAULT_MODEL_ID, version: str | None = None) -> Model:
    """An installed model version (the latest when `version` is None), loaded once per process.

    Raises `UnknownModel` when the id or version is not installed; scoring never re-parses YAML.
    """
    path = model_dir(model_id, version).resolve()
    model = _loaded.get(path)
    if model is None:
        model = load_model(path)
        _loaded[path] = model
    return model


_migrations: dict[Path, Migration | None] = {}


def shipped_migration(
    model_id: str = DEFAULT_MODEL_ID, version: str | None = None
) -> Migration | None:
    """The migration an installed version declares from its predecessor (None when it has
    none), read once per process. Raises `UnknownModel` for an unknown id or version and
    `ModelError` when the migration file is not valid (`diam model check` names the problem).
    """
    path = model_dir(model_id, version).resolve()
    if path not in _migrations:
        migration, problems = read_migration(path)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise ModelError(errors)
        _migrations[path] = migration
    return _migrations[path]
