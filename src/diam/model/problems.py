"""A problem found in a model: where it is and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int | None
    message: str
    severity: Severity = "error"

    @classmethod
    def error(cls, file: str, line: int | None, message: str) -> Problem:
        return cls(file, line, message, "error")

    @classmethod
    def warning(cls, file: str, line: int | None, message: str) -> Problem:
        return cls(file, line, message, "warning")

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.severity}: {self.message}"
