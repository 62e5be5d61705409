"""Country names as people read them, and lists of countries in the order they expect.

django-countries gives the common names (`United Kingdom`, not the ISO 3166 long form);
`COUNTRIES_OVERRIDE` in settings mends the few that still read oddly (`Naoero`). Every list of
countries a page shows is sorted by the name displayed, in the active language, never by code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from django_countries import countries, sort_key

T = TypeVar("T")


def country_name(code: str) -> str:
    """A country's name for people ('Saudi Arabia'); the code itself when it is unknown."""
    return str(countries.name(code)) or code


def name_order(name: str) -> object:
    """The sort key of a displayed country name (accents and case do not decide the order:
    Åland Islands comes with the A's, Türkiye before Turkmenistan as in an atlas)."""
    return sort_key(("", name.casefold()))


def sorted_by_name(items: Iterable[T], *, name: Callable[[T], str]) -> list[T]:
    """`items` in the order of the country names they display."""
    return sorted(items, key=lambda item: name_order(name(item)))
