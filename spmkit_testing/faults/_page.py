"""A page of partner records, and what a page effect sees of the read that served it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

__all__ = ["Page", "PageRead"]


@dataclass(frozen=True, slots=True)
class Page:
    """What one read of a stream-source returns: ``records`` (``None`` for a null page),
    ``error`` for an error object instead of a page, whether ``more`` follow, and
    ``last``, the ``(updated_at, key)`` the page ends at (before a fault reordered it)."""

    records: list[Any] | None
    more: bool
    last: tuple[datetime, str] | None = None
    error: bool = False


class PageRead(Protocol):
    """The read a page effect reshapes: the partner's seeded randomness and the records
    served just before the page in the same read."""

    @property
    def rng(self) -> random.Random:
        """The partner's seeded random numbers."""
        ...

    def earlier(self, count: int) -> list[Any]:
        """Up to ``count`` records served just before this page, in read order (a first
        page: none)."""
        ...
