"""Schemathesis against the API in-process: more than 1,000 generated requests (valid ones with
real ids, valid ones with random ids, and invalid ones), none may answer 5xx or break the
OpenAPI document (schema, status codes, content types, headers)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance

from diam.web.accounts.models import Organisation, User
from diam.web.assessments.models import Assessment
from diam.web.assessments.services import answer_save, assessment_submit
from diam.web.wsgi import application
from tests.web.api.conftest import token_for
from tests.web.factories import make_assessment
from tests.web.validation.conftest import fill_all_met

MIN_REQUESTS = 1_000
# Input whose meaning is checked beyond what JSON Schema can say: an answer's type depends on
# its criterion, a file must name an installed model, a report's target must lie above the
# current stage and its branch order name each branch once, a new assessment's services must be
# ones its model version asks about, a validation's contact e-mail must be an address Django's
# EmailField accepts (JSON Schema's "email" format is looser). A schema-valid request may
# rightly be refused there with 422 saying why, so "schema-valid data is accepted" is not asked
# of these operations; every other check still runs on them.
SEMANTIC = {
    ("POST", "/api/assessments/{assessment_id}/validation"),
    ("POST", "/api/organisations/{organisation_id}/assessments"),
    ("PATCH", "/api/assessments/{assessment_id}/answers"),
    ("POST", "/api/organisations/{organisation_id}/imports"),
    ("GET", "/api/assessments/{assessment_id}/report"),
    ("GET", "/api/assessments/{assessment_id}/report.pdf"),
    ("GET", "/api/assessments/{assessment_id}/report.docx"),
    ("GET", "/api/assessments/{assessment_id}/report.xlsx"),
}
# Rendering a PDF or Word file takes a good part of a second: fewer examples there.
EXPENSIVE = {
    "/api/assessments/{assessment_id}/report.pdf",
    "/api/assessments/{assessment_id}/report.docx",
}
EXAMPLES = 25  # per operation and pass; 3 passes over every operation
# A validation can only be requested or withdrawn for a submitted assessment: these operations
# get one (the draft would make every valid request a 409 and never reach the service).
ON_SUBMITTED = {
    "/api/assessments/{assessment_id}/validation",
    "/api/assessments/{assessment_id}/validation/withdraw",
}


@contextmanager
def keep_db_connection() -> Iterator[None]:
    """The real WSGI handler closes the connection after each request, which ends the test's
    transaction on PostgreSQL; Django's test client disconnects these signals the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@override_settings(DIAM_API_RATE_PER_MINUTE=1_000_000, DIAM_API_PUBLIC_RATE_PER_MINUTE=1_000_000)
def test_fuzzing_the_api_finds_no_server_error_and_nothing_off_schema(
    alice: User, org: Organisation, assessment: Assessment, carol: User
) -> None:
    answer_save(
        assessment=assessment, criterion_id="SI-01", value=50, expected_version=None, user=alice
    )
    submitted = make_assessment(org, alice)
    fill_all_met(submitted, alice)
    assessment_submit(assessment=submitted, user=alice)
    secret = token_for(alice, org)
    headers = {"Authorization": f"Bearer {secret}"}
    with keep_db_connection():
        schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
        calls = 0
        failures: list[str] = []
        for result in schema.get_all_operations():
            operation = result.ok()
            excluded = (
                [positive_data_acceptance]
                if (operation.method.upper(), operation.path) in SEMANTIC
                else []
            )
            real_ids = {
                "assessment_id": submitted.pk if operation.path in ON_SUBMITTED else assessment.pk,
                "organisation_id": org.pk,
            }
            params = {
                name: value for name, value in real_ids.items() if f"{{{name}}}" in operation.path
            }
            passes: list[tuple[GenerationMode, dict[str, Any] | None]] = [
                (GenerationMode.POSITIVE, params or None),
                (GenerationMode.POSITIVE, None),
                (GenerationMode.NEGATIVE, None),
            ]
            for mode, path_parameters in passes:
                strategy = operation.as_strategy(
                    generation_mode=mode, headers=headers, path_parameters=path_parameters
                )

                @settings(
                    max_examples=3 if operation.path in EXPENSIVE else EXAMPLES,
                    deadline=None,
                    derandomize=True,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=strategy)
                def run(case: Any) -> None:
                    nonlocal calls
                    calls += 1
                    try:
                        # run() is called in this same iteration, so `excluded` is current.
                        case.call_and_validate(excluded_checks=excluded)  # noqa: B023
                    except (AssertionError, FailureGroup) as exc:  # collect: see every problem
                        failures.append(f"{case.method} {case.formatted_path}: {exc}"[:1500])

                try:
                    run()
                except Unsatisfiable:
                    # Nothing to make invalid (no parameters and no body): no negative cases.
                    assert mode is GenerationMode.NEGATIVE
    assert not failures, "\n\n".join(failures[:10])
    assert calls >= MIN_REQUESTS, calls
    print(f"{calls} generated requests")  # noqa: T201 - shown with -s
