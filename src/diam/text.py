"""The one rule for text that people type: what is refused on input, what is cleaned on output.

Office documents (DOCX, XLSX) are XML 1.0, which cannot hold most control characters: one
vertical tab pasted into a comment made every download of the report fail. So:

- On input (forms, imports, answers files), `control_characters` finds what is refused and
  `text_problem` words the refusal; web validators and the answer parser both use it.
- On output, `office_text` cleans every string that reaches an office document or a CSV, and
  `clean_strings` applies it to a whole report object (text stored before the input rule, or
  from a model file, still cannot break a download).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar

# C0 controls except tab, line feed and carriage return; DEL and the C1 controls; lone
# surrogates; and the two non-characters XML 1.0 excludes.
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Word puts a vertical tab (manual line break) and a form feed (page break) into copied text:
# on output they become what they meant, a line break.
_LINE_BREAKS = re.compile("[\x0b\x0c]")

T = TypeVar("T")


def control_characters(text: str) -> list[str]:
    """The distinct refused characters in `text`, as U+XXXX, in order of first appearance."""
    seen: dict[str, None] = {}
    for match in _REFUSED.finditer(text):
        seen.setdefault(f"U+{ord(match.group()):04X}", None)
    return list(seen)


def text_problem(text: str, *, max_length: int | None = None) -> str | None:
    """Why `text` cannot be stored, for the person who typed it, or None when it can."""
    found = control_characters(text)
    if found:
        names = ", ".join(found[:3]) + (" …" if len(found) > 3 else "")
        return f"contains a control character ({names}); remove it and try again"
    if max_length is not None and len(text) > max_length:
        return f"is {len(text):,} characters long; at most {max_length:,} are allowed"
    return None


def office_text(text: str) -> str:
    """`text` with nothing an office document cannot hold (line breaks kept)."""
    if not _REFUSED.search(text):
        return text
    return _REFUSED.sub("", _LINE_BREAKS.sub("\n", text))


def clean_strings(value: T, *, keep: tuple[type, ...] = ()) -> T:
    """`value` with `office_text` applied to every string inside it.

    Walks dataclasses (rebuilt with `dataclasses.replace`), tuples, lists and dicts; instances
    of `keep` and other objects (dates, numbers, model objects) are returned as they are.
    """
    return _clean(value, keep)  # type: ignore[no-any-return]


def _clean(value: Any, keep: tuple[type, ...]) -> Any:
    if isinstance(value, str):
        return office_text(value)
    if keep and isinstance(value, keep):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            if not f.init:
                continue
            old = getattr(value, f.name)
            new = _clean(old, keep)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        items = tuple(_clean(v, keep) for v in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, list):
        return [_clean(v, keep) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v, keep) for k, v in value.items()}
    return value
