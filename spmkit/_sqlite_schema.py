"""Opening an SQLite store file: its schema, the migrations between versions, and the
checks that refuse a file before anything is written to it.

:func:`open_connection` refuses a directory, a missing or read-only directory, a
read-only file, another application's database, a newer schema, a store with tables
missing or a damaged page, each with a :class:`~spmkit.StoreError` naming the path and
what to do, and leaves the file and its folder as they were; then it creates or migrates
the file to :data:`SCHEMA_VERSION` and sets the journal.

Several processes may open the same new file at once. The schema version and the table
list are read in one transaction (one snapshot: never another process's half-done
setup), creating or migrating re-reads them under the write lock (``BEGIN IMMEDIATE``),
and switching the journal to WAL, which SQLite refuses at once rather than wait while
another connection reads, is retried until :data:`BUSY_TIMEOUT_S`. A lock error says how
long the open waited.

Durability. The journal is WAL with ``synchronous=NORMAL``. What NORMAL gives up against
FULL is only the last few commits on an **OS crash or power loss**: the file stays
consistent, but it may come back as of slightly earlier. For spmkit that is the safe
direction: a cursor that rolls back only makes the next run re-read a window (pushes are
idempotent upserts by natural key); it never makes one skipped. FULL would add an fsync
to every commit, several times the cost of a tick, for no gain in that rule.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from spmkit._errors import StoreError

T = TypeVar("T")

__all__ = ["BUSY_TIMEOUT_S", "MIGRATIONS", "SCHEMA_VERSION", "hint", "open_connection"]

SCHEMA_VERSION = 2
BUSY_TIMEOUT_S = 5.0

_SCHEMA = (
    """CREATE TABLE cursors (
        entity TEXT NOT NULL,
        source_key TEXT NOT NULL,
        last_synced_at TEXT,
        last_status TEXT,
        last_error TEXT,
        items INTEGER NOT NULL,
        consecutive_failures INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (entity, source_key)
    ) WITHOUT ROWID""",
    """CREATE TABLE runs (
        run_id INTEGER PRIMARY KEY AUTOINCREMENT,
        mode TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        summary TEXT
    )""",
    """CREATE TABLE rejected_items (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL,
        entity TEXT NOT NULL,
        source_key TEXT NOT NULL,
        item_key TEXT,
        payload TEXT NOT NULL,
        reason TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX rejected_items_run ON rejected_items (run_id)",
    "CREATE INDEX rejected_items_entity ON rejected_items (entity)",
    "CREATE INDEX rejected_items_created ON rejected_items (created_at)",
    """CREATE TABLE state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID""",
)
# What each schema version adds to the one before: version 2, the run leases.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: _SCHEMA,
    2: ("""CREATE TABLE leases (
        entity TEXT NOT NULL,
        source_key TEXT NOT NULL,
        owner TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        PRIMARY KEY (entity, source_key)
    ) WITHOUT ROWID""",),
}
_TABLES_OF_VERSION = {
    1: frozenset({"cursors", "runs", "rejected_items", "state"}),
    2: frozenset({"cursors", "runs", "rejected_items", "state", "leases"}),
}


def hint(exc: sqlite3.Error, waited: float | None = None) -> str:
    """What to do about an SQLite error, for the end of a :class:`~spmkit.StoreError`;
    ``waited``: how long the failed call waited, in seconds, when it was measured."""
    text = str(exc).lower()
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (
            "the file is not an SQLite database or is corrupt: move it aside (keep it for "
            "inspection) and open the path again to start a new store, or restore a backup"
        )
    if "locked" in text or "busy" in text:
        waiting = ("" if waited is None else
                   f" (this call gave up after waiting {waited:.2f} s; SQLite waits up to "
                   f"{BUSY_TIMEOUT_S:g} s for a lock)")
        return (
            f"another connection was holding the database{waiting}: check for a stuck "
            f"process using the same file"
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return (
            "check that the file and its directory exist and are readable and writable by "
            "this user (SQLite also writes '-wal' and '-shm' files next to it)"
        )
    return "check the file and its directory, or open a new path"


def open_connection(path: Path) -> sqlite3.Connection:
    """Open (creating, or migrating to :data:`SCHEMA_VERSION`) the store file at ``path``,
    or raise a :class:`~spmkit.StoreError` saying why and what to do. Everything that can
    refuse the file runs before anything is written to it."""
    if path.is_dir():
        raise StoreError(
            f"Cannot open the store at {str(path)!r}: it is a directory. Pass a file path, "
            f"for example {str(path / 'spmkit.sqlite3')!r}."
        )
    parent = path.parent
    if not parent.is_dir():
        raise StoreError(
            f"Cannot open the store at {str(path)!r}: the directory {str(parent)!r} does "
            f"not exist. Create it first (os.makedirs) or choose another path."
        )
    _check_directory_writable(path)
    # Before connecting: reading a WAL store creates its '-wal' and '-shm' files.
    _check_writable(path)
    beside = _beside(path)
    started = time.monotonic()  # a file lock is waited for in real time, not simulated
    try:
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise StoreError(
            f"Cannot open the store at {str(path)!r}: {exc}; {hint(exc)}."
        ) from exc
    try:
        # Everything that can refuse the file runs first and only reads: a refused
        # file (another application's, a newer schema, a damaged one) is left as it was.
        version = _read(conn, lambda: _inspect(conn, path))
        _read(conn, lambda: _check_pages(conn, path))
        if version != SCHEMA_VERSION:
            _migrate(conn, path)
        _use_wal(conn, started + BUSY_TIMEOUT_S)
        conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException as exc:
        conn.close()
        _tidy(path, beside)
        if isinstance(exc, sqlite3.Error):
            waited = time.monotonic() - started
            raise StoreError(
                f"Cannot open the store at {str(path)!r}: {exc}; {hint(exc, waited)}."
            ) from exc
        raise
    return conn


def _read(conn: sqlite3.Connection, reading: Callable[[], T]) -> T:
    """``reading()`` in one read transaction: its statements see one snapshot."""
    conn.execute("BEGIN")
    try:
        result = reading()
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):  # what went wrong is being raised
                conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


