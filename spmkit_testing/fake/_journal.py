"""The journal of the fake API: every request it saw and what it answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, SupportsIndex

from spmkit import json_loads

__all__ = ["Journal", "JournalEntry"]


@dataclass(frozen=True, slots=True, eq=False)
class JournalEntry:
    """One request and its answer, stamped with the fake's (simulated) clock.

    ``status`` is 0 when a fault rule turned the request into a network error (no
    answer); ``request_body`` is the parsed JSON (or the raw text, cut at 2,000
    characters, when it was not JSON; ``None`` for no body); ``fault`` is the repr of
    the fault rule that decided the answer, if any; ``delay`` the simulated latency.

    The entry keeps the request's bytes as they came, not the parsed body: a long
    backfill's journal holds each batch once, compactly. ``request_body`` parses them
    again on each read (a new value each time, so changing it changes nothing here).
    ``request`` is those bytes when ``request_is_json``, else the body itself (its text,
    ``None``, or a value given by hand); two entries are equal when their fields and
    parsed bodies are.

    For example::

        [e.status for e in fake.journal if e.path == "/v1/customers"]
    """

    seq: int
    at: datetime
    method: str
    path: str
    status: int
    request: Any
    response_body: Any
    fault: str | None = None
    delay: float = 0.0
    request_is_json: bool = False

    @property
    def request_body(self) -> Any:
        """The request's JSON body as the fake read it (or its text, or ``None``)."""
        raw = self.request
        if self.request_is_json and type(raw) is bytes:
            return json_loads(raw)
        return raw

    def without_timing(self) -> tuple[Any, ...]:
        """Everything but ``at`` and ``delay``: compare journals taken on different clocks."""
        return (
            self.seq,
            self.method,
            self.path,
            self.status,
            self.request_body,
            self.response_body,
            self.fault,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, JournalEntry):
            return NotImplemented
        return (self.without_timing(), self.at, self.delay) == (
            other.without_timing(), other.at, other.delay)

    def __hash__(self) -> int:
        return hash((self.without_timing(), self.at, self.delay))

    def __repr__(self) -> str:
        return (f"JournalEntry(seq={self.seq!r}, at={self.at!r}, method={self.method!r}, "
                f"path={self.path!r}, status={self.status!r}, "
                f"request_body={self.request_body!r}, response_body={self.response_body!r}, "
                f"fault={self.fault!r}, delay={self.delay!r})")


class Journal(list[JournalEntry]):
    """The fake's journal: its entries in order, at most the newest ``limit`` of them.

    ``limit=None`` (the default) keeps every entry. A bounded journal (a long soak)
    forgets its oldest entries a quarter of ``limit`` at a time; ``total`` still counts
    every request, and each entry's ``seq`` stays its number among all of them.
    """

    def __init__(self, limit: int | None = None) -> None:
        super().__init__()
        self.limit = limit
        self.dropped = 0

    @property
    def total(self) -> int:
        """How many requests were journaled, the forgotten ones included."""
        return self.dropped + len(self)

    def append(self, entry: JournalEntry, /) -> None:
        super().append(entry)
        limit = self.limit
        if limit is not None and len(self) >= limit + max(1, limit // 4):
            self.forget(len(self) - limit)

    def forget(self, count: SupportsIndex) -> None:
        """Drop the ``count`` oldest entries."""
        count = min(int(count), len(self))
        del self[:count]
        self.dropped += count
