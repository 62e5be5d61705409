"""The survey: autosave, plain-POST saving, refused inputs, conflicts, skip logic, read-only."""

from __future__ import annotations

import re

import pytest

from diam.web.assessments.models import Answer, AnswerChange
from diam.web.assessments.services import assessment_submit
from tests.web.assessments.conftest import answer, answer_url, section_url
from tests.web.factories import make_assessment

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def v1(org, alice):
    """A draft on radiology 1.0.0, for its facts: QS-09's AI choice controlling QS-07 and
    AA-07 (skip logic), PM-08's N/A; 2.0.0 asks these through the service profile."""
    return make_assessment(org, alice, version="1.0.0")


def stored(assessment, cid):
    return Answer.objects.filter(assessment=assessment, criterion_id=cid).first()


def test_the_assessment_url_opens_the_first_focus_area(alice_client, bob, v1) -> None:
    response = alice_client.get(f"/a/{v1.pk}/")
    assert response.status_code == 302
    assert response["Location"] == section_url(v1, "SI")


def test_a_section_page_shows_each_criterion_with_its_widget(alice_client, v1) -> None:
    assessment = v1
    page = alice_client.get(section_url(assessment, "QS")).content.decode()
    # Criterion id, statement, guidance and a form posting to the answer URL with a version.
    assert 'id="q-QS-09"' in page
    assert f'action="/a/{assessment.pk}/answer/QS-09/"' in page
    assert 'name="version" id="q-QS-09-version" value="0"' in page
    # Choice: radios with the option labels in the model's order, inside a fieldset + legend.
    labels = re.findall(r'id="q-QS-09-o-[^"]+"> ([^<]+)</label>', page)
    assert labels == [
        "AI tools may be in use but no register exists",
        "No AI tool in clinical use (confirmed)",
        "AI tools in clinical use and all listed in the register",
    ]
    assert "<legend>Answer to QS-09</legend>" in page
    # References are expandable with titles and URLs; history is there too.
    assert "References (" in page and 'href="https://' in page
    assert 'id="q-QS-09-history"' in page
    # Overall progress and the sidebar of every focus area.
    assert "0 of 80 answered" in page
    assert page.count('class="fa-progress"') == 10


def test_number_and_na_widgets_show_units_and_the_na_condition(alice_client, v1) -> None:
    page = alice_client.get(section_url(v1, "PM")).content.decode()
    assert 'name="na"' in page and 'id="q-PM-08-justification"' in page
    assert "Allowed only when: Only if the organisation offers no radionuclide therapy." in page
    # Only PM-08 allows N/A in the shipped model.
    assert page.count('name="na"') == 1
    # Evidence upload shows the accepted types and the size limit from settings.
    assert 'enctype="multipart/form-data"' in page and "at most 10.0\xa0MB" in page


