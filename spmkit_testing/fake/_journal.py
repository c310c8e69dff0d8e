"""The journal of the fake API: every request it saw and what it answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["JournalEntry"]


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One request and its answer, stamped with the fake's (simulated) clock.

    ``status`` is 0 when a fault rule turned the request into a network error (no
    answer); ``request_body`` is the parsed JSON (or the raw text, cut at 2,000
    characters, when it was not JSON; ``None`` for no body); ``fault`` is the repr of
    the fault rule that decided the answer, if any; ``delay`` the simulated latency.

    For example::

        [e.status for e in fake.journal if e.path == "/v1/customers"]
    """

    seq: int
    at: datetime
    method: str
    path: str
    status: int
    request_body: Any
    response_body: Any
    fault: str | None = None
    delay: float = 0.0

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
