"""The scoring context: what besides the answers decides which criteria apply (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Context:
    """What besides the answers decides which criteria apply: where and what the organisation is.

    `country` is an ISO 3166-1 alpha-2 code (None: not known); `services` maps service-profile
    ids to whether the organisation runs the service (a missing id: not stated). Nothing is
    excluded on a guess: an unknown country or an unstated service keeps the criterion.
    """

    country: str | None = None
    services: Mapping[str, bool] = field(default_factory=dict)

    def key(self) -> tuple[str | None, tuple[tuple[str, bool], ...]]:
        return (self.country, tuple(sorted(self.services.items())))


NO_CONTEXT = Context()

# Why a criterion is out of scope for a context (Result.out_of_scope values).
JURISDICTION, SERVICE = "jurisdiction", "service"
