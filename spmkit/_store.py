"""The store: cursors, runs, the dead-letter of rejected items, and key-value state.

:func:`open_store` opens one of two implementations that pass the same
conformance tests: SQLite (a file, WAL) and in-memory (``":memory:"``). Both stamp
every time they write with the **injected clock**, never the database's clock, so
backoff computed by the engine and timestamps written by the store agree (the JS
kit's 1.4.0 mixed SQLite's ``datetime('now')`` with the engine's clock).

The store is synchronous: every call is a short local operation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

__all__ = [
    "CursorState",
    "DeadLetter",
    "Lease",
    "NewDeadLetter",
    "RunRecord",
    "Store",
]

CursorStatus = Literal["ok", "error"]
RunStatus = Literal["running", "ok", "partial", "failed"]


@dataclass(frozen=True, slots=True)
class CursorState:
    """The persisted cursor of one step-source ``(entity, source_key)``.

    ``source_key`` is ``""`` for a global step. ``updated_at`` is the instant the row
    records, by the injected clock: the engine stamps it with the *start* of the
    step-run that wrote it, so after a failure backoff counts from when the failed
    run started, not from when its retries gave up.
    """

    entity: str
    source_key: str
    last_synced_at: datetime | None
    last_status: CursorStatus | None
    last_error: str | None
    items: int
    consecutive_failures: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Lease:
    """Who runs a step-source right now: ``owner`` (a worker id) until ``expires_at``.

    Taken with :meth:`Store.acquire_lease`; ``expires_at`` is on the store's (the
    injected) clock, so a lease left by a killed worker lapses on its own.
    """

    entity: str
    source_key: str
    owner: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One sync run: when it started and finished, its status and its summary (JSON-able)."""

    run_id: int
    mode: str
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    summary: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class NewDeadLetter:
    """A rejected item to dead-letter: what was refused, where, and why."""

    run_id: int
    entity: str
    source_key: str
    item_key: str | None
    payload: Any
    reason: str


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A stored rejected item (see :class:`NewDeadLetter`) with its id and creation time."""

    id: int
    run_id: int
    entity: str
    source_key: str
    item_key: str | None
    payload: Any
    reason: str
    created_at: datetime


@runtime_checkable
class Store(Protocol):
    """What the engine needs to persist. Implemented by the SQLite and in-memory stores."""

    # cursors
    def get_cursor(self, entity: str, source_key: str) -> CursorState | None: ...

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
        """Write a cursor row and return it as stored.

        A compare-and-set on the value, in one atomic step: unless ``allow_backwards``
        (a full backfill), a ``last_synced_at`` older than the stored one, or ``None``
        over a stored one, keeps the stored value while the rest of the row is written.
        So a worker whose step started earlier never moves a cursor back over a newer
        worker's advance. ``consecutive_failures=None`` keeps the stored count.

        Only the value is required: ``set_cursor("customers", "", last_synced_at=t)``
        seeds a cursor (``last_status=None`` is stored as null, as the JS kit does).
        ``at`` is the instant the row records, stored as ``updated_at`` (default: the
        store clock's now); the engine passes the start of the step-run.
        """
        ...

    def list_cursors(self) -> list[CursorState]: ...

    # run leases
    def acquire_lease(
        self, entity: str, source_key: str, *, owner: str, seconds: float
    ) -> Lease:
        """Take, or renew, the run lease of a step-source, atomically.

        ``owner`` gets the lease for ``seconds`` (from the store clock's now) when nobody
        holds it, when it already holds it, or when the holder's lease has expired. The
        lease is returned as it then stands: ``lease.owner == owner`` means acquired;
        any other owner is the worker running that step-source (until ``expires_at``).
        """
        ...

    def release_lease(self, entity: str, source_key: str, *, owner: str) -> None:
        """Drop the lease if ``owner`` still holds it (a lease taken over is left alone)."""
        ...

    # runs
    def start_run(self, mode: str) -> int: ...

    def finish_run(self, run_id: int, status: RunStatus, summary: dict[str, Any]) -> None: ...

    def get_run(self, run_id: int) -> RunRecord | None: ...

    def list_runs(self) -> list[RunRecord]: ...

    def purge_runs(self, *, before: datetime) -> int:
        """Delete the finished runs that started strictly before ``before``; how many.

        The retention of the run history (one row per sync run: a worker that ticks every
        minute writes half a million a year). A run still ``running`` is kept, and so are
        the dead-lettered items of a purged run (``purge_rejected`` is their retention).
        Run ids are never reused.
        """
        ...

    # dead-letter
    def add_rejected(self, items: Sequence[NewDeadLetter]) -> None: ...

    def list_rejected(
        self, *, run_id: int | None = None, entity: str | None = None, limit: int | None = 500
    ) -> list[DeadLetter]:
        """The dead-lettered items, oldest first: **at most ``limit``, 500 by default**.

        Pass ``limit=None`` for every row (``count_rejected`` says how many match).
        """
        ...

    def count_rejected(self, *, run_id: int | None = None, entity: str | None = None) -> int: ...

    def purge_rejected(self, *, before: datetime) -> int: ...

    # key-value state
    def get_state(self, key: str) -> str | None: ...

    def set_state(self, key: str, value: str) -> None: ...

    def delete_state(self, key: str) -> None: ...

    def close(self) -> None: ...
