"""The form renderer: Django's default, with the project's versions of some of its templates.

`FORM_RENDERER` points here. The engine is Django's own form engine (no context processors,
cached loader) that looks in `form_templates/` first; every template not overridden there is
Django's. An override must render the same markup as the template it replaces.
"""

from __future__ import annotations

from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.template.backends.base import BaseEngine
from django.utils.functional import cached_property

OVERRIDES = Path(__file__).parent / "form_templates"


class FormRenderer(DjangoTemplates):
    @cached_property
    def engine(self) -> BaseEngine:
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [OVERRIDES, Path(django.forms.__file__).parent / "templates"],
                "NAME": "djangoforms",
                "OPTIONS": {},
            }
        )
