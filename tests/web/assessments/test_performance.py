"""The autosave endpoint is hot: a handful of queries, whatever the number of answers."""

from __future__ import annotations

from tests.web.assessments.conftest import answer_url, fill_example

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_autosave_uses_a_bounded_number_of_queries(
    alice_client, alice, assessment, django_assert_max_num_queries
) -> None:
    fill_example(assessment, alice)  # many answers: the bound must not grow with them
    current = assessment.answers.get(criterion_id="SI-01").version
    # session, user, assessment, membership, answer values, lock, answer, update, change
    # record: 9, plus the two savepoints of the test transaction. No history, no evidence.
    with django_assert_max_num_queries(11):
        response = alice_client.post(
            answer_url(assessment, "SI-01"), {"value": "98", "version": str(current)}, **HTMX
        )
    assert response.status_code == 200
    with django_assert_max_num_queries(14):  # first answer: get_or_create inserts the row
        response = alice_client.post(
            answer_url(assessment, "CD-08"), {"value": "yes", "version": "0"}, **HTMX
        )
    assert response.status_code == 200
