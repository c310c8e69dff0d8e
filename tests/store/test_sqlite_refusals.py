"""The SQLite store refuses, at open and before writing anything, a file it cannot use."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from spmkit import SqliteStore, StoreError
from spmkit_testing import SimClock

CLOCK = SimClock(datetime(2026, 3, 1, tzinfo=UTC))
NOBODY = 65534


def fingerprint(path: Path) -> tuple[str, list[str]]:
    """The file's bytes and the files beside it: what a refused open must leave alone."""
    return (hashlib.sha256(path.read_bytes()).hexdigest(),
            sorted(p.name for p in path.parent.iterdir()))


def raw_database(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)  # rollback journal ("delete"), as other applications use
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def refusal(path: Path) -> str:
    with pytest.raises(StoreError) as info:
        SqliteStore(path, CLOCK)
    return str(info.value)


def test_a_foreign_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "app.sqlite3"
    raw_database(path, "CREATE TABLE customers (id INTEGER)", "INSERT INTO customers VALUES (1)")
    before = fingerprint(path)
    assert refusal(path) == (
        f"The file {str(path)!r} is an SQLite database but not an spmkit store (it has tables "
        f"['customers']): use a separate file for the spmkit store.")
    assert fingerprint(path) == before
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_a_newer_schema_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "spmkit.sqlite3"
    raw_database(path, "CREATE TABLE cursors (x)", "PRAGMA user_version = 99")
    before = fingerprint(path)
    assert refusal(path).startswith(
        f"The store at {str(path)!r} has schema version 99, newer than this spmkit understands")
    assert fingerprint(path) == before


def test_a_store_with_its_tables_missing_is_refused_at_open(tmp_path: Path) -> None:
    path = tmp_path / "spmkit.sqlite3"
    SqliteStore(path, CLOCK).close()
    raw_database(path, "DROP TABLE rejected_items", "DROP TABLE state")
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert refusal(path) == (
        f"The store at {str(path)!r} (schema version {version}) is missing its tables "
        f"['rejected_items', 'state']: something else emptied or damaged it. Move it aside "
        f"(keep it for inspection) and open the path again to start a new store, or restore "
        f"a backup.")


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory another user can enter (pytest's tmp_path is private to its owner)."""
    path = Path(tempfile.mkdtemp(prefix="spmkit-ro-"))
    path.chmod(0o777)
    try:
        yield path
    finally:
        for p in [path, *path.iterdir()]:
            p.chmod(0o755)
        shutil.rmtree(path)


def open_without_privileges(path: Path) -> str:
    """Open the store as a user the file's mode applies to (root ignores it): in a forked
    child that drops to nobody when the tests run as root. Returns the error or "opened"."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        os.close(read)
        try:
            if os.geteuid() == 0:
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            try:
                SqliteStore(path, CLOCK).close()
                answer = "opened"
            except StoreError as exc:
                answer = str(exc)
            os.write(write, answer.encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        answer = pipe.read().decode()
    os.waitpid(pid, 0)
    return answer


def test_a_read_only_store_file_is_refused_at_open_and_left_as_it_was(shared_dir: Path) -> None:
    path = shared_dir / "spmkit.sqlite3"
    raw_database(path, "CREATE TABLE cursors (x)", "CREATE TABLE runs (x)",
                 "CREATE TABLE rejected_items (x)", "CREATE TABLE state (x)",
                 "PRAGMA user_version = 1")
    path.chmod(0o444)
    before = fingerprint(path)
    assert open_without_privileges(path) == read_only_refusal(path)
    assert fingerprint(path) == before


def read_only_refusal(path: Path) -> str:
    return (f"Cannot open the store at {str(path)!r}: the file is read-only for this user, and "
            f"the store writes cursors, runs and rejected items to it. Make it writable (chmod "
            f"u+w) or open a copy of it.")


def test_a_store_in_a_read_only_directory_is_refused_at_open(shared_dir: Path) -> None:
    path = shared_dir / "spmkit.sqlite3"
    SqliteStore(path, CLOCK).close()
    for p in shared_dir.iterdir():
        p.chmod(0o666)
    shared_dir.chmod(0o555)
    assert open_without_privileges(path) == (
        f"Cannot open the store at {str(path)!r}: its directory {str(shared_dir)!r} is "
        f"read-only for this user, and SQLite writes its '-wal' and '-shm' files next to the "
        f"store. Make the directory writable or choose another path.")
    shared_dir.chmod(0o777)
    assert open_without_privileges(path) == "opened"
