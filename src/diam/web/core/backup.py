"""`diam backup` / `diam restore`: the database's content and the evidence files, in one archive.

The archive is a gzipped tar holding
- `manifest.json`: format, diam version, when, which database, the migrations it was taken at,
  and every other member's size and SHA-256;
- `database.json`: every row (Django's serialisation, foreign keys to content types and
  permissions by natural key, so it loads into SQLite or PostgreSQL alike);
- `evidence/...`: the evidence files as stored under the data directory.

Left out, because they are derived or transient: sessions, sign-in throttling records, content
types and permissions (made by `migrate`), and stored report renders (the data directory's
`reports/`, rebuilt on demand). Restoring checks every checksum first and then loads
everything in one transaction into an empty, migrated database: all or nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.migrations.recorder import MigrationRecorder

from diam import __version__

FORMAT = "diam-backup/1"
EXCLUDED = (
    "contenttypes",
    "auth.permission",
    "sessions",
    "axes",
    "api.clientwindow",  # the API's public rate-limit counts: a minute's worth, no record
)


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why, for the operator."""


@dataclass(frozen=True)
class Summary:
    rows: int
    files: int
    bytes: int


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _database_json() -> bytes:
    """Every row, model by model, as dumpdata would write it but with times to the microsecond
    (dumpdata's JSON keeps milliseconds, so a restored row would differ from its original)."""
    from django.apps import apps

    models = serializers.sort_dependencies(
        [(config, config.get_models()) for config in apps.get_app_configs()], allow_cycles=True
    )
    records: list[dict[str, Any]] = []
    for model in models:
        meta = model._meta
        if meta.proxy or not meta.managed or meta.auto_created:
            continue
        if meta.app_label in EXCLUDED or meta.label_lower in EXCLUDED:
            continue
        rows = model._base_manager.order_by(meta.pk.name)
        records += serializers.serialize("python", rows.iterator(chunk_size=2000))
    return json.dumps(records, default=_exact, ensure_ascii=False).encode("utf-8")


