"""What the oracle reads of a simulated world (:class:`Ground`), and one stream-source of it
with its records (:class:`Binding`).

Ground truth is the partner's records (every version, with when it became readable),
what the fake ShopiMind API holds, and the store. The oracle reads them through this
protocol only: it is built from a wired world, never from a half-built simulation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from spmkit import CursorState, StepSource, Store
from spmkit_testing.adapter import Adapter, Stream
from spmkit_testing.clock import SimClock
from spmkit_testing.fake import FakeShopimind
from spmkit_testing.partner import FakeSource, Partner, SourceRecord

__all__ = ["Binding", "Ground", "bindings", "followed", "readable", "rows"]


class Ground(Protocol):
    """The world as the oracle sees it (a :class:`~spmkit_testing.Simulation` is one)."""

    @property
    def partner(self) -> Partner: ...

    @property
    def adapter(self) -> Adapter: ...

    @property
    def fake(self) -> FakeShopimind: ...

    @property
    def db(self) -> Store: ...

    @property
    def clock(self) -> SimClock: ...

    @property
    def overlap_seconds(self) -> float: ...

    @property
    def backfill_days(self) -> float: ...

    @property
    def provisioned(self) -> Any: ...

    def policy(self, entity: str) -> bool | float:
        """The reject policy of the integration's step ``entity``."""
        ...


@dataclass(frozen=True, slots=True)
class Binding:
    """One stream-source of the world: its stream, its source key and its records."""

    stream: Stream
    source: str
    data: FakeSource

    @property
    def key(self) -> tuple[str, str]:
        return (self.stream.name, self.source)

    @property
    def where(self) -> str:
        """Its step-source in the one spelling (``orders@store-1``)."""
        return str(StepSource(self.stream.name, self.source))

    def followed(self, record: SourceRecord) -> bool:
        """Whether the oracle follows ``record``: a live one, or a deletion the stream
        syncs (``Stream(deleted_as=...)``)."""
        return not record.deleted or self.stream.follows_deletes


def followed(binding: Binding) -> list[SourceRecord]:
    """The newest version of every record of ``binding`` the oracle follows."""
    return binding.data.records(include_deleted=binding.stream.follows_deletes)


def bindings(ground: Ground) -> Iterator[Binding]:
    """Every stream-source the partner has, with its records."""
    for stream_name, source, data in ground.partner:
        yield Binding(ground.adapter.stream(stream_name), source, data)


def rows(ground: Ground) -> dict[tuple[str, str], CursorState]:
    """The store's cursor rows by ``(entity, source key)``."""
    return {(c.entity, c.source_key): c for c in ground.db.list_cursors()}


def readable(ground: Ground, record: SourceRecord, now: datetime) -> bool:
    """Whether a read at ``now`` sees ``record``: as the partner reads, what was readable at
    the latest instant the clock reached stays readable after it steps back."""
    return record.visible_at <= max(now, ground.clock.latest)
