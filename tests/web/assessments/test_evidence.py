"""Evidence: size and type checked before anything is stored; downloads through access checks."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from diam.web.assessments.models import Evidence

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
