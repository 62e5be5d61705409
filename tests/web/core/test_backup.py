"""`diam backup` / `diam restore`: a round trip gives back every row and every evidence file."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from diam.web.accounts.models import User
from diam.web.assessments.models import Evidence
from diam.web.assessments.services import answer_save, evidence_add
from diam.web.audit.models import AuditEvent
from diam.web.core.backup import BackupError, backup_write, restore_read
from diam.web.core.demo import demo_load


def everything() -> list[dict[str, Any]]:
    """Every row the backup covers, comparable across a flush (sorted, primary keys kept)."""
    out = io.StringIO()
    call_command(
        "dumpdata",
        "--natural-foreign",  # content types by name: their ids may differ after a flush
        "--exclude=contenttypes",
        "--exclude=auth.permission",
        "--exclude=sessions",
        "--exclude=axes",
        stdout=out,
    )
    return sorted(json.loads(out.getvalue()), key=lambda r: (r["model"], str(r["pk"])))


@pytest.fixture
def populated(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "evidence"
    demo_load(organisations=6)
    from diam.web.assessments.models import Assessment

    assessment = Assessment.objects.filter(status="draft").first()
    user = assessment.created_by
    answer_save(
        assessment=assessment,
        criterion_id="SI-01",
        value=97,
        comment="Checked in the PACS",
        expected_version=None,
        user=user,
    )
    upload = io.BytesIO(b"evidence of SI-01\n")
    upload.name = "minutes.txt"
    upload.size = len(upload.getvalue())  # type: ignore[attr-defined]
    evidence_add(assessment=assessment, criterion_id="SI-01", upload=upload, user=user)
    return tmp_path


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_gives_back_everything(
    populated: Path, settings: Any
) -> None:
    before = everything()
    assert AuditEvent.objects.exists() and TOTPDevice.objects.exists()
    archive = populated / "backup.tar.gz"
    summary = backup_write(archive)
    assert summary.files == 1 and summary.rows == len(before)
    files_before = {
        p.relative_to(settings.MEDIA_ROOT): p.read_bytes()
        for p in Path(settings.MEDIA_ROOT).rglob("*")
        if p.is_file()
    }

    call_command("flush", "--no-input")  # an empty, migrated database
    settings.MEDIA_ROOT = populated / "restored-evidence"
    assert not User.objects.exists()

    restored = restore_read(archive)
    assert restored.rows == len(before) and restored.files == 1
    after = everything()
    diff = [
        (k, a["fields"].get(k), b["fields"].get(k))
        for a, b in zip(before, after, strict=False)
        if a != b
        for k in sorted(set(a["fields"]) | set(b["fields"]))
        if a["fields"].get(k) != b["fields"].get(k)
    ][:5]
    assert after == before, diff
    files_after = {
        p.relative_to(settings.MEDIA_ROOT): p.read_bytes()
        for p in Path(settings.MEDIA_ROOT).rglob("*")
        if p.is_file()
    }
    assert files_after == files_before
    evidence = Evidence.objects.get()
    assert evidence.file.open("rb").read() == b"evidence of SI-01\n"
    # New rows continue after the restored ones (sequences moved on).
    from tests.web.factories import make_user

    assert make_user("new@example.org").pk > max(
        u.pk for u in User.objects.exclude(email="new@example.org")
    )


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_non_empty_database_and_a_damaged_archive(
    populated: Path, settings: Any
) -> None:
    archive = populated / "backup.tar.gz"
    backup_write(archive)
    with pytest.raises(BackupError, match="not empty"):
        restore_read(archive)
    # One byte of the evidence changed: refused before anything is written.
    damaged = populated / "damaged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("evidence/"):
                data = b"X" + data[1:]
            target.addfile(member, io.BytesIO(data))
    call_command("flush", "--no-input")
    with pytest.raises(BackupError, match="does not match its checksum"):
        restore_read(damaged)
    assert not User.objects.exists()


def test_an_archive_cannot_write_outside_the_data_directory(tmp_path: Path, db: None) -> None:
    evil = tmp_path / "evil.tar.gz"
    manifest = {
        "format": "diam-backup/1",
        "files": [{"name": "evidence/../../../etc/cron.d/x", "size": 1, "sha256": "0"}],
    }
    with tarfile.open(evil, "w:gz") as archive:
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match="unsafe path"):
        restore_read(evil)


def test_the_cli_reports_a_bad_archive_with_exit_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    bogus = tmp_path / "not-a-backup.tar.gz"
    bogus.write_bytes(b"hello")
    diam = str(Path(sys.executable).with_name("diam"))
    env = {"DIAM_DATA_DIR": str(tmp_path), "DIAM_DEBUG": "1", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [diam, "restore", str(bogus)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 2, result.stderr
    assert "not a diam backup archive" in result.stderr and "Traceback" not in result.stderr
