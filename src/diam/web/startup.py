"""Starting the web application: a configuration mistake is one clear line, never a traceback.

The settings refuse to start (ImproperlyConfigured) with the development secret key in
production, a malformed boolean, and so on. `manage.py` and the WSGI entry point go through
`configured_or_exit`, which prints the settings' own message and exits with status 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

CONFIG_ERROR_EXIT = 2


def configured_or_exit(start: Callable[[], T]) -> T:
    from django.core.exceptions import ImproperlyConfigured

    try:
        return start()
    except ImproperlyConfigured as exc:
        print(f"diam cannot start: {exc}", file=sys.stderr)
        raise SystemExit(CONFIG_ERROR_EXIT) from None


def load_settings() -> None:
    """Import the settings module now (Django reads it lazily, deep inside other calls)."""
    from django.conf import settings

    settings.INSTALLED_APPS  # noqa: B018 - the attribute access imports the settings
