"""Validators shared by models, forms and imports, so every way in refuses the same input.

Text people type is checked by the rule of `diam.text` (no control characters); numbers have
bounds that the database columns of both PostgreSQL and SQLite can hold and that make sense.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from diam.text import text_problem


@deconstructible
class PlainTextValidator:
    """Refuses control characters (tab and line breaks are allowed) with the rule's message."""

    def __call__(self, value: object) -> None:
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                raise ValidationError(f"This text {problem}.", code="control_character")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlainTextValidator)

    def __hash__(self) -> int:
        return hash(PlainTextValidator)


validate_plain_text = PlainTextValidator()

# An organisation's size: generous upper bounds, far below what a 32-bit column holds.
BEDS_MAX = 100_000
ANNUAL_EXAMS_MAX = 100_000_000
EMAIL_MAX_LENGTH = 254  # RFC 5321 path limit, and User.email's column