def _exact(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in a backup")


def _content_types() -> dict[str, list[str]]:
    """Content type id -> [app, model], and permission id -> [app, model, codename]: the rows
    that `migrate` makes, named so a restore can find them under their new ids."""
    from django.contrib.contenttypes.models import ContentType

    return {str(ct.pk): [ct.app_label, ct.model] for ct in ContentType.objects.all()}


def _permissions() -> dict[str, list[str]]:
    from django.contrib.auth.models import Permission

    return {
        str(p.pk): [p.content_type.app_label, p.content_type.model, p.codename]
        for p in Permission.objects.select_related("content_type")
    }


def evidence_files() -> list[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(
        (f"evidence/{path.relative_to(root).as_posix()}", path)
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink()
    )


def backup_write(output: Path) -> Summary:
    """Write the archive to `output` (atomically: a temporary file, then renamed)."""
    database = _database_json()
    rows = len(json.loads(database))
    members: list[tuple[str, bytes | Path]] = [("database.json", database)]
    members += evidence_files()
    entries = []
    total = 0
    for name, content in members:
        data = content if isinstance(content, bytes) else content.read_bytes()
        entries.append({"name": name, "size": len(data), "sha256": _sha256(data)})
        total += len(data)
    manifest = {
        "format": FORMAT,
        "diam_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database_vendor": connection.vendor,
        "migrations": _migrations(),
        "content_types": _content_types(),
        "permissions": _permissions(),
        "rows": rows,
        "files": entries,
    }
    fd, tmp_name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            _add(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
            for name, content in members:
                data = content if isinstance(content, bytes) else content.read_bytes()
                _add(archive, name, data)
        tmp.chmod(0o600)  # it holds password hashes and second-factor secrets
        tmp.replace(output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Summary(rows=rows, files=len(members) - 1, bytes=total)


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


# --- restore ---------------------------------------------------------------------------------


def _read_archive(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and every member it lists, each checked against its size and checksum."""
    try:
        archive = tarfile.open(path, mode="r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{path}: not a diam backup archive ({exc}).") from None
    with archive:
        try:
            manifest_member = archive.extractfile("manifest.json")
        except KeyError:
            raise BackupError(f"{path}: no manifest.json; not a diam backup.") from None
        if manifest_member is None:
            raise BackupError(f"{path}: manifest.json is not a file.")
        try:
            manifest = json.loads(manifest_member.read())
        except ValueError as exc:
            raise BackupError(f"{path}: manifest.json is not valid JSON ({exc}).") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(f"{path}: unknown backup format (expected {FORMAT}).")
        contents: dict[str, bytes] = {}
        for entry in manifest.get("files", []):
            name = str(entry.get("name", ""))
            pure = PurePosixPath(name)
            if (
                pure.is_absolute()
                or ".." in pure.parts
                or not (name == "database.json" or name.startswith("evidence/"))
            ):
                raise BackupError(f"{path}: the manifest names an unsafe path {name!r}.")
            try:
                member = archive.getmember(name)
            except KeyError:
                raise BackupError(f"{path}: {name} is listed but missing.") from None
            if not member.isfile():
                raise BackupError(f"{path}: {name} is not a regular file.")
            handle = archive.extractfile(member)
            data = handle.read() if handle is not None else b""
            if len(data) != entry.get("size") or _sha256(data) != entry.get("sha256"):
                raise BackupError(
                    f"{path}: {name} does not match its checksum; the archive is damaged."
                )
            contents[name] = data
    if "database.json" not in contents:
        raise BackupError(f"{path}: the archive holds no database content.")
    return manifest, contents


def _check_migrations(manifest: dict[str, Any]) -> None:
    here = _migrations()
    missing = [
        f"{app}.{name}"
        for app, names in manifest.get("migrations", {}).items()
        for name in names
        if name not in here.get(app, [])
    ]
    if missing:
        raise BackupError(
            "the backup was taken at migrations this database does not have "
            f"({', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}); run "
            "`manage.py migrate` with the same or a newer diam, then restore."
        )


def _check_empty() -> None:
    from diam.web.accounts.models import Organisation, User

    if User.objects.exists() or Organisation.objects.exists():
        raise BackupError(
            "the database is not empty; restore into a new, migrated database (set "
            "DATABASE_URL or DIAM_DATA_DIR to one and run `manage.py migrate` first)."
        )


def restore_read(path: Path) -> Summary:
    """Restore an archive into this (empty, migrated) database and data directory."""
    manifest, contents = _read_archive(path)
    _check_migrations(manifest)
    _check_empty()
    media = Path(settings.MEDIA_ROOT)
    files = {name: data for name, data in contents.items() if name.startswith("evidence/")}
    for name, data in files.items():
        target = media / name.removeprefix("evidence/")
        if target.exists() and target.read_bytes() != data:
            raise BackupError(
                f"{target} exists with other content; restore into an empty data dir."
            )
    try:
        records = _translate(json.loads(contents["database.json"]), manifest)
        objects = list(serializers.deserialize("python", records))
    except BackupError:
        raise
    except Exception as exc:  # DeserializationError and what it wraps
        raise BackupError(f"{path}: the database content cannot be read ({exc}).") from None
    written: list[Path] = []
    try:
        with transaction.atomic(using=DEFAULT_DB_ALIAS):
            # As loaddata does: rows in any order, foreign keys checked once all are in.
            with connection.constraint_checks_disabled():
                for obj in objects:
                    obj.save(using=DEFAULT_DB_ALIAS)
            tables = {type(obj.object)._meta.db_table for obj in objects}
            connection.check_constraints(table_names=sorted(tables))
            _reset_sequences(objects)
            for name, data in files.items():
                target = media / name.removeprefix("evidence/")
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    target.write_bytes(data)
                    written.append(target)
    except BackupError:
        raise
    except Exception as exc:
        for target in written:
            target.unlink(missing_ok=True)
        raise BackupError(f"{path}: restoring failed and nothing was kept ({exc}).") from None
    return Summary(
        rows=len(objects), files=len(files), bytes=sum(len(d) for d in contents.values())
    )


def _translate(records: list[dict[str, Any]], manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Point references to content types and permissions at this database's rows."""
    from django.apps import apps
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    type_ids = {
        old: ContentType.objects.get_by_natural_key(app, model).pk
        for old, (app, model) in manifest.get("content_types", {}).items()
        if _known(app, model)
    }
    perm_ids = {}
    for old, (app, model, codename) in manifest.get("permissions", {}).items():
        found = Permission.objects.filter(
            content_type__app_label=app, content_type__model=model, codename=codename
        ).first()
        if found is not None:
            perm_ids[old] = found.pk
    for record in records:
        model = apps.get_model(record["model"])
        fields = record.get("fields", {})
        for field in model._meta.get_fields():
            if field.name not in fields or not getattr(field, "related_model", None):
                continue
            if field.related_model is ContentType and fields[field.name] is not None:
                fields[field.name] = _mapped(type_ids, fields[field.name], "content type")
            elif field.related_model is Permission and field.many_to_many:
                fields[field.name] = [
                    _mapped(perm_ids, v, "permission") for v in fields[field.name]
                ]
    return records


def _known(app: str, model: str) -> bool:
    from django.apps import apps

    try:
        apps.get_model(app, model)
    except LookupError:
        return False
    return True


def _mapped(ids: dict[str, int], old: Any, what: str) -> int:
    try:
        return ids[str(old)]
    except KeyError:
        raise BackupError(
            f"the backup refers to a {what} ({old}) this installation does not have."
        ) from None


def _reset_sequences(objects: list[Any]) -> None:
    models = {type(obj.object) for obj in objects}
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
