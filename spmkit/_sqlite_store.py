"""The SQLite store: one file, WAL journal, stdlib :mod:`sqlite3`.

Durability. Every public write is one transaction, so a crash of the process (even
``SIGKILL``) never leaves a half write: on reopen SQLite replays or drops the WAL tail,
and a cursor is always at a value some complete ``set_cursor`` wrote. (Why the journal
is WAL with ``synchronous=NORMAL``: where the file is opened, :mod:`spmkit._sqlite_schema`.)

Timestamps are stored as fixed-width ISO-8601 UTC text with microseconds and
``Z`` (``2026-03-01T12:00:00.000000Z``), stamped by the injected clock, never by
SQLite's ``datetime('now')`` (the JS kit's "two clocks" trap). Fixed width makes
text order time order, which ``purge_rejected`` relies on.

Threads: the connection is shared (``check_same_thread=False``) and every call
holds the store's lock, so one store may be used from several threads; several
processes may open the same file (writes wait up to
:data:`~spmkit._sqlite_schema.BUSY_TIMEOUT_S`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn, final

from spmkit._clock import Clock, ensure_aware_utc
from spmkit._errors import InvalidArgument, StoreError
from spmkit._sqlite_schema import hint, open_connection
from spmkit._sqlite_sql import (
    ACQUIRE_LEASE,
    ADD_REJECTED,
    COUNT_REJECTED,
    DELETE_STATE,
    FINISH_RUN,
    GET_CURSOR,
    GET_LEASE,
    GET_RUN,
    GET_STATE,
    LIST_CURSORS,
    LIST_REJECTED,
    LIST_RUNS,
    PURGE_REJECTED,
    PURGE_RUNS,
    RELEASE_LEASE,
    SET_CURSOR,
    SET_STATE,
    START_RUN,
)
from spmkit._step_source import StepSource
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
    from_iso,
    to_iso,
)
from spmkit._summary import SyncSummary

__all__ = ["SqliteStore"]

def _cursor_row(row: tuple[Any, ...]) -> CursorState:
    synced = row[2]
    return CursorState(
        row[0], row[1], None if synced is None else from_iso(synced), row[3], row[4], row[5],
        row[6], from_iso(row[7]),
    )


def _run_row(row: tuple[Any, ...]) -> RunRecord:
    finished, summary = row[4], row[5]
    return RunRecord(
        row[0], row[1], row[2], from_iso(row[3]),
        None if finished is None else from_iso(finished),
        None if summary is None else json.loads(summary),
    )


def _rejected_row(row: tuple[Any, ...]) -> DeadLetter:
    return DeadLetter(
        row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), row[6], from_iso(row[7])
    )


@final
class SqliteStore:
    """A :class:`~spmkit.Store` in one SQLite file, created on first open.

    For example::

        store = SqliteStore("state/spmkit.sqlite3", SystemClock())  # or open_store(path)
        try:
            ...
        finally:
            store.close()

    A path that cannot be opened (missing directory, a directory, no permission, a
    read-only file or directory) or a file that is not an spmkit store it can use
    (another application's database, a newer schema, tables missing) raises
    :class:`~spmkit.StoreError` naming the path and what to do, before anything is
    written to the file.
    """

    def __init__(self, path: str | os.PathLike[str], clock: Clock) -> None:
        if not isinstance(clock, Clock):
            raise InvalidArgument(
                f"Expected a Clock (with now() and async sleep()) for clock but got "
                f"clock={clock!r}: pass SystemClock() or a simulated clock."
            )
        self._clock = clock
        self._path = Path(path)
        self._lock = threading.Lock()
        self._closed = False
        self._conn = open_connection(self._path)

    def __repr__(self) -> str:
        return f"SqliteStore({str(self._path)!r}, clock={self._clock!r})"

    @property
    def clock(self) -> Clock:
        """The clock that stamps every write (the engine defaults to it)."""
        return self._clock

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    # transactions

    @contextmanager
    def _transaction(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One write transaction under the store's lock: committed, or rolled back and
        raised as a :class:`StoreError` saying what it was ``doing``."""
        with self._lock:
            if self._closed:
                self._closed_error()
            conn = self._conn
            started = time.monotonic()  # a file lock is waited for in real time
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                self._fail(exc, doing, waited=time.monotonic() - started)

    # errors

    def _fail(self, exc: sqlite3.Error, doing: str, *, waited: float | None = None) -> NoReturn:
        raise StoreError(
            f"The store at {str(self._path)!r} could not {doing}: {exc}; {hint(exc, waited)}."
        ) from exc

    def _closed_error(self) -> NoReturn:
        raise StoreError(
            f"The store at {str(self._path)!r} is closed: open it again with "
            f"open_store({str(self._path)!r}, clock=...)."
        )

    # cursors

    def get_cursor(self, entity: str, source_key: str) -> CursorState | None:
        with self._lock:
            if self._closed:
                self._closed_error()
            try:
                rows = self._conn.execute(GET_CURSOR, (entity, source_key)).fetchall()
            except sqlite3.Error as exc:
                self._fail(exc, f"read the cursor of {StepSource(entity, source_key)}")
        return _cursor_row(rows[0]) if rows else None

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
        synced = check_cursor_args(
            entity, source_key, last_synced_at, last_status, items, consecutive_failures,
            allow_backwards,
        )
        now = clock_now(self._clock) if at is None else ensure_aware_utc(at, "at")
        params = {
            "entity": entity,
            "source_key": source_key,
            "synced": None if synced is None else to_iso(synced),
            "status": last_status,
            "error": last_error,
            "items": items,
            "failures": consecutive_failures,
            "now": to_iso(now),
            "backwards": allow_backwards,
        }
        with self._lock:
            if self._closed:
                self._closed_error()
            try:
                # fetchall steps the statement to its end, which commits it.
                stored, failures = self._conn.execute(SET_CURSOR, params).fetchall()[0]
            except sqlite3.Error as exc:
                self._fail(exc, f"write the cursor of {StepSource(entity, source_key)}")
        if stored != params["synced"]:
            synced = None if stored is None else from_iso(stored)
        return CursorState(
            entity, source_key, synced, last_status, last_error, items, failures, now
        )

    def list_cursors(self) -> list[CursorState]:
        with self._lock:
            if self._closed:
                self._closed_error()
            try:
                rows = self._conn.execute(LIST_CURSORS).fetchall()
            except sqlite3.Error as exc:
                self._fail(exc, "list the cursors")
        return [_cursor_row(row) for row in rows]

    # run leases

    def acquire_lease(
        self, entity: str, source_key: str, *, owner: str, seconds: float
    ) -> Lease:
        """Take or renew a step-source's run lease (see :meth:`spmkit.Store.acquire_lease`)."""
        check_lease_args(entity, source_key, owner, seconds)
        now = clock_now(self._clock)
        params = {"entity": entity, "source_key": source_key, "owner": owner,
                  "expires": to_iso(now + timedelta(seconds=seconds)), "now": to_iso(now)}
        with self._transaction(f"take the run lease of {StepSource(entity, source_key)}") as conn:
            conn.execute(ACQUIRE_LEASE, params)
            holder, expires = conn.execute(GET_LEASE, (entity, source_key)).fetchone()
        return Lease(entity, source_key, holder, from_iso(expires))

    def release_lease(self, entity: str, source_key: str, *, owner: str) -> None:
        """Drop the lease if ``owner`` still holds it."""
        check_lease_args(entity, source_key, owner, None)
        with self._lock:
            if self._closed:
                self._closed_error()
            try:
                self._conn.execute(RELEASE_LEASE, (entity, source_key, owner))
            except sqlite3.Error as exc:
                self._fail(exc, f"release the run lease of {StepSource(entity, source_key)}")

    # runs

    def start_run(self, mode: str) -> int:
        if type(mode) is not str:
            raise InvalidArgument(f"Expected a str for mode but got mode={mode!r}.")
        now = to_iso(clock_now(self._clock))
        with self._lock:
            if self._closed:
                self._closed_error()
            try:
                run_id = self._conn.execute(START_RUN, (mode, now)).lastrowid
            except sqlite3.Error as exc:
                self._fail(exc, "start a run")
        assert run_id is not None
        return run_id

    def finish_run(self, run_id: int, status: RunStatus,
                   summary: dict[str, Any] | SyncSummary) -> None:
        """Record the end of a run: ``summary`` is a JSON-ready dict or the run's
        :class:`SyncSummary`, stored as JSON."""
        if isinstance(summary, SyncSummary):
            summary = summary.to_dict()
        if status not in FINISH_STATUSES:
            raise InvalidArgument(
                f"Cannot finish run {run_id} with status={status!r}: use 'ok', 'partial' "
                f"or 'failed'."
            )
        summary_json = encode_summary(run_id, summary)
        now = to_iso(clock_now(self._clock))
        with self._lock:
            if self._closed:
                self._closed_error()
            try:
                changed = self._conn.execute(
                    FINISH_RUN, (status, now, summary_json, run_id)
                ).rowcount
            except sqlite3.Error as exc:
                self._fail(exc, f"finish run {run_id}")
        if changed == 0:
            raise StoreError(
                f"Cannot finish run {run_id!r}: no such run in the store at "
                f"{str(self._path)!r} (use the id that start_run returned)."
            )

    def get_run(self, run_id: int) -> RunRecord | None:
        with self._lock:
            if self._closed:
                self._closed_error()
            try:
                rows = self._conn.execute(GET_RUN, (run_id,)).fetchall()
            except sqlite3.Error as exc:
                self._fail(exc, f"read run {run_id}")
        return _run_row(rows[0]) if rows else None

    def list_runs(self) -> list[RunRecord]:
        with self._lock:
            if self._closed:
                self._closed_error()
            try:
                rows = self._conn.execute(LIST_RUNS).fetchall()
            except sqlite3.Error as exc:
                self._fail(exc, "list the runs")
        return [_run_row(row) for row in rows]

    def purge_runs(self, *, before: datetime) -> int:
        """Delete the finished runs started before ``before`` (see ``Store.purge_runs``)."""
        return self._purge(PURGE_RUNS, before, "purge runs")

    def _purge(self, sql: str, before: datetime, doing: str) -> int:
        cutoff = to_iso(ensure_aware_utc(before, "before"))
        with self._lock:
            if self._closed:
                self._closed_error()
            try:
                return self._conn.execute(sql, (cutoff,)).rowcount
            except sqlite3.Error as exc:
                self._fail(exc, doing)

    # dead-letter

    def add_rejected(self, items: Sequence[NewDeadLetter]) -> None:
        if not items:
            return
        now = to_iso(clock_now(self._clock))
        rows = []
        for index, item in enumerate(items):
            if not isinstance(item, NewDeadLetter):
                raise InvalidArgument(
                    f"add_rejected expects NewDeadLetter items but items[{index}] is "
                    f"{type(item).__name__}: {item!r:.200}."
                )
            rows.append((
                item.run_id, item.entity, item.source_key, item.item_key,
                encode_payload(item.payload), item.reason, now,
            ))
        with self._transaction(f"store {len(rows)} rejected item(s)") as conn:
            conn.executemany(ADD_REJECTED, rows)

    def list_rejected(
        self, *, run_id: int | None = None, entity: str | None = None, limit: int | None = 500
    ) -> list[DeadLetter]:
        """Dead-lettered items, oldest first: at most ``limit`` (500 by default; None: all)."""
        check_filters(run_id, entity, limit)
        sql = LIST_REJECTED[run_id is not None, entity is not None]
        # SQLite reads a negative LIMIT as "no limit".
        params = {"run_id": run_id, "entity": entity, "limit": -1 if limit is None else limit}
        with self._lock:
            if self._closed:
                self._closed_error()
            try:
                rows = self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                self._fail(exc, "list rejected items")
        return [_rejected_row(row) for row in rows]

    def count_rejected(self, *, run_id: int | None = None, entity: str | None = None) -> int:
        check_filters(run_id, entity)
        sql = COUNT_REJECTED[run_id is not None, entity is not None]
        with self._lock:
            if self._closed:
                self._closed_error()
            try:
                count: int = self._conn.execute(
                    sql, {"run_id": run_id, "entity": entity}
                ).fetchone()[0]
            except sqlite3.Error as exc:
                self._fail(exc, "count rejected items")
        return count

    def purge_rejected(self, *, before: datetime) -> int:
        return self._purge(PURGE_REJECTED, before, "purge rejected items")

    # key-value state

    def get_state(self, key: str) -> str | None:
        check_state_key(key)
        with self._lock:
            if self._closed:
                self._closed_error()
            try:
                rows = self._conn.execute(GET_STATE, (key,)).fetchall()
            except sqlite3.Error as exc:
                self._fail(exc, f"read state {key!r}")
        return str(rows[0][0]) if rows else None

    def set_state(self, key: str, value: str) -> None:
        check_state_key(key)
        check_state_value(key, value)
        with self._lock:
            if self._closed:
                self._closed_error()
            try:
                self._conn.execute(SET_STATE, (key, value))
            except sqlite3.Error as exc:
                self._fail(exc, f"write state {key!r}")

    def delete_state(self, key: str) -> None:
        check_state_key(key)
        with self._lock:
            if self._closed:
                self._closed_error()
            try:
                self._conn.execute(DELETE_STATE, (key,))
            except sqlite3.Error as exc:
                self._fail(exc, f"delete state {key!r}")

    def close(self) -> None:
        """Close the connection; further calls raise :class:`StoreError`. Idempotent."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()
