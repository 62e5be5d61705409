"""Reading untrusted zip files (bundles, XLSX workbooks) within bounds.

A zip states each entry's uncompressed size in its central directory, and Python's `zipfile`
never inflates an entry past that size (it fails the CRC check instead), so checking the
declared sizes before reading bounds the memory a zip bomb can take. Entry names are checked
too: nothing is ever written to disk under a name taken from a zip, but a name that tries to
leave its folder is a sign of a crafted file and is refused with the rest.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

ZIP_MAGIC = b"PK\x03\x04"


class UploadProblem(ValueError):
    """A file cannot be used; `problems` say what is wrong and where, for the person uploading."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class ZipLimits:
    """Bounds for one zip: entries, total uncompressed bytes, and the compression ratio."""

    max_entries: int = 2_000
    max_total_bytes: int = 100 * 1024 * 1024
    # Office XML compresses 10-30x; a ratio far above that is a bomb, not a spreadsheet.
    max_ratio: int = 200


def is_zip(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC)


def unsafe_name(name: str) -> str | None:
    """Why an entry name is refused (absolute, `..`, backslashes, drive letters), else None."""
    if not name or len(name) > 400:
        return "an empty or overlong name"
    if "\x00" in name:
        return "a NUL byte in the name"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if "\\" in name:
        return "a backslash in the path"
    if any(part == ".." for part in name.split("/")):
        return "a path that leaves its folder (..)"
    return None


def open_zip(data: bytes, *, what: str, limits: ZipLimits | None = None) -> zipfile.ZipFile:
    """Open `data` as a zip after checking every entry against `limits`.

    Raises `UploadProblem` naming `what` (e.g. "the bundle") for a file that is not a zip, is
    damaged or encrypted, has unsafe entry names, or would inflate beyond the bounds.
    """
    limits = limits or ZipLimits()
    if not is_zip(data):
        raise UploadProblem(f"{what} is not a zip file (it does not start like one).")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise UploadProblem(f"{what} is damaged and cannot be opened ({exc}).") from None
    if len(infos) > limits.max_entries:
        raise UploadProblem(
            f"{what} has {len(infos)} entries; at most {limits.max_entries} are accepted."
        )
    problems: list[str] = []
    total = 0
    for info in infos:
        reason = unsafe_name(info.filename)
        if reason:
            problems.append(f"{what}: entry {info.filename[:80]!r} is refused: {reason}.")
            continue
        if info.flag_bits & 0x1:
            problems.append(f"{what}: entry {info.filename!r} is encrypted.")
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > limits.max_ratio:
            problems.append(
                f"{what}: entry {info.filename!r} would inflate {ratio:.0f} times "
                f"(a zip bomb?); at most {limits.max_ratio} times is accepted."
            )
    if total > limits.max_total_bytes:
        problems.append(
            f"{what} would inflate to {total / 1_048_576:.0f} MB; at most "
            f"{limits.max_total_bytes / 1_048_576:.0f} MB is accepted."
        )
    if problems:
        archive.close()
        raise UploadProblem(problems)
    return archive


def read_entry(archive: zipfile.ZipFile, name: str, *, what: str) -> bytes:
    """One entry's bytes (already bounded by `open_zip`); damage is an `UploadProblem`."""
    try:
        return archive.read(name)
    except KeyError:
        raise UploadProblem(f"{what} has no {name}.") from None
    except (
        zipfile.BadZipFile,
        OSError,
        ValueError,
        NotImplementedError,
        EOFError,
        zlib.error,
    ) as exc:
        raise UploadProblem(f"{what}: {name} is damaged ({exc}).") from None