def test_autosave_with_htmx_returns_the_saved_fragment(alice_client, assessment) -> None:
    response = alice_client.post(
        answer_url(assessment, "SI-01"), {"value": "97", "version": "0"}, **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Saved at" in body and "by Alice Admin" in body
    assert 'id="q-SI-01-version" value="1" hx-swap-oob="true"' in body
    assert "Answered: 97 %" in body
    assert "met at ≥ 95 %" in body  # the pass mark beside the answer
    assert "1 of 101 answered" in body  # overall progress updated out of band
    assert stored(assessment, "SI-01").value == 97
    assert "HX-Refresh" not in response


def test_a_plain_post_saves_and_redirects_back_to_the_question(bob_client, assessment) -> None:
    response = bob_client.post(
        answer_url(assessment, "SI-03"), {"value": "yes", "version": "0", "comment": "Since 2019"}
    )
    assert response.status_code == 302
    assert response["Location"] == section_url(assessment, "SI") + "#q-SI-03"
    saved = stored(assessment, "SI-03")
    assert saved.value is True and saved.comment == "Since 2019"
    page = bob_client.get(response["Location"]).content.decode()
    assert "SI-03 saved." in page
    assert 'id="q-SI-03-yes" checked' in page
    assert "Since 2019</textarea>" in page
    assert "Last saved" in page and "by Bob Contributor" in page


def test_decimal_commas_are_numbers_and_empty_clears(alice_client, assessment) -> None:
    alice_client.post(answer_url(assessment, "SI-01"), {"value": "99,5", "version": "0"})
    assert stored(assessment, "SI-01").value == 99.5
    alice_client.post(answer_url(assessment, "SI-01"), {"value": "", "version": "1"})
    assert stored(assessment, "SI-01").value is None
    assert stored(assessment, "SI-01").version == 2


def test_clear_answer_button_clears_value_and_redraws_the_question(
    alice_client, assessment
) -> None:
    alice_client.post(answer_url(assessment, "SI-03"), {"value": "yes", "version": "0"})
    response = alice_client.post(
        answer_url(assessment, "SI-03"), {"value": "yes", "version": "1", "clear": "1"}, **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#q-SI-03" and response["HX-Reswap"] == "outerHTML"
    assert 'id="q-SI-03-yes" checked' not in response.content.decode()
    assert stored(assessment, "SI-03").value is None


def test_saving_the_same_answer_again_writes_nothing_and_says_so(alice_client, assessment) -> None:
    alice_client.post(answer_url(assessment, "SI-03"), {"value": "yes", "version": "0"})
    response = alice_client.post(
        answer_url(assessment, "SI-03"), {"value": "yes", "version": "1"}, **HTMX
    )
    assert "Saved; nothing had changed" in response.content.decode()
    # The whole question redrawn ("replace") still says who saved it last, and when.
    redrawn = alice_client.post(
        answer_url(assessment, "SI-03"), {"value": "yes", "version": "1", "replace": "1"}, **HTMX
    ).content.decode()
    assert "Last saved" in redrawn and "by Alice Admin" in redrawn
    assert 'id="q-SI-03-version" value="1"' in redrawn
    assert stored(assessment, "SI-03").version == 1
    assert AnswerChange.objects.filter(answer__assessment=assessment).count() == 1


def test_history_lists_every_change_with_who_and_old_to_new(alice_client, bob, assessment) -> None:
    first = answer(assessment, bob, "SI-03", False)
    alice_client.post(
        answer_url(assessment, "SI-03"),
        {"value": "yes", "version": str(first.version), "comment": "Checked again"},
    )
    page = alice_client.get(section_url(assessment, "SI")).content.decode()
    history = page[page.index('id="q-SI-03-history"') :]
    history = history[: history.index("</details>")]
    assert history.count("<tr><td>") == 2
    assert "Alice Admin" in history and "No → Yes" in history and "Checked again" in history
    assert "Bob Contributor" in history and "Unanswered → No" in history
    # With htmx the list reloads when opened; without, it has a page of its own.
    url = f"/a/{assessment.pk}/history/SI-03/"
    assert f'hx-get="{url}" hx-trigger="toggle"' in history
    fragment = alice_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "No → Yes" in fragment and "Unanswered → No" in fragment
    own_page = alice_client.get(url).content.decode()
    assert "History of SI-03" in own_page and "Current answer: <strong>Yes</strong>" in own_page


BAD_INPUTS = [
    pytest.param("SI-01", {"value": "141"}, "between 0 and 100", "value", id="percent-141"),
    pytest.param("SI-01", {"value": "abc"}, "expected a number", "value", id="percent-abc"),
    pytest.param("SI-04", {"value": "weekly"}, "expected one of", "value", id="unknown-option"),
    pytest.param("SI-03", {"value": "maybe"}, "expected yes/no", "value", id="boolean-maybe"),
    pytest.param(
        "SI-01",
        {"na": "on", "justification": "No PACS"},
        "not allowed",
        "form",
        id="na-not-allowed",
    ),
    pytest.param(
        "WS-06",
        {"na": "on", "justification": "  "},
        "needs a justification",
        "justification",
        id="na-without-justification",
    ),
]


@pytest.mark.parametrize(("cid", "data", "message", "field"), BAD_INPUTS)
def test_bad_input_with_htmx_is_refused_inline_with_422(
    alice_client, assessment, cid, data, message, field
) -> None:
    response = alice_client.post(answer_url(assessment, cid), {**data, "version": "0"}, **HTMX)
    assert response.status_code == 422
    body = response.content.decode()
    container = re.search(
        rf'<div id="q-{cid}-err-{field}" hx-swap-oob="innerHTML">(.*?)</div>', body, re.S
    )
    assert container and message.lower() in container.group(1).lower()
    assert "Not saved" in body
    assert stored(assessment, cid) is None
    assert not AnswerChange.objects.exists()


@pytest.mark.parametrize(("cid", "data", "message", "field"), BAD_INPUTS)
def test_bad_input_without_js_rerenders_the_page_with_the_entered_value(
    alice_client, assessment, cid, data, message, field
) -> None:
    response = alice_client.post(answer_url(assessment, cid), {**data, "version": "0"})
    assert response.status_code == 422  # the page again, and the status says nothing was saved
    page = response.content.decode()
    container = re.search(rf'<div id="q-{cid}-err-{field}"[^>]*>(.*?)</div>', page, re.S)
    assert container and message.lower() in container.group(1).lower()
    if data.get("value") and cid == "SI-01":
        assert f'id="q-SI-01-value" value="{data["value"]}"' in page  # preserved as typed
    if field in ("value", "justification"):
        assert page.count(" autofocus") == 1  # the browser takes the user to the field
    assert stored(assessment, cid) is None


def test_na_with_a_justification_is_saved(alice_client, assessment) -> None:
    response = alice_client.post(
        answer_url(assessment, "WS-06"),
        {"na": "on", "justification": "All interfaces stay in one segment", "version": "0"},
        **HTMX,
    )
    assert response.status_code == 200
    saved = stored(assessment, "WS-06")
    assert saved.na and saved.justification == "All interfaces stay in one segment"
    assert "Answered: N/A (All interfaces stay in one segment)" in response.content.decode()


def test_a_stale_save_is_refused_showing_the_current_value_and_who_set_it(
    alice_client, bob_client, assessment
) -> None:
    # Both open the page at version 0; Alice saves first, then Bob's save is stale.
    assert alice_client.post(answer_url(assessment, "SI-03"), {"value": "yes", "version": "0"})
    response = bob_client.post(
        answer_url(assessment, "SI-03"), {"value": "no", "version": "0"}, **HTMX
    )
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#q-SI-03"
    body = response.content.decode()
    assert "Your change was not saved" in body
    assert "Alice Admin changed this answer" in body and "“Yes”" in body
    # The form now shows the current answer at the current version, and offers Bob's.
    assert 'id="q-SI-03-yes" checked' in body
    assert 'id="q-SI-03-version" value="1"' in body
    assert "Replace it with my answer (“No”)" in body
    assert stored(assessment, "SI-03").value is True

    # Without JavaScript the same refusal comes as the whole page.
    page = bob_client.post(answer_url(assessment, "SI-03"), {"value": "no", "version": "0"})
    assert page.status_code == 409
    assert "Alice Admin changed this answer" in page.content.decode()

    # Choosing "replace with my answer" posts the current version and does overwrite.
    replaced = bob_client.post(
        answer_url(assessment, "SI-03"), {"value": "no", "version": "1", "replace": "1"}, **HTMX
    )
    assert replaced.status_code == 200
    assert stored(assessment, "SI-03").value is False


def test_skip_logic_hides_dependent_criteria_and_progress_counts_drop(alice_client, v1) -> None:
    assessment = v1
    before = alice_client.get(section_url(assessment, "QS")).content.decode()
    assert 'id="progress-QS"' in before
    qs_before = re.search(r'id="progress-QS">.*?(\d+)/(\d+)', before, re.S).groups()
    aa_before = re.search(r'id="progress-AA">.*?(\d+)/(\d+)', before, re.S).groups()
    assert 'id="q-QS-07-value"' in before or 'name="value" value="yes" id="q-QS-07-yes"' in before

    response = alice_client.post(
        answer_url(assessment, "QS-09"), {"value": "none", "version": "0"}, **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"  # visibility changed: reload the page

    after = alice_client.get(section_url(assessment, "QS")).content.decode()
    assert 'id="q-QS-07-yes"' not in after
    assert "Not asked because QS-09 is answered “No AI tool in clinical use (confirmed)”" in after
    qs_after = re.search(r'id="progress-QS">.*?(\d+)/(\d+)', after, re.S).groups()
    aa_after = re.search(r'id="progress-AA">.*?(\d+)/(\d+)', after, re.S).groups()
    assert int(qs_after[1]) == int(qs_before[1]) - 1
    assert int(aa_after[1]) == int(aa_before[1]) - 1
    assert qs_after[0] == "1"
    assert "1 of 78 answered" in after
    aa_page = alice_client.get(section_url(assessment, "AA")).content.decode()
    assert 'id="q-AA-07-yes"' not in aa_page and "Not asked because QS-09" in aa_page

    # Saving the controller again without a visibility change does not force a reload.
    same = alice_client.post(
        answer_url(assessment, "QS-09"), {"value": "none", "version": "1", "comment": "x"}, **HTMX
    )
    assert "HX-Refresh" not in same


def test_viewers_see_answers_without_forms_and_cannot_post(vic_client, alice, assessment) -> None:
    answer(assessment, alice, "SI-03", True)
    page = vic_client.get(section_url(assessment, "SI")).content.decode()
    assert '<form method="post" action="/a/' not in page
    assert 'name="value"' not in page and 'type="file"' not in page
    assert "You are a viewer" in page
    assert "<dd>Yes</dd>" in page
    response = vic_client.post(answer_url(assessment, "SI-03"), {"value": "no", "version": "1"})
    assert response.status_code == 403
    assert stored(assessment, "SI-03").value is True


def test_a_submitted_assessment_is_read_only_and_refuses_saves(
    alice_client, bob_client, alice, assessment
) -> None:
    answer(assessment, alice, "SI-03", True)
    assessment_submit(assessment=assessment, user=alice)
    page = bob_client.get(section_url(assessment, "SI")).content.decode()
    assert "Read-only." in page
    assert 'name="value"' not in page and 'type="file"' not in page
    response = bob_client.post(answer_url(assessment, "SI-03"), {"value": "no", "version": "1"})
    assert response.status_code == 302
    followed = bob_client.get(response["Location"]).content.decode()
    assert "answers can no" in followed and "longer change" in followed
    htmx = alice_client.post(
        answer_url(assessment, "SI-03"), {"value": "no", "version": "1"}, **HTMX
    )
    assert htmx.status_code == 409 and htmx["HX-Refresh"] == "true"
    assert stored(assessment, "SI-03").value is True


def test_unknown_section_and_criterion_are_404(alice_client, assessment) -> None:
    assert alice_client.get(section_url(assessment, "XX")).status_code == 404
    response = alice_client.post(answer_url(assessment, "XX-99"), {"value": "1", "version": "0"})
    assert response.status_code == 404
