"""`{{ code|country_name }}`: a country code as the name people read."""

from __future__ import annotations

from django import template

from diam.web.core.countries import country_name as _country_name

register = template.Library()


@register.filter
def country_name(code: object) -> str:
    return _country_name(str(getattr(code, "code", code) or "")) if code else ""
