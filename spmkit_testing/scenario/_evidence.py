"""What a run leaves behind for expectations to look at: :class:`Evidence`, a view of the
Simulation after its timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

__all__ = ["Evidence"]


class Evidence:
    """What a run leaves behind for expectations to look at (a view of the Simulation)."""

    def __init__(self, sim: Any, start: datetime, reported: set[str],
                 undelivered: Sequence[str]) -> None:
        self.sim = sim
        self.start = start
        self.reported = reported
        self.undelivered = list(undelivered)
        self.trace = sim.trace
        self.cursors = sim.history
        self.fake = sim.fake
        self.store = sim.db
        self.webhooks = sim.webhooks
        self.journal_marks = sim.journal_marks

    def pair(self, source: str) -> tuple[str, str]:
        """``"per-source@store-1"`` -> ``("orders", "store-1")``, through the adapter."""
        name, _, key = source.partition("@")
        return self.sim.adapter.stream(name).name, key

    def sources(self) -> set[tuple[str, str]]:
        """Every step-source the run reported or holds a cursor for."""
        pairs = {(s.entity, s.source_key) for t in self.trace for s in t.steps}
        return pairs | {k for snapshot in self.cursors for k in snapshot}

    def unknown_source(self, source: str) -> str | None:
        """Why an expectation about ``source`` would hold vacuously, or ``None``."""
        if self.pair(source) in self.sources():
            return None
        known = ", ".join(sorted(e + (f"@{k}" if k else "") for e, k in self.sources()))
        return (f"no step-source {source!r} ran or holds a cursor in this run, so this would "
                f"hold vacuously (known: {known or 'none'})")

    def tick(self, index: int) -> Any:
        if not 1 <= index <= len(self.trace):
            return None
        return self.trace[index - 1]

    def step(self, index: int, source: str) -> Any:
        t = self.tick(index)
        if t is None:
            return None
        entity, key = self.pair(source)
        for s in t.steps:
            if s.entity == entity and s.source_key == key:
                return s
        return None

    def cursor(self, index: int, source: str) -> datetime | None:
        value: datetime | None = self.cursors[index].get(self.pair(source))
        return value

    def items(self, stream: str, keys: Sequence[str]) -> tuple[str, list[str]]:
        """The resource of ``stream`` and the item keys of its records ``keys``."""
        found, source = self.sim.resolve(stream)
        if found.per_source and not source:
            source = self.sim.partner.sources[0]
        return found.resource, [found.key_of(k, source) for k in keys]

    def partner_keys(self, stream: str) -> set[str]:
        """Every record key the partner ever had in ``stream`` (any source when unqualified)."""
        found, source = self.sim.resolve(stream)
        out: set[str] = set()
        for name, key, data in self.sim.partner:
            if name == found.name and (not source or key == source):
                out |= {r.key for r in data.records(include_deleted=True)}
        return out

    def no_tick(self, index: int) -> str:
        return f"there is no tick {index} (the timeline ran {len(self.trace)} tick(s))"
