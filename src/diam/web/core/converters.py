"""URL converters whose values always fit the database.

Django's `int` converter takes any number of digits: on SQLite a 20-digit organisation id in a
URL raised OverflowError (a server error) instead of 404. `id` takes at most 18 digits, which
every 64-bit primary key column can hold, so a longer one simply matches no URL (404).
Every URL of the project uses `<id:...>` for database ids (a test checks it).
"""

from __future__ import annotations

import re


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(int(value))


def parse_id(text: str) -> int | None:
    """A database id typed into a form field, or None: the same rule as `<id:...>` in URLs
    (str.isdigit() takes "²" and 5,000-digit numbers, which int() or the database refuse)."""
    return int(text) if re.fullmatch(IdConverter.regex, text) else None
