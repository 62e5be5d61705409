"""The autosave endpoint is hot: a fixed number of queries, whatever the number of answers."""

from __future__ import annotations

from django.db import connection

from tests.web.assessments.conftest import answer_url, fill_example

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_autosave_uses_a_fixed_number_of_queries(
    alice_client, alice, assessment, django_assert_num_queries
) -> None:
    fill_example(assessment, alice)  # many answers: the count must not grow with them
    current = assessment.answers.get(criterion_id="SI-01").version
    # session, user; then in one transaction: the assessment with its organisation and the
    # membership, read under the assessment's row lock (one query), every answer's values (the
    # saved one included), update, change record, audit event. 7, plus the savepoint and its
    # release that stand in for BEGIN/COMMIT inside the test's transaction. SQLite has no row
    # locks: there the access read comes before the save's transaction, which reads the
    # assessment again under its database lock (one more). No history, no evidence, no
    # separate progress read.
    queries = 9 if connection.features.has_select_for_update else 10
    with django_assert_num_queries(queries):
        response = alice_client.post(
            answer_url(assessment, "SI-01"), {"value": "98", "version": str(current)}, **HTMX
        )
    assert response.status_code == 200
    # A first answer is the same count: one INSERT with its values (no get_or_create). PM-08 is
    # the one criterion the example leaves out (its service profile says no radionuclide therapy).
    with django_assert_num_queries(queries):
        response = alice_client.post(
            answer_url(assessment, "PM-08"), {"value": "yes", "version": "0"}, **HTMX
        )
    assert response.status_code == 200
    assert "Saved at" in response.content.decode()


def test_a_survey_section_reads_the_answers_once_whatever_their_number(
    alice_client, alice, assessment, django_assert_max_num_queries
) -> None:
    fill_example(assessment, alice)
    # session, user, the assessment with its organisation and membership; every answer's values
    # (progress, skip logic and the carried answers to confirm, in one read), the assignments,
    # the section's answers with their authors, their evidence, their changes.
    with django_assert_max_num_queries(8):
        response = alice_client.get(f"/a/{assessment.pk}/s/PU/")
    assert response.status_code == 200
    assert 'id="q-PU-01"' in response.content.decode()
