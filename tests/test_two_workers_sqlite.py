"""Two real worker processes on one SQLite store (a real deployment mistake).

Both run the same integration on one file at once (``tests/_two_workers_child.py``).
Every write to a cursor row is recorded by an SQL trigger; afterwards:

* no cursor ever went backwards (the store's write is a compare-and-set);
* the workers met: some step-sources were skipped as ``leased``, none failed;
* nothing was lost: every partner record at or before a step-source's cursor was pushed;
* ``PRAGMA integrity_check`` is ``ok``.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from spmkit import SqliteStore
from spmkit._store_codec import from_iso
from tests._sqlite_kill_child import SteppedClock
from tests._two_workers_child import SOURCES, START, records_in

ROOT = Path(__file__).resolve().parents[1]
RUNS = 120
SEEDS = {"worker-a": 20260301, "worker-b": 20260302}


def prepare(path: Path) -> None:
    SqliteStore(path, SteppedClock(START)).close()
    with sqlite3.connect(path) as raw:
        raw.executescript("""
            CREATE TABLE delivered (key TEXT PRIMARY KEY);
            CREATE TABLE cursor_writes (entity TEXT, source_key TEXT, old TEXT, new TEXT);
            CREATE TRIGGER cursor_updated AFTER UPDATE ON cursors BEGIN
                INSERT INTO cursor_writes
                VALUES (old.entity, old.source_key, old.last_synced_at, new.last_synced_at);
            END;
        """)


def read_line(stream: IO[str]) -> str:
    return stream.readline().strip()


def test_two_worker_processes_on_one_sqlite_file_never_move_a_cursor_back(
    tmp_path: Path,
) -> None:
    path = tmp_path / "spmkit.sqlite3"
    prepare(path)
    children = [
        subprocess.Popen([sys.executable, "-m", "tests._two_workers_child", str(path), name,
                          str(seed), str(RUNS)], cwd=ROOT, text=True, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for name, seed in SEEDS.items()
    ]
    watchdogs = [threading.Timer(120, child.kill) for child in children]
    try:
        for timer in watchdogs:
            timer.start()
        for child in children:
            assert child.stdout is not None
            assert read_line(child.stdout) == "READY"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        reports = []
        for child in children:
            out, err = child.communicate(timeout=120)
            assert child.returncode == 0, err
            reports.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for timer in watchdogs:
            timer.cancel()
        for child in children:
            if child.poll() is None:
                child.kill()

    assert [r["errors"] for r in reports] == [[], []]
    assert sum(r["leased"] for r in reports) > 0, reports
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        writes = raw.execute("SELECT entity, source_key, old, new FROM cursor_writes").fetchall()
        backwards = [w for w in writes if w[2] is not None and (w[3] is None or w[3] < w[2])]
        assert len(writes) > RUNS and backwards == []
        delivered = {row[0] for row in raw.execute("SELECT key FROM delivered")}
        cursors = raw.execute("SELECT entity, source_key, last_synced_at FROM cursors "
                              "WHERE last_synced_at IS NOT NULL").fetchall()
    expected = {("customers", ""), *(("orders", s) for s in SOURCES)}
    assert {(e, k) for e, k, _ in cursors} == expected
    for entity, key, value in cursors:
        due = {r["key"] for r in records_in(START, from_iso(value), f"{entity}@{key}")}
        assert due - delivered == set(), f"{entity}@{key} lost records"
