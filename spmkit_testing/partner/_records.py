"""The partner system's records: every version, and a sorted index for windowed reads.

A write creates a *version* of a key: its payload, ``updated_at`` (stamped by the
partner's clock) and ``visible_at`` (when a read can first see it, on the true clock).
A read at instant ``now`` sees, for each key, the newest version (by write order)
whose ``visible_at <= now``. Versions are indexed by ``(updated_at, key, seq)`` in a
sorted list, so a window read is a bisect plus a scan of the window only.
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["EXCLUSIVE_SINCE", "Bounds", "RecordIndex", "SourceRecord", "iso"]

#: Whether a read's ``since`` and ``until`` bounds are inclusive.
Bounds = tuple[bool, bool]
#: The engine's window: ``since < updated_at <= until``.
EXCLUSIVE_SINCE: Bounds = (False, True)


def iso(value: datetime) -> str:
    """``2024-01-01T00:00:00.000000Z``: UTC, microseconds, a ``Z`` (safe in URLs)."""
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True, eq=True, slots=True)
class SourceRecord:
    """One version of a partner record (ground truth, not what a read returns).

    ``version`` counts the writes of this key from 1; ``seq`` orders every write of the
    source. A tombstone (``deleted=True``) has an empty payload. ``created_at`` is the
    stamp of the write that created the key (again after a delete).
    """

    key: str
    payload: Mapping[str, Any] = field(hash=False)
    updated_at: datetime
    visible_at: datetime
    deleted: bool = False
    version: int = 1
    seq: int = 0
    created_at: datetime | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        gone = ", deleted=True" if self.deleted else ""
        late = "" if self.visible_at <= self.updated_at else f", visible_at={iso(self.visible_at)}"
        return (
            f"SourceRecord(key={self.key!r}, updated_at={iso(self.updated_at)}{late}{gone}, "
            f"version={self.version}, payload={dict(self.payload)!r})"
        )


_AFTER_ALL = sys.maxsize


class RecordIndex:
    """Every version of every key, sorted by ``(updated_at, key, seq)``."""

    def __init__(self) -> None:
        self._versions: dict[str, list[SourceRecord]] = {}
        self._order: list[tuple[datetime, str, int]] = []
        self._times: list[datetime] = []
        self._records: list[SourceRecord] = []
        self._log: list[SourceRecord] = []  # every version in write order
        self._seq = 0

    @property
    def writes(self) -> int:
        """How many versions were written (changes on every write)."""
        return self._seq

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def add(self, record: SourceRecord) -> None:
        entry = (record.updated_at, record.key, record.seq)
        pos = bisect.bisect_right(self._order, entry)
        self._order.insert(pos, entry)
        self._times.insert(pos, record.updated_at)
        self._records.insert(pos, record)
        self._versions.setdefault(record.key, []).append(record)
        self._log.append(record)

    def written_since(self, count: int) -> list[SourceRecord]:
        """The versions written after the first ``count`` ones, in write order (an
        observer that remembers :attr:`writes` sees each new version once)."""
        return self._log[count:]

    def latest(self, key: str) -> SourceRecord | None:
        versions = self._versions.get(key)
        return versions[-1] if versions else None

    def versions(self, key: str) -> list[SourceRecord]:
        return list(self._versions.get(key, ()))

    def key_list(self) -> list[str]:
        return list(self._versions)

    def visible(self, key: str, now: datetime) -> SourceRecord | None:
        """The version of ``key`` a read at ``now`` sees, if any."""
        for record in reversed(self._versions.get(key, ())):
            if record.visible_at <= now:
                return record
        return None

    def _is_current(self, record: SourceRecord, now: datetime) -> bool:
        """True when ``record`` (visible at ``now``) is what a read at ``now`` sees."""
        versions = self._versions[record.key]
        if versions[-1] is record:
            return True
        for other in reversed(versions):
            if other is record:
                return True
            if other.visible_at <= now:
                return False
        return False  # pragma: no cover - record always belongs to its key

    def _bounds(
        self,
        since: datetime | None,
        until: datetime | None,
        after: tuple[datetime, str] | None,
        bounds: Bounds = EXCLUSIVE_SINCE,
    ) -> tuple[int, int]:
        since_inclusive, until_inclusive = bounds
        times = self._times
        if since is None:
            lo = 0
        else:
            lo = (bisect.bisect_left if since_inclusive else bisect.bisect_right)(times, since)
        if after is not None:
            lo = max(lo, bisect.bisect_right(self._order, (after[0], after[1], _AFTER_ALL)))
        if until is None:
            hi = len(times)
        else:
            hi = (bisect.bisect_right if until_inclusive else bisect.bisect_left)(times, until)
        return lo, hi

    def scan(
        self,
        now: datetime,
        since: datetime | None,
        until: datetime | None,
        after: tuple[datetime, str] | None = None,
        bounds: Bounds = EXCLUSIVE_SINCE,
    ) -> Iterator[SourceRecord]:
        """Records a read at ``now`` sees with ``since < updated_at <= until`` (or the
        ``bounds`` given: whether each bound is inclusive), after ``after``.

        In ``(updated_at, key)`` order.
        """
        lo, hi = self._bounds(since, until, after, bounds)
        records = self._records
        for i in range(lo, hi):
            record = records[i]
            if record.visible_at <= now and self._is_current(record, now):
                yield record

    def scan_back(
        self,
        now: datetime,
        since: datetime | None,
        before: tuple[datetime, str] | None,
    ) -> Iterator[SourceRecord]:
        """Like :meth:`scan` but backwards from just before ``before`` (or the end)."""
        lo, _ = self._bounds(since, None, None)
        if before is None:
            hi = len(self._order)
        else:
            hi = bisect.bisect_left(self._order, (before[0], before[1], -1))
        records = self._records
        for i in range(hi - 1, lo - 1, -1):
            record = records[i]
            if record.visible_at <= now and self._is_current(record, now):
                yield record

    def __len__(self) -> int:
        return len(self._versions)