def _check_pages(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a store with a damaged page now, not at the first read that reaches it."""
    try:
        problems = [" ".join(str(row[0]).split())
                    for row in conn.execute("PRAGMA quick_check(3)")]
    except sqlite3.DatabaseError as exc:  # a page too damaged to even check
        problems = [str(exc)]
    if problems != ["ok"]:
        raise StoreError(
            f"The store at {str(path)!r} is damaged (SQLite's check found: "
            f"{'; '.join(problems)}): move it aside (keep it for inspection) and open the "
            f"path again to start a new store, or restore a backup."
        )


def _use_wal(conn: sqlite3.Connection, deadline: float) -> None:
    """Switch the file to WAL. SQLite answers "database is locked" at once, without its
    busy wait, while another connection reads the file: retry until ``deadline``."""
    pause = 0.001
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchall()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


_SIDE_FILES = ("-wal", "-shm", "-journal")


def _beside(path: Path) -> set[str]:
    """The store's side files that exist before it is opened."""
    return {s for s in _SIDE_FILES if Path(f"{path}{s}").exists()}


def _tidy(path: Path, beside: set[str]) -> None:
    """After a refused open: remove the side files the open created, when they hold
    nothing (an empty WAL: no other process wrote through them)."""
    wal = Path(f"{path}-wal")
    if "-wal" not in beside and wal.exists() and wal.stat().st_size > 0:
        return
    for suffix in _SIDE_FILES:
        if suffix not in beside:
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _inspect(conn: sqlite3.Connection, path: Path) -> int:
    """Refuse a file that is not (or no longer) an spmkit store this version can use.

    Reads only. Returns the schema version (0 for a new, empty file).
    """
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"The store at {str(path)!r} has schema version {version}, newer than "
            f"this spmkit understands ({SCHEMA_VERSION}): upgrade spmkit."
        )
    if version == 0 and tables:
        raise StoreError(
            f"The file {str(path)!r} is an SQLite database but not an "
            f"spmkit store (it has tables {tables}): use a separate file for "
            f"the spmkit store."
        )
    missing = sorted(_TABLES_OF_VERSION[version] - set(tables)) if version > 0 else []
    if missing:
        raise StoreError(
            f"The store at {str(path)!r} (schema version {version}) is missing its "
            f"tables {missing}: something else emptied or damaged it. Move it aside (keep "
            f"it for inspection) and open the path again to start a new store, or "
            f"restore a backup."
        )
    return version


# SQLite opens a file it may not write read-only without a word, and the first cursor
# write would then fail mid-sync: both checks refuse at open instead.
def _check_directory_writable(path: Path) -> None:
    parent = path.parent
    if not os.access(parent, os.W_OK):
        raise StoreError(
            f"Cannot open the store at {str(path)!r}: its directory {str(parent)!r} is "
            f"read-only for this user, and SQLite writes its '-wal' and '-shm' files next "
            f"to the store. Make the directory writable or choose another path."
        )


def _check_writable(path: Path) -> None:
    if path.exists() and not os.access(path, os.W_OK):
        raise StoreError(
            f"Cannot open the store at {str(path)!r}: the file is read-only for this "
            f"user, and the store writes cursors, runs and rejected items to it. Make it "
            f"writable (chmod u+w) or open a copy of it."
        )


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Re-read under the write lock: another process may have just migrated it.
        version = _inspect(conn, path)
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[step]:
                conn.execute(statement)
        if version < SCHEMA_VERSION:
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
