"""Report files rendered once per state, kept in REPORTS_DIR, streamed on later downloads.

Slow kinds (PDF, DOCX) are rendered by the background worker while the download shows a
"being prepared" page; quick ones (XLSX, CSV) in the request. Most tests use the DOCX: the same
path as the PDF at a tenth of the time.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import timedelta

import docx
import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from diam.web.assessments.models import Answer, Assessment, Status
from diam.web.assessments.services import (
    answer_save,
    assessment_reopen,
    assessment_submit,
)
from diam.web.audit.models import AuditEvent
from diam.web.core.maintenance import assessments_rescore
from diam.web.reports import services
from diam.web.reports.files import KINDS
from diam.web.reports.models import FileState, ReportFile
from diam.web.reports.selectors import ReportOptions
from tests.web.benchmarks.conftest import cut
from tests.web.reports.conftest import download, run_worker

DOCX_URL = "/a/{pk}/report.docx"
PDF_URL = "/a/{pk}/report.pdf"
XLSX_URL = "/a/{pk}/report.xlsx"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TRIGGER": "report-status"}


def _text(body: bytes) -> str:
    document = docx.Document(io.BytesIO(body))
    cells = (cell.text for t in document.tables for row in t.rows for cell in row.cells)
    return "\n".join([*(p.text for p in document.paragraphs), *cells])


def test_a_first_download_shows_a_page_that_updates_itself(alice_client, filled) -> None:
    response = alice_client.get(PDF_URL.format(pk=filled.pk))
    assert response.status_code == 202
    page = response.content.decode()
    assert "Your PDF is being prepared" in page
    # htmx asks the same URL every two seconds; without JavaScript a link does the same.
    assert f'hx-get="/a/{filled.pk}/report.pdf"' in page and 'hx-trigger="every 2s"' in page
    assert f'<a href="/a/{filled.pk}/report.pdf">Check again</a>' in page
    assert 'role="status"' in page
    assert "draft" in page  # a draft's file shows its answers as they are now
    row = ReportFile.objects.get(assessment=filled)
    assert (row.kind, row.state) == ("pdf", FileState.QUEUED)
    task = DBTaskResult.objects.get()
    assert task.task_path == "diam.web.reports.tasks.render_report_file"
    assert task.args_kwargs["args"] == [row.pk]
    # Asking again before the worker ran queues nothing more.
    assert alice_client.get(PDF_URL.format(pk=filled.pk)).status_code == 202
    assert DBTaskResult.objects.count() == 1 and ReportFile.objects.count() == 1


def test_the_worker_renders_it_once_and_later_downloads_stream_it(
    alice_client, filled, report_files_dir
) -> None:
    url = DOCX_URL.format(pk=filled.pk)
    assert alice_client.get(url).status_code == 202
    run_worker()
    row = ReportFile.objects.get(assessment=filled)
    assert row.state == FileState.READY and row.attempts == 1
    assert row.path.is_file() and row.path.is_relative_to(report_files_dir)
    first = download(alice_client, url)
    second = download(alice_client, url)
    assert first.streaming and first.body == second.body == row.path.read_bytes()
    assert "St Elsewhere Hospital" in _text(first.body)
    row.refresh_from_db()
    assert row.attempts == 1  # streamed twice, rendered once
    assert DBTaskResult.objects.count() == 1


def test_polling_answers_with_the_status_then_starts_the_download(alice_client, filled) -> None:
    url = DOCX_URL.format(pk=filled.pk)
    alice_client.get(url)
    waiting = alice_client.get(url, **HTMX)
    assert waiting.status_code == 200  # htmx swaps 2xx answers only
    assert 'hx-trigger="every 2s"' in waiting.content.decode()
    assert "<html" not in waiting.content.decode()  # a fragment, not a page
    run_worker()
    ready = alice_client.get(url, **HTMX).content.decode()
    assert "Your Word document is ready." in ready
    assert "every 2s" not in ready  # polling ends
    assert 'id="report-download"' in ready and 'hx-trigger="load"' in ready
    start = alice_client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="report-download")
    assert start.status_code == 204 and start["HX-Redirect"] == url


def test_the_options_are_part_of_the_file(alice_client, filled) -> None:
    plain = download(alice_client, DOCX_URL.format(pk=filled.pk)).body
    planned = download(alice_client, DOCX_URL.format(pk=filled.pk) + "?target=5&branch_order=C")
    assert "Master branch C" in _text(planned.body) and "Master branch C" not in _text(plain)
    assert set(ReportFile.objects.values_list("options", flat=True)) == {
        "",
        "target=5&branch_order=C",
    }


def test_a_quick_kind_is_rendered_in_the_request_and_kept(alice_client, filled) -> None:
    first = alice_client.get(XLSX_URL.format(pk=filled.pk))
    assert first.status_code == 200 and first.streaming
    row = ReportFile.objects.get(assessment=filled)
    assert row.state == FileState.READY and row.kind == "xlsx"
    again = alice_client.get(XLSX_URL.format(pk=filled.pk))
    assert again.getvalue() == row.path.read_bytes()
    row.refresh_from_db()
    assert row.attempts == 1 and not DBTaskResult.objects.exists()


def test_a_changed_answer_gives_a_new_file_and_the_old_one_goes(
    alice_client, alice, filled, django_capture_on_commit_callbacks
) -> None:
    url = DOCX_URL.format(pk=filled.pk)
    before = download(alice_client, url)
    old = ReportFile.objects.get(assessment=filled)
    answer = Answer.objects.get(assessment=filled, criterion_id="SI-01")
    answer_save(
        assessment=filled,
        criterion_id="SI-01",
        value=answer.value,
        comment="A comment written after the first download",
        expected_version=answer.version,
        user=alice,
    )
    assert alice_client.get(url).status_code == 202  # the stored file shows the old state
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()
    after = download(alice_client, url)
    assert after.body != before.body
    assert "A comment written after the first download" in _text(after.body)
    # Superseded: the old state's row and file are gone.
    assert not ReportFile.objects.filter(pk=old.pk).exists() and not old.path.exists()


def test_submission_renders_the_default_files_ahead(
    alice_client, alice, filled, django_capture_on_commit_callbacks
) -> None:
    assessment_submit(assessment=filled, user=alice)
    queued = ReportFile.objects.filter(assessment=filled)
    assert sorted(queued.values_list("kind", flat=True)) == ["docx", "pdf", "xlsx"]
    assert {r.state for r in queued} == {FileState.QUEUED}
    assert DBTaskResult.objects.count() == 3
    run_worker()
    assert {r.state for r in ReportFile.objects.filter(assessment=filled)} == {FileState.READY}
    # The first download of each is already a stream.
    for url in (PDF_URL, DOCX_URL, XLSX_URL):
        response = alice_client.get(url.format(pk=filled.pk))
        assert response.status_code == 200 and response.streaming, url
    assert ReportFile.objects.filter(assessment=filled).count() == 3


def test_reopening_forgets_the_files(
    alice_client, alice, filled, django_capture_on_commit_callbacks
) -> None:
    assessment_submit(assessment=filled, user=alice)
    run_worker()
    paths = [r.path for r in ReportFile.objects.filter(assessment=filled)]
    assert paths and all(p.is_file() for p in paths)
    with django_capture_on_commit_callbacks(execute=True):
        assessment_reopen(assessment=filled, user=alice, reason="A typo in an answer")
    assert not ReportFile.objects.filter(assessment=filled).exists()
    assert not any(p.exists() for p in paths)
    assert alice_client.get(DOCX_URL.format(pk=filled.pk)).status_code == 202


def test_a_new_benchmark_release_makes_stored_files_stale(alice_client, alice, filled) -> None:
    assessment_submit(assessment=filled, user=alice)
    run_worker()
    assert alice_client.get(DOCX_URL.format(pk=filled.pk)).status_code == 200
    cut()  # a new benchmark release (`diam benchmarks release`)
    assert alice_client.get(DOCX_URL.format(pk=filled.pk)).status_code == 202
    cleaned = services.report_files_cleanup()
    assert cleaned.stale == 3  # the three files of the old release


def test_a_validation_decision_makes_stored_files_stale(alice_client, alice, filled) -> None:
    assessment_submit(assessment=filled, user=alice)
    run_worker()
    submitted = download(alice_client, DOCX_URL.format(pk=filled.pk)).body
    filled.refresh_from_db()
    filled.status = Status.VALIDATED
    filled.save(update_fields=["status", "updated_at"])
    services.report_files_refresh(assessment=filled)  # what the validation decision calls
    validated = download(alice_client, DOCX_URL.format(pk=filled.pk)).body
    assert "Submitted, not yet validated" in _text(submitted)
    assert "Validated by an expert review" in _text(validated)


def test_a_model_rescore_forgets_every_file(
    alice_client, alice, filled, django_capture_on_commit_callbacks
) -> None:
    download(alice_client, DOCX_URL.format(pk=filled.pk))
    path = ReportFile.objects.get().path
    with django_capture_on_commit_callbacks(execute=True):
        assessments_rescore()
    assert not ReportFile.objects.exists() and not path.exists()


def test_without_a_worker_the_request_renders_the_file_itself(
    alice_client, filled, settings
) -> None:
    settings.REPORT_WORKER_WAIT_SECONDS = 5
    url = DOCX_URL.format(pk=filled.pk)
    assert alice_client.get(url).status_code == 202
    # Nobody started it within the wait, and no worker ran anything lately.
    ReportFile.objects.update(created_at=timezone.now() - timedelta(seconds=6))
    response = alice_client.get(url)
    assert response.status_code == 200 and response.streaming
    assert "St Elsewhere Hospital" in _text(response.getvalue())
    # The queued task finds the file done and does nothing.
    run_worker()
    assert ReportFile.objects.get().attempts == 1


def test_a_busy_worker_is_waited_for(alice_client, filled) -> None:
    url = DOCX_URL.format(pk=filled.pk)
    alice_client.get(url)
    ReportFile.objects.update(created_at=timezone.now() - timedelta(minutes=1))
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now())
    assert alice_client.get(url).status_code == 202


def test_a_failed_rendering_says_so_and_can_be_tried_again(
    alice_client, filled, monkeypatch
) -> None:
    url = DOCX_URL.format(pk=filled.pk)
    alice_client.get(url)

    def broken(report):
        raise RuntimeError("the renderer broke")

    monkeypatch.setitem(KINDS, "docx", dataclasses.replace(KINDS["docx"], render=broken))
    run_worker()
    row = ReportFile.objects.get()
    assert row.state == FileState.FAILED and "the renderer broke" in row.error
    failed = alice_client.get(url)
    assert failed.status_code == 500
    page = failed.content.decode()
    assert "could not be prepared" in page and "the renderer broke" not in page
    assert f'href="/a/{filled.pk}/report.docx?retry=1"' in page
    monkeypatch.undo()
    assert alice_client.get(url + "?retry=1").status_code == 202
    run_worker()
    assert download(alice_client, url).status_code == 200
    assert ReportFile.objects.get().attempts == 2


def test_a_file_stuck_rendering_or_missing_on_disk_is_rendered_again(alice_client, filled) -> None:
    url = DOCX_URL.format(pk=filled.pk)
    download(alice_client, url)
    row = ReportFile.objects.get()
    row.path.unlink()
    assert alice_client.get(url).status_code == 202  # missing: queued again
    ReportFile.objects.update(state=FileState.RENDERING, started_at=timezone.now() - timedelta(1))
    assert alice_client.get(url).status_code == 202  # its worker died: queued again
    run_worker()
    assert download(alice_client, url).status_code == 200


def test_a_state_that_moves_while_queued_is_not_rendered_under_the_old_key(
    alice_client, alice, filled
) -> None:
    url = DOCX_URL.format(pk=filled.pk)
    alice_client.get(url)
    stale = ReportFile.objects.get()
    Answer.objects.filter(assessment=filled, criterion_id="SI-01").update(comment="changed")
    run_worker()
    assert not ReportFile.objects.filter(pk=stale.pk).exists()
    assert not stale.path.exists()
    assert alice_client.get(url).status_code == 202  # asked again for the new state


def test_a_download_is_recorded_in_the_audit_trail(alice_client, alice, filled) -> None:
    download(alice_client, XLSX_URL.format(pk=filled.pk))
    event = AuditEvent.objects.get(action="export.downloaded")
    assert event.actor == alice and event.organisation == filled.organisation
    assert event.detail["format"] == "xlsx" and event.detail["kind"] == "gap-report"


def test_the_key_is_stable_and_names_everything_shown(filled) -> None:
    kind = KINDS["pdf"]

    def key(**changes) -> str:
        assessment = Assessment.objects.select_related("organisation").get(pk=filled.pk)
        options = changes.pop("options", ReportOptions())
        for name, value in changes.items():
            setattr(assessment, name, value)
        return services.report_file_lookup(assessment=assessment, kind=kind, options=options).key

    base = key()
    assert key() == base
    assert key(options=ReportOptions(target_stage=5)) != base
    assert key(status=Status.VALIDATED) != base
    assert key(updated_at=timezone.now()) != base
    assert services.report_file_lookup(
        assessment=filled, kind=KINDS["docx"], options=ReportOptions()
    ).key not in (base,)
    assert key(services={"mri": False}) != base  # another service profile: other criteria apply
    filled.organisation.country = "BR"  # law-bound criteria apply by country
    filled.organisation.save()
    moved = key()
    assert moved != base
    filled.organisation.name = "Renamed Hospital"
    filled.organisation.save()
    assert key() not in (base, moved)


def test_cleanup_removes_what_no_download_would_serve(
    alice_client, filled, report_files_dir, settings, django_capture_on_commit_callbacks
) -> None:
    download(alice_client, XLSX_URL.format(pk=filled.pk))
    kept = ReportFile.objects.get()
    orphan = report_files_dir / "424242" / ("f" * 64)
    orphan.parent.mkdir()
    orphan.write_bytes(b"left by a deleted assessment")
    with django_capture_on_commit_callbacks(execute=True):
        summary = services.report_files_cleanup()
    assert summary.orphans == 1 and not orphan.exists() and not orphan.parent.exists()
    assert kept.path.is_file()  # current: kept
    # A draft's files go after REPORT_FILES_MAX_AGE_DAYS.
    ReportFile.objects.update(created_at=timezone.now() - timedelta(days=31))
    with django_capture_on_commit_callbacks(execute=True):
        summary = services.report_files_cleanup()
    assert summary.old == 1 and not kept.path.exists()


@pytest.mark.parametrize("url", [PDF_URL, DOCX_URL])
def test_another_organisation_cannot_poll_or_start_a_file(carol_client, filled, url) -> None:
    assert carol_client.get(url.format(pk=filled.pk), **HTMX).status_code == 404
    assert not ReportFile.objects.exists() and not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_diam_reports_cleanup_says_what_it_removed(report_files_dir) -> None:
    from click.testing import CliRunner

    from diam.cli import main

    orphan = report_files_dir / "7" / ("a" * 64)
    orphan.parent.mkdir()
    orphan.write_bytes(b"no record")
    result = CliRunner().invoke(main, ["reports", "cleanup"])
    assert result.exit_code == 0, result.output
    assert "1 files without a record" in result.output and not orphan.exists()
