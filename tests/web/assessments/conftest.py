"""Helpers for the survey and results tests: private evidence storage and filled assessments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from diam.paths import model_dir
from diam.scoring.answers import NotApplicable, parse_answer_file
from diam.web.accounts.models import User
from diam.web.assessments.models import Assessment
from diam.web.assessments.services import answer_save, model_for

EXAMPLE = model_dir() / "examples" / "stage-3-department.json"


@pytest.fixture(autouse=True)
def private_media(settings: Any, tmp_path: Path) -> Path:
    """Evidence files go to a temporary directory, never into the repository's data/."""
    settings.MEDIA_ROOT = tmp_path / "evidence"
    return settings.MEDIA_ROOT


def answer(assessment: Assessment, user: User, criterion_id: str, value: Any, **extra: Any):
    current = assessment.answers.filter(criterion_id=criterion_id).first()
    return answer_save(
        assessment=assessment,
        criterion_id=criterion_id,
        value=value,
        expected_version=current.version if current else 0,
        user=user,
        **extra,
    )


def example_values(assessment: Assessment) -> dict[str, Any]:
    """The shipped stage-3 example, parsed by the core (values only)."""
    sheet = parse_answer_file(model_for(assessment), json.loads(EXAMPLE.read_text("utf-8")))
    return dict(sheet.values)


def fill_example(assessment: Assessment, user: User) -> dict[str, Any]:
    values = example_values(assessment)
    for cid, value in values.items():
        if isinstance(value, NotApplicable):
            answer(assessment, user, cid, None, na=True, justification=value.justification)
        else:
            answer(assessment, user, cid, value)
    return values


def section_url(assessment: Assessment, code: str) -> str:
    return f"/a/{assessment.pk}/s/{code}/"


def answer_url(assessment: Assessment, cid: str) -> str:
    return f"/a/{assessment.pk}/answer/{cid}/"
