"""Opening an SQLite store, probed from outside: two processes racing to open the same new
file, a read-only store, a store with a damaged page, a lock that is not released. Each
is opened, or refused at open with a message that is true and says what to do, leaving
the file and its folder as they were."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import spmkit._sqlite_schema as schema
from spmkit import SqliteStore, StoreError
from spmkit_testing import SimClock
from tests.store.test_sqlite_refusals import (
    fingerprint,
    open_without_privileges,
    read_only_refusal,
    shared_dir,
)

__all__ = ["shared_dir"]  # the fixture, used here

CLOCK = SimClock(datetime(2026, 3, 1, tzinfo=UTC))
TRIES = 40


def _open(path: str, barrier: Any, answers: Any) -> None:
    barrier.wait()
    try:
        SqliteStore(path, CLOCK).close()
        answers.put("opened")
    except StoreError as exc:
        answers.put(str(exc))


@pytest.mark.slow
def test_two_processes_opening_a_new_store_at_once_both_open_it(tmp_path: Path) -> None:
    # Forked children released together by a barrier: they reach the new file at the same
    # instant, TRIES times (before the fix about half of the tries failed).
    context = multiprocessing.get_context("fork")
    failed = []
    for attempt in range(TRIES):
        path = str(tmp_path / f"race-{attempt}.sqlite3")
        answers, barrier = context.Queue(), context.Barrier(2)
        children = [context.Process(target=_open, args=(path, barrier, answers))
                    for _ in range(2)]
        for child in children:
            child.start()
        for child in children:
            child.join(timeout=60)
        failed += [a for a in (answers.get(timeout=10) for _ in children) if a != "opened"]
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert failed == []


def test_a_lock_error_says_how_long_it_waited(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema, "BUSY_TIMEOUT_S", 0.2)
    path = tmp_path / "spmkit.sqlite3"
    store = SqliteStore(path, CLOCK)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write, never finished
    try:
        with pytest.raises(StoreError) as excinfo:
            store.acquire_lease("customers", "", owner="worker-1", seconds=60)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        store.close()
    message = str(excinfo.value)
    assert message.startswith(
        f"The store at {str(path)!r} could not take the run lease of customers: database is "
        f"locked; another connection was holding the database (this call gave up after "
        f"waiting 0.")
    waited = float(message.split("after waiting ")[1].split(" s;")[0])
    assert 0.2 <= waited < 2
    assert message.endswith("SQLite waits up to 0.2 s for a lock): check for a stuck process "
                            "using the same file.")


def test_a_read_only_store_is_refused_leaving_nothing_behind(shared_dir: Path) -> None:
    path = shared_dir / "spmkit.sqlite3"
    SqliteStore(path, CLOCK).close()  # a real store: WAL journal
    path.chmod(0o444)
    before = fingerprint(path)
    assert open_without_privileges(path) == read_only_refusal(path)
    assert fingerprint(path) == before  # no empty '-wal' or '-shm' left next to it


def damaged(path: Path, page: int) -> None:
    """A store with 2,000 cursors whose page ``page`` is overwritten with zeros."""
    store = SqliteStore(path, CLOCK)
    for i in range(2000):
        store.set_cursor("customers", f"source-{i:05}", last_synced_at=CLOCK.now(),
                         last_status="ok")
    store.close()
    size = sqlite3.connect(path).execute("PRAGMA page_size").fetchone()[0]
    with open(path, "r+b") as file:
        file.seek(size * (page - 1))
        file.write(bytes(size))


@pytest.mark.parametrize("page", [2, 20])  # the cursors table's root; one of its leaves
def test_a_store_with_a_damaged_page_is_refused_at_open_leaving_nothing_behind(
        tmp_path: Path, page: int) -> None:
    path = tmp_path / "spmkit.sqlite3"
    damaged(path, page)
    before = fingerprint(path)
    with pytest.raises(StoreError) as excinfo:
        SqliteStore(path, CLOCK)
    message = str(excinfo.value)
    assert message.startswith(f"The store at {str(path)!r} is damaged (SQLite's check found: ")
    assert message.endswith("): move it aside (keep it for inspection) and open the path again "
                            "to start a new store, or restore a backup.")
    assert fingerprint(path) == before
    assert sorted(os.listdir(tmp_path)) == ["spmkit.sqlite3"]
