"""The in-memory store: plain dicts and lists, for tests, simulations and one-off runs.

It passes the same conformance tests as the SQLite store, including the JSON
round-trip of run summaries and dead-letter payloads, so code that works against
it works against a file. It keeps nothing after the process ends. The engine's own
run summary (an immutable :class:`SyncSummary`) is kept as it is and written as a dict
only when the run is read (writing it was a quarter of the cost of a run that finds
nothing new).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, final

from spmkit._clock import Clock, ensure_aware_utc
from spmkit._errors import InvalidArgument, StoreError
from spmkit._store import (
    CursorState,
    CursorStatus,
    DeadLetter,
    Lease,
    NewDeadLetter,
    RunRecord,
    RunStatus,
)
from spmkit._store_codec import (
    FINISH_STATUSES,
    check_cursor_args,
    check_filters,
    check_lease_args,
    check_state_key,
    check_state_value,
    clock_now,
    encode_payload,
    encode_summary,
)
from spmkit._summary import SyncSummary

__all__ = ["MemoryStore"]


class _Run:
    """A mutable run row. A summary given as a dict is kept as JSON text and parsed on
    read; the engine's own :class:`SyncSummary` is immutable, so it is kept as it is and
    read as its ``to_dict()``: a run then costs no dict and no JSON until it is read."""

    __slots__ = ("finished_at", "mode", "started_at", "status", "summary")

    def __init__(self, mode: str, started_at: datetime) -> None:
        self.mode = mode
        self.status: RunStatus = "running"
        self.started_at = started_at
        self.finished_at: datetime | None = None
        self.summary: str | SyncSummary | None = None

    def record(self, run_id: int) -> RunRecord:
        kept = self.summary
        summary = (None if kept is None else json.loads(kept) if isinstance(kept, str)
                   else kept.to_dict())
        return RunRecord(
            run_id, self.mode, self.status, self.started_at, self.finished_at, summary
        )


class _Rejected:
    __slots__ = ("created_at", "entity", "id", "item_key", "payload_json", "reason", "run_id",
                 "source_key")

    def __init__(self, id: int, item: NewDeadLetter, payload_json: str, created_at: datetime):
        self.id = id
        self.run_id = item.run_id
        self.entity = item.entity
        self.source_key = item.source_key
        self.item_key = item.item_key
        self.payload_json = payload_json
        self.reason = item.reason
        self.created_at = created_at

    def record(self) -> DeadLetter:
        return DeadLetter(
            self.id, self.run_id, self.entity, self.source_key, self.item_key,
            json.loads(self.payload_json), self.reason, self.created_at,
        )


@final
class MemoryStore:
    """A :class:`~spmkit.Store` in process memory, stamped by the injected clock.

    For example::

        store = MemoryStore(SystemClock())      # or open_store(":memory:")
        run_id = store.start_run("incremental")

    Every call is a few dict operations, so it adds next to nothing to an engine
    tick. It is meant for one thread (or one event loop); it holds no lock: concurrent
    asyncio tasks are safe (no call awaits, so each one is atomic), threads are not.
    """

    def __init__(self, clock: Clock) -> None:
        if not isinstance(clock, Clock):
            raise InvalidArgument(
                f"Expected a Clock (with now() and async sleep()) for clock but got "
                f"clock={clock!r}: pass SystemClock() or a simulated clock."
            )
        self._clock = clock
        self._closed = False
        self._cursors: dict[tuple[str, str], CursorState] = {}
        self._leases: dict[tuple[str, str], Lease] = {}
        self._runs: dict[int, _Run] = {}
        self._last_run_id = 0
        self._rejected: list[_Rejected] = []
        self._next_rejected_id = 1
        self._state: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"MemoryStore(clock={self._clock!r})"

    @property
    def clock(self) -> Clock:
        """The clock that stamps every write (the engine defaults to it)."""
        return self._clock

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(
                "This MemoryStore is closed (':memory:'); open a new one with "
                "open_store(':memory:', clock=...)."
            )

    # cursors

    def get_cursor(self, entity: str, source_key: str) -> CursorState | None:
        if self._closed:
            self._check_open()
        return self._cursors.get((entity, source_key))

    def set_cursor(
        self,
        entity: str,
        source_key: str,
        *,
        last_synced_at: datetime | None,
        last_status: CursorStatus | None = None,
        last_error: str | None = None,
        items: int = 0,
        consecutive_failures: int | None = None,
        allow_backwards: bool = False,
        at: datetime | None = None,
    ) -> CursorState:
        """Write a cursor row and return it as stored (see :meth:`spmkit.Store.set_cursor`)."""
        if self._closed:
            self._check_open()
        synced = check_cursor_args(
            entity, source_key, last_synced_at, last_status, items, consecutive_failures,
            allow_backwards,
        )
        key = (entity, source_key)
        old = self._cursors.get(key)
        if consecutive_failures is None:
            consecutive_failures = 0 if old is None else old.consecutive_failures
        # The compare-and-set (no await between the read and the write, so concurrent tasks
        # cannot interleave): an older value, or None, never replaces a newer one.
        kept = None if old is None else old.last_synced_at
        if not allow_backwards and kept is not None and (synced is None or synced < kept):
            synced = kept
        row = CursorState(
            entity, source_key, synced, last_status, last_error, items,
            consecutive_failures,
            clock_now(self._clock) if at is None else ensure_aware_utc(at, "at"),
        )
        self._cursors[key] = row
        return row

    def list_cursors(self) -> list[CursorState]:
        self._check_open()
        return [self._cursors[key] for key in sorted(self._cursors)]

    # run leases

    def acquire_lease(
        self, entity: str, source_key: str, *, owner: str, seconds: float
    ) -> Lease:
        """Take or renew a step-source's run lease (see :meth:`spmkit.Store.acquire_lease`)."""
        self._check_open()
        check_lease_args(entity, source_key, owner, seconds)
        now = clock_now(self._clock)
        key = (entity, source_key)
        held = self._leases.get(key)
        if held is not None and held.owner != owner and held.expires_at > now:
            return held
        lease = Lease(entity, source_key, owner, now + timedelta(seconds=seconds))
        self._leases[key] = lease
        return lease

    def release_lease(self, entity: str, source_key: str, *, owner: str) -> None:
        """Drop the lease if ``owner`` still holds it."""
        self._check_open()
        check_lease_args(entity, source_key, owner, None)
        key = (entity, source_key)
        held = self._leases.get(key)
        if held is not None and held.owner == owner:
            del self._leases[key]

    # runs

    def start_run(self, mode: str) -> int:
        if self._closed:
            self._check_open()
        if type(mode) is not str:
            raise InvalidArgument(f"Expected a str for mode but got mode={mode!r}.")
        self._last_run_id += 1  # never reused, even after a purge
        run_id = self._last_run_id
        self._runs[run_id] = _Run(mode, clock_now(self._clock))
        return run_id

    def finish_run(self, run_id: int, status: RunStatus,
                   summary: dict[str, Any] | SyncSummary) -> None:
        """Record the end of a run: ``summary`` is a JSON-ready dict (kept as JSON), or the
        run's :class:`SyncSummary` (kept as it is, read back as its ``to_dict()``)."""
        if self._closed:
            self._check_open()
        run = self._runs.get(run_id)
        if run is None:
            raise StoreError(
                f"Cannot finish run {run_id!r}: no such run in this MemoryStore "
                f"(use the id that start_run returned)."
            )
        if status not in FINISH_STATUSES:
            raise InvalidArgument(
                f"Cannot finish run {run_id} with status={status!r}: use 'ok', 'partial' "
                f"or 'failed'."
            )
        kept = summary if isinstance(summary, SyncSummary) else encode_summary(run_id, summary)
        run.status = status
        run.finished_at = clock_now(self._clock)
        run.summary = kept

    def get_run(self, run_id: int) -> RunRecord | None:
        self._check_open()
        run = self._runs.get(run_id)
        return None if run is None else run.record(run_id)

    def list_runs(self) -> list[RunRecord]:
        self._check_open()
        return [run.record(run_id) for run_id, run in self._runs.items()]

    def purge_runs(self, *, before: datetime) -> int:
        """Delete the finished runs started before ``before`` (see ``Store.purge_runs``)."""
        self._check_open()
        cutoff = ensure_aware_utc(before, "before")
        gone = [run_id for run_id, run in self._runs.items()
                if run.status != "running" and run.started_at < cutoff]
        for run_id in gone:
            del self._runs[run_id]
        return len(gone)

    # dead-letter

    def add_rejected(self, items: Sequence[NewDeadLetter]) -> None:
        self._check_open()
        if not items:
            return
        now = clock_now(self._clock)
        # Encode everything first: one bad item must not leave half a batch stored.
        encoded = []
        for index, item in enumerate(items):
            if not isinstance(item, NewDeadLetter):
                raise InvalidArgument(
                    f"add_rejected expects NewDeadLetter items but items[{index}] is "
                    f"{type(item).__name__}: {item!r:.200}."
                )
            encoded.append((item, encode_payload(item.payload)))
        for item, payload_json in encoded:
            self._rejected.append(_Rejected(self._next_rejected_id, item, payload_json, now))
            self._next_rejected_id += 1

    def _matching(self, run_id: int | None, entity: str | None) -> list[_Rejected]:
        return [
            row
            for row in self._rejected
            if (run_id is None or row.run_id == run_id)
            and (entity is None or row.entity == entity)
        ]

    def list_rejected(
        self, *, run_id: int | None = None, entity: str | None = None, limit: int | None = 500
    ) -> list[DeadLetter]:
        """Dead-lettered items, oldest first: at most ``limit`` (500 by default; None: all)."""
        self._check_open()
        check_filters(run_id, entity, limit)
        return [row.record() for row in self._matching(run_id, entity)[:limit]]

    def count_rejected(self, *, run_id: int | None = None, entity: str | None = None) -> int:
        self._check_open()
        check_filters(run_id, entity)
        return len(self._matching(run_id, entity))

    def purge_rejected(self, *, before: datetime) -> int:
        self._check_open()
        cutoff = ensure_aware_utc(before, "before")
        kept = [row for row in self._rejected if row.created_at >= cutoff]
        purged = len(self._rejected) - len(kept)
        self._rejected = kept
        return purged

    # key-value state

    def get_state(self, key: str) -> str | None:
        self._check_open()
        check_state_key(key)
        return self._state.get(key)

    def set_state(self, key: str, value: str) -> None:
        self._check_open()
        check_state_key(key)
        check_state_value(key, value)
        self._state[key] = value

    def delete_state(self, key: str) -> None:
        self._check_open()
        check_state_key(key)
        self._state.pop(key, None)

    def close(self) -> None:
        """Mark the store closed; further calls raise :class:`StoreError`. Idempotent."""
        self._closed = True
