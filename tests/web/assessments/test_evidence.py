"""Evidence: size and type checked before anything is stored; downloads and removals through
access checks; a removal is recorded and its file deleted only once it is committed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from diam.web.assessments.models import AssessmentEvent, EventKind, Evidence
from diam.web.assessments.services import assessment_submit, evidence_add, evidence_remove
from tests.web.factories import make_assessment

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
HTMX = {"HTTP_HX_REQUEST": "true"}


def upload_url(assessment, cid: str = "SI-01") -> str:
    return f"/a/{assessment.pk}/evidence/{cid}/"


def pdf(name: str = "pacs-audit.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_an_oversized_upload_is_refused_inline_and_nothing_is_stored(
    settings, alice_client, assessment, private_media
) -> None:
    settings.EVIDENCE_MAX_BYTES = 1000
    big = pdf(content=PDF + b"x" * 2000)
    response = alice_client.post(upload_url(assessment), {"file": big}, **HTMX)
    assert response.status_code == 422
    body = response.content.decode()
    assert "over the 1000 bytes limit; nothing was saved" in body
    assert 'id="q-SI-01-evidence"' in body  # the evidence block, swapped in place
    assert not Evidence.objects.exists()
    assert not private_media.exists() or not any(private_media.rglob("*"))

    # Without JavaScript: the section page again, the message next to the upload field.
    page = alice_client.post(upload_url(assessment), {"file": pdf(content=PDF + b"x" * 2000)})
    assert page.status_code == 200
    assert "over the 1000 bytes limit" in page.content.decode()
    assert not Evidence.objects.exists()


def test_a_request_far_over_the_limit_is_refused_from_its_declared_size(
    settings, alice_client, assessment
) -> None:
    settings.EVIDENCE_MAX_BYTES = 1000
    huge = pdf(content=PDF + b"x" * (100 * 1024))
    response = alice_client.post(upload_url(assessment), {"file": huge}, **HTMX)
    assert response.status_code == 413
    assert "larger than the 1000 bytes limit; nothing was saved" in response.content.decode()
    assert not Evidence.objects.exists()


def test_an_executable_renamed_pdf_is_refused(alice_client, assessment) -> None:
    exe = SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")
    response = alice_client.post(upload_url(assessment), {"file": exe}, **HTMX)
    assert response.status_code == 422
    assert "not an accepted type" in response.content.decode()
    assert not Evidence.objects.exists()


def test_an_empty_post_asks_for_a_file(alice_client, assessment) -> None:
    response = alice_client.post(upload_url(assessment), {}, **HTMX)
    assert response.status_code == 422
    assert "Choose a file to upload." in response.content.decode()


def test_a_valid_pdf_is_stored_listed_and_downloadable_by_members_only(
    alice_client, bob_client, vic_client, carol_client, assessment
) -> None:
    response = alice_client.post(upload_url(assessment), {"file": pdf()}, **HTMX)
    assert response.status_code == 200
    evidence = Evidence.objects.get()
    assert evidence.content_type == "application/pdf" and evidence.original_name == "pacs-audit.pdf"
    download = f"/a/{assessment.pk}/evidence/file/{evidence.token}/"
    assert download in response.content.decode()
    # Listed on the section page for every member, viewers included.
    assert download in vic_client.get(f"/a/{assessment.pk}/s/SI/").content.decode()

    for client in (bob_client, vic_client):
        got = client.get(download)
        assert got.status_code == 200
        assert got["Content-Disposition"].startswith("attachment")
        assert 'filename="pacs-audit.pdf"' in got["Content-Disposition"]
        assert got["Content-Type"] == "application/pdf"
        assert b"".join(got.streaming_content) == PDF
    assert carol_client.get(download).status_code == 404
    assert alice_client.get(f"/a/{assessment.pk}/evidence/file/{'0' * 32}/").status_code == 404


def test_a_plain_upload_redirects_back_with_a_message(alice_client, assessment) -> None:
    response = alice_client.post(upload_url(assessment, "SI-03"), {"file": pdf("policy.pdf")})
    assert response.status_code == 302
    assert response["Location"].endswith("/s/SI/#q-SI-03")
    page = alice_client.get(response["Location"]).content.decode()
    assert "policy.pdf added to SI-03." in page


def test_viewers_cannot_upload(vic_client, assessment) -> None:
    assert vic_client.post(upload_url(assessment), {"file": pdf()}).status_code == 403
    assert not Evidence.objects.exists()


def test_uploads_are_csrf_protected(alice, assessment) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(upload_url(assessment), {"file": pdf()}).status_code == 403
    assert not Evidence.objects.exists()


# --- removing a file attached by mistake ---------------------------------------------------------


def attach(assessment, user, name: str = "network-diagram.pdf", cid: str = "SI-01") -> Evidence:
    return evidence_add(assessment=assessment, criterion_id=cid, upload=pdf(name), user=user)


def remove_url(assessment, token: str) -> str:
    return f"/a/{assessment.pk}/evidence/file/{token}/remove/"


def test_a_contributor_removes_a_file_with_htmx(
    bob, bob_client, alice, assessment, django_capture_on_commit_callbacks
) -> None:
    evidence = attach(assessment, alice)
    kept = attach(assessment, alice, "policy.pdf")
    stored = Path(evidence.file.path)
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = bob_client.post(remove_url(assessment, evidence.token), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="q-SI-01-evidence"' in body  # the evidence block, swapped in place
    assert evidence.token not in body and "network-diagram.pdf" not in body
    assert remove_url(assessment, kept.token) in body
    assert list(Evidence.objects.all()) == [kept]
    assert not stored.exists() and Path(kept.file.path).exists()
    event = AssessmentEvent.objects.get(kind=EventKind.EVIDENCE_REMOVED)
    assert event.user == bob and event.reason == "SI-01: network-diagram.pdf"
    # The assessment's history shows it with its reason.
    history = bob_client.get(f"/a/{assessment.pk}/submit/").content.decode()
    assert "Evidence removed" in history and "SI-01: network-diagram.pdf" in history
    assert "Reason: SI-01" not in history  # what was removed, not a reason someone gave


def test_a_plain_removal_redirects_back_with_a_message(
    alice_client, alice, assessment, django_capture_on_commit_callbacks
) -> None:
    evidence = attach(assessment, alice, "policy.pdf", cid="SI-03")
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(remove_url(assessment, evidence.token))
    assert response.status_code == 302
    assert response["Location"].endswith("/s/SI/#q-SI-03")
    page = alice_client.get(response["Location"]).content.decode()
    assert "policy.pdf removed from SI-03." in page
    assert not Evidence.objects.exists() and not Path(evidence.file.path).exists()


def test_the_file_is_deleted_only_when_the_removal_commits(
    alice, assessment, django_capture_on_commit_callbacks
) -> None:
    evidence = attach(assessment, alice)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            evidence_remove(assessment=assessment, token=evidence.token, user=alice)
            raise RuntimeError("a later step of the same transaction failed")
    assert callbacks == []
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert Path(evidence.file.path).exists()
    assert not AssessmentEvent.objects.filter(kind=EventKind.EVIDENCE_REMOVED).exists()


def test_viewers_and_other_organisations_cannot_remove(
    vic_client, carol_client, alice, assessment, django_capture_on_commit_callbacks
) -> None:
    evidence = attach(assessment, alice)
    with django_capture_on_commit_callbacks(execute=True):
        assert vic_client.post(remove_url(assessment, evidence.token), **HTMX).status_code == 403
        assert carol_client.post(remove_url(assessment, evidence.token)).status_code == 404
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert Path(evidence.file.path).exists()
    assert not AssessmentEvent.objects.filter(kind=EventKind.EVIDENCE_REMOVED).exists()


def test_a_token_of_another_assessment_or_none_is_not_found(
    org, alice, alice_client, assessment
) -> None:
    other = make_assessment(org, alice)
    evidence = attach(other, alice)
    assert alice_client.post(remove_url(assessment, evidence.token)).status_code == 404
    assert alice_client.post(remove_url(assessment, "0" * 32), **HTMX).status_code == 404
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    with pytest.raises(Evidence.DoesNotExist):
        evidence_remove(assessment=assessment, token=evidence.token, user=alice)


def test_a_submitted_assessment_keeps_its_files(
    alice, alice_client, assessment, django_capture_on_commit_callbacks
) -> None:
    evidence = attach(assessment, alice)
    assessment_submit(assessment=assessment, user=alice)
    url = remove_url(assessment, evidence.token)
    with django_capture_on_commit_callbacks(execute=True):
        refused = alice_client.post(url, **HTMX)
        plain = alice_client.post(url)
    # htmx: the page is stale, so it is reloaded read-only with the message.
    assert refused.status_code == 409 and refused["HX-Refresh"] == "true"
    assert plain.status_code == 302 and plain["Location"].endswith("/s/SI/#q-SI-01")
    page = alice_client.get(plain["Location"]).content.decode()
    assert "network-diagram.pdf was not removed." in page
    assert url not in page  # no Remove button once submitted
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert Path(evidence.file.path).exists()
    assert not AssessmentEvent.objects.filter(kind=EventKind.EVIDENCE_REMOVED).exists()


def test_removal_answers_post_only_and_is_csrf_protected(alice, alice_client, assessment) -> None:
    from django.test import Client

    evidence = attach(assessment, alice)
    assert alice_client.get(remove_url(assessment, evidence.token)).status_code == 405
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(remove_url(assessment, evidence.token)).status_code == 403
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_the_remove_button_is_shown_only_to_members_who_edit(
    alice, alice_client, bob_client, vic_client, assessment
) -> None:
    evidence = attach(assessment, alice)
    button = 'aria-label="Remove network-diagram.pdf"'
    confirm = 'hx-confirm="Remove network-diagram.pdf? It cannot be undone."'
    for client in (alice_client, bob_client):
        page = client.get(f"/a/{assessment.pk}/s/SI/").content.decode()
        assert button in page and confirm in page
        assert f'action="{remove_url(assessment, evidence.token)}"' in page
    viewer_page = vic_client.get(f"/a/{assessment.pk}/s/SI/").content.decode()
    assert "network-diagram.pdf" in viewer_page and button not in viewer_page
    assert remove_url(assessment, evidence.token) not in viewer_page
