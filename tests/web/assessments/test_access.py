"""Access: carol (another organisation) gets 404 on every assessment URL; roles get 403."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern

from diam.web.assessments import urls as assessment_urls
from diam.web.assessments.models import Evidence
from diam.web.assessments.services import evidence_add

# Every URL of the app, with the methods it answers. test_every_url_pattern_is_covered keeps
# this list complete when a URL is added.
URLS = [
    ("organisation", "/o/{org}/", ("get",)),
    ("assessment_new", "/o/{org}/assessments/new/", ("post",)),
    ("assessment", "/a/{a}/", ("get",)),
    ("assessment_section", "/a/{a}/s/SI/", ("get",)),
    ("assessment_answer", "/a/{a}/answer/SI-01/", ("post",)),
    ("assessment_answer_history", "/a/{a}/history/SI-01/", ("get",)),
    ("assessment_evidence", "/a/{a}/evidence/SI-01/", ("post",)),
    ("assessment_evidence_file", "/a/{a}/evidence/file/{token}/", ("get",)),
    ("assessment_evidence_remove", "/a/{a}/evidence/file/{token}/remove/", ("post",)),
    ("assessment_assign", "/a/{a}/assign/", ("get", "post")),
    ("assessment_submit", "/a/{a}/submit/", ("get", "post")),
    ("assessment_reopen", "/a/{a}/reopen/", ("get", "post")),
    ("assessment_results", "/a/{a}/results/", ("get",)),
    ("assessment_profile", "/a/{a}/profile/", ("get", "post")),
    ("assessment_upgrade", "/a/{a}/upgrade/", ("get", "post")),
    ("assessment_answer_confirm", "/a/{a}/confirm/SI-01/", ("post",)),
    ("assessment_section_confirm", "/a/{a}/s/SI/confirm/", ("post",)),
    ("organisation_progress", "/o/{org}/progress/", ("get",)),
    ("organisation_compare", "/o/{org}/progress/compare/", ("get",)),
]
CASES = [
    pytest.param(name, template, method, id=f"{method}-{name}")
    for name, template, methods in URLS
    for method in methods
]


def test_every_url_pattern_is_covered() -> None:
    names = {p.name for p in assessment_urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == {name for name, _, _ in URLS}


@pytest.fixture
def evidence_token(assessment, alice) -> str:
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    evidence = evidence_add(assessment=assessment, criterion_id="SI-01", upload=upload, user=alice)
    return evidence.token


def _url(template: str, org, assessment, token: str) -> str:
    return template.format(org=org.pk, a=assessment.pk, token=token)


@pytest.mark.parametrize(("name", "template", "method"), CASES)
def test_carol_gets_404_on_every_url_of_st_elsewhere(
    carol_client, org, assessment, evidence_token, name, template, method
) -> None:
    url = _url(template, org, assessment, evidence_token)
    data = {"value": "yes", "version": "0", "reason": "x", "fa-SI": "1"}
    response = (
        getattr(carol_client, method)(url, data) if method == "post" else carol_client.get(url)
    )
    assert response.status_code == 404, url
    assessment.refresh_from_db()
    assert assessment.status == "draft" and not assessment.answers.filter(value="yes").exists()
    assert Evidence.objects.filter(token=evidence_token).exists()


@pytest.mark.parametrize(("name", "template", "method"), CASES)
def test_signed_out_visitors_are_sent_to_sign_in(
    client, org, assessment, evidence_token, name, template, method
) -> None:
    url = _url(template, org, assessment, evidence_token)
    response = getattr(client, method)(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    ("url", "method"),
    [
        ("/o/{org}/assessments/new/", "post"),
        ("/a/{a}/assign/", "get"),
        ("/a/{a}/assign/", "post"),
        ("/a/{a}/submit/", "post"),
        ("/a/{a}/reopen/", "get"),
        ("/a/{a}/reopen/", "post"),
    ],
)
def test_only_admins_create_assign_submit_and_reopen(
    bob_client, vic_client, org, assessment, url, method
) -> None:
    url = url.format(org=org.pk, a=assessment.pk)
    for client in (bob_client, vic_client):
        response = getattr(client, method)(url, {"reason": "because"} if method == "post" else None)
        assert response.status_code == 403, url
    assessment.refresh_from_db()
    assert assessment.status == "draft"


def test_viewers_cannot_save_answers_or_upload(vic_client, assessment) -> None:
    assert vic_client.post(f"/a/{assessment.pk}/answer/SI-01/", {"value": "1"}).status_code == 403
    assert vic_client.post(f"/a/{assessment.pk}/evidence/SI-01/", {}).status_code == 403
