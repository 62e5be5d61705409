"""The development outbox: in development (`make run`, DEBUG on) e-mails are written as files
under the data directory and listed at /dev/outbox/, so a newcomer finds the invitation and
password-reset links the site "sent". Never part of production settings (docs/configuration.md).

One `.eml` file per message (Django's file backend appends a connection's messages to one log
file, which is harder to list newest first).
"""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.message import EmailMessage as ParsedMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

# The newest this many messages are listed; older files stay on disk.
OUTBOX_LIMIT = 200


class OutboxBackend(BaseEmailBackend):
    """Writes each message to `EMAIL_FILE_PATH/<time>-<random>.eml` (the data dir's mail/)."""

    def __init__(self, *args: Any, file_path: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
            path = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            path.write_bytes(message.message().as_bytes())
            sent += 1
        return sent


@dataclass(frozen=True)
class OutboxMessage:
    name: str  # the file's name, the message's stable id on the page
    to: str
    subject: str
    sent_at: datetime | None
    body: str  # the plain-text part (every e-mail of the site has one)


def _plain_body(message: ParsedMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    content = part.get_content()
    return content if isinstance(content, str) else ""


def _read(path: Path) -> OutboxMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, ParsedMessage)
    try:
        sent_at = parsedate_to_datetime(str(parsed["Date"])) if parsed["Date"] else None
    except (TypeError, ValueError):
        sent_at = None
    return OutboxMessage(
        name=path.name,
        to=str(parsed["To"] or ""),
        subject=str(parsed["Subject"] or ""),
        sent_at=sent_at,
        body=_plain_body(parsed),
    )


def outbox_list(directory: Path | None = None, *, limit: int = OUTBOX_LIMIT) -> list[OutboxMessage]:
    """The messages in the outbox directory, newest first (file names start with the time)."""
    folder = Path(directory or settings.EMAIL_FILE_PATH)
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.eml"), key=lambda p: p.name, reverse=True)[:limit]
    return [_read(p) for p in files]


def with_links_to(message: OutboxMessage, *, site: str, here: str) -> OutboxMessage:
    """The message with links to `site` (the configured site URL) pointing to `here` instead."""
    pattern = re.compile(re.escape(site) + r"(?=[/\s]|$)")
    return replace(message, body=pattern.sub(here, message.body))
