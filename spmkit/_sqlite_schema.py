"""Opening an SQLite store file: its schema, the migrations between versions, and the
checks that refuse a file before anything is written to it.

:func:`open_connection` refuses a directory, a missing or read-only directory, a
read-only file, another application's database, a newer schema or a store with tables
missing, each with a :class:`~spmkit.StoreError` naming the path and what to do; then it
sets the journal and migrates the file to :data:`SCHEMA_VERSION` in one transaction.

Durability. The journal is WAL with ``synchronous=NORMAL``. What NORMAL gives up against
FULL is only the last few commits on an **OS crash or power loss**: the file stays
consistent, but it may come back as of slightly earlier. For spmkit that is the safe
direction: a cursor that rolls back only makes the next run re-read a window (pushes are
idempotent upserts by natural key); it never makes one skipped. FULL would add an fsync
to every commit, several times the cost of a tick, for no gain in that rule.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from spmkit._errors import StoreError

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


def hint(exc: sqlite3.Error) -> str:
    """What to do about an SQLite error, for the end of a :class:`~spmkit.StoreError`."""
    text = str(exc).lower()
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (
            "the file is not an SQLite database or is corrupt: move it aside (keep it for "
            "inspection) and open the path again to start a new store, or restore a backup"
        )
    if "locked" in text or "busy" in text:
        return (
            f"another process held the database for more than {BUSY_TIMEOUT_S:g} s: "
            f"check for a stuck process using the same file"
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
        # file (another application's, a newer schema, read-only) is left as it was.
        _inspect(conn, path)
        _check_writable(path)
        conn.execute("PRAGMA journal_mode = WAL").fetchall()
        conn.execute("PRAGMA synchronous = NORMAL")
        _migrate(conn, path)
    except BaseException as exc:
        conn.close()
        if isinstance(exc, sqlite3.Error):
            raise StoreError(
                f"Cannot open the store at {str(path)!r}: {exc}; {hint(exc)}."
            ) from exc
        raise
    return conn


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
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
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
