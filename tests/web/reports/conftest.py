"""Helpers for the report views: an assessment filled with the shipped stage-3 example."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client

from diam.model.schema import BooleanAnswer, ChoiceAnswer, Criterion, Threshold
from diam.paths import model_dir
from diam.scoring.answers import AnswerSheet, NotApplicable, parse_answer_file
from diam.web.accounts.models import User
from diam.web.assessments.models import Answer, Assessment
from diam.web.assessments.services import answer_save, model_for

EXAMPLE = model_dir() / "examples" / "stage-3-department.json"

PAGE = "/a/{pk}/report/"
DOWNLOADS = (
    "/a/{pk}/report.pdf",
    "/a/{pk}/report.docx",
    "/a/{pk}/report.xlsx",
    "/a/{pk}/checklist.xlsx",
    "/a/{pk}/checklist.csv",
)
ALL_URLS = (PAGE, *DOWNLOADS)


def example_sheet(assessment: Assessment) -> AnswerSheet:
    return parse_answer_file(model_for(assessment), json.loads(EXAMPLE.read_text("utf-8")))


def bulk_fill(assessment: Assessment, user: User) -> AnswerSheet:
    """The example's answers and comments as Answer rows in one insert (fast; no history)."""
    sheet = example_sheet(assessment)
    rows = []
    for cid, value in sheet.values.items():
        extra: dict[str, Any] = {"na": False, "value": value}
        if isinstance(value, NotApplicable):
            extra = {"na": True, "value": None, "justification": value.justification}
        rows.append(
            Answer(
                assessment=assessment,
                criterion_id=cid,
                comment=sheet.comments.get(cid, ""),
                version=1,
                updated_by=user,
                **extra,
            )
        )
    Answer.objects.bulk_create(rows)
    return sheet


def survey_fill(assessment: Assessment, user: User) -> AnswerSheet:
    """The example answered through `services.answer_save`, as the survey saves each answer."""
    sheet = example_sheet(assessment)
    for cid, value in sheet.values.items():
        na = isinstance(value, NotApplicable)
        answer_save(
            assessment=assessment,
            criterion_id=cid,
            value=None if na else value,
            na=na,
            justification=value.justification if na else "",
            comment=sheet.comments.get(cid, ""),
            expected_version=0,
            user=user,
        )
    return sheet


def met_value(criterion: Criterion) -> Any:
    """A value that meets the criterion's rule."""
    answer = criterion.answer
    if isinstance(answer, BooleanAnswer):
        return True
    if isinstance(answer, ChoiceAnswer):
        return next(o.id for o in answer.options if o.meets)
    rule = criterion.met_when
    assert isinstance(rule, Threshold)
    step = 1 if rule.exclusive else 0  # "more than 50 %": the bound itself does not meet
    if rule.min is not None:
        return rule.min + step
    assert rule.max is not None
    return rule.max - step


def fill_all_met(assessment: Assessment, user: User) -> None:
    """Every criterion met: stage 7, the top of the model."""
    Answer.objects.bulk_create(
        Answer(assessment=assessment, criterion_id=c.id, value=met_value(c), updated_by=user)
        for c in model_for(assessment).criteria
    )


@pytest.fixture
def filled(assessment: Assessment, alice: User) -> Assessment:
    bulk_fill(assessment, alice)
    return assessment


def run_worker() -> None:
    """Run every queued background task, as `manage.py db_worker --batch` does, then return.

    The worker closes "old" connections between tasks, as Django does between requests; inside
    a test's transaction that would close the test's own connection (PostgreSQL).
    """
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)


def download(client: Client, url: str) -> HttpResponse:
    """A download as a person gets it: the "being prepared" page while the worker renders a
    slow file, then the stored file. Returns the file response, its bytes read into `.body`."""
    response = client.get(url)
    if response.status_code == 202:
        run_worker()
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    response.body = response.getvalue()  # type: ignore[attr-defined]  # a stream reads once
    return response
