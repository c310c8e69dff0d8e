"""SIGKILL the engine mid-sync 50 times on one SQLite file: it never corrupts, never lies.

The child (``tests/_sqlite_kill_child.py``) runs syncs back to back with a clock that
stands still within a run and moves one whole second between runs. After each kill,
on the same file:

* ``PRAGMA integrity_check`` is ``ok`` and the store opens and reads back;
* every run is ``ok`` (finished, ``finished_at == started_at``) or ``running`` (the
  one the kill interrupted), never anything else;
* every cursor value is one a clean run wrote: the ``started_at`` of an existing run,
  ``ok`` or interrupted, and never behind the latest finished run (a run writes all
  its cursors before it finishes);
* every dead-letter row belongs to an existing run and was written at its time.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import IO

from spmkit import SqliteStore
from tests._sqlite_kill_child import START, SteppedClock

KILLS = 50
ROOT = Path(__file__).resolve().parents[1]


def read_line(stream: IO[str], expected: str) -> str:
    line = stream.readline()
    assert line.startswith(expected), f"expected {expected!r} from the child, got {line!r}"
    return line.strip()


def quick_check(path: Path) -> None:
    """Integrity, and the cursor properties through SQL (cheap enough after every kill)."""
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        last_ok = raw.execute("SELECT MAX(started_at) FROM runs WHERE status = 'ok'").fetchone()[0]
        for entity, key, value in raw.execute(
                "SELECT entity, source_key, last_synced_at FROM cursors").fetchall():
            status = raw.execute("SELECT status FROM runs WHERE started_at = ?",
                                 (value,)).fetchall()
            assert status in ([("ok",)], [("running",)]), (entity, key, value, status)
            assert last_ok is None or value >= last_ok, (entity, key, value, last_ok)
    finally:
        raw.close()


def check_file(path: Path, kills: int) -> tuple[int, int]:
    """Check every property of the module docstring; return (ok runs, interrupted runs)."""
    quick_check(path)
    store = SqliteStore(path, SteppedClock(START))
    try:
        runs = store.list_runs()
        by_start: dict[datetime, str] = {}
        for run in runs:
            assert run.status in ("ok", "running"), run
            assert (run.started_at - START).total_seconds().is_integer(), run
            assert run.started_at not in by_start, f"two runs started at {run.started_at}"
            by_start[run.started_at] = run.status
            if run.status == "ok":
                assert run.finished_at == run.started_at and run.summary is not None
                assert run.summary["status"] == "ok"
            else:
                assert run.finished_at is None and run.summary is None
        interrupted = sum(r.status == "running" for r in runs)
        assert interrupted <= kills
        last_ok = max((r.started_at for r in runs if r.status == "ok"), default=None)
        cursors = store.list_cursors()
        assert {(c.entity, c.source_key) for c in cursors} <= {
            ("customers", ""), ("orders", "s1"), ("orders", "s2")}
        for c in cursors:
            assert c.last_synced_at is not None and c.last_synced_at in by_start, c
            assert (c.last_status, c.consecutive_failures) == ("ok", 0), c
            assert last_ok is None or c.last_synced_at >= last_ok, (c, last_ok)
        starts = {r.run_id: r.started_at for r in runs}
        for dead in store.list_rejected(limit=10_000_000):
            assert starts.get(dead.run_id) == dead.created_at, dead
            assert dead.payload["key"] == dead.item_key
        return len(runs) - interrupted, interrupted
    finally:
        store.close()


def test_sigkill_mid_sync_never_corrupts_the_sqlite_store(tmp_path: Path) -> None:
    path = tmp_path / "spmkit.sqlite3"
    rng = random.Random(20260301)
    started = time.monotonic()
    with subprocess.Popen(
        [sys.executable, "-m", "tests._sqlite_kill_child", str(path)], cwd=ROOT, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    ) as launcher:
        assert launcher.stdin is not None and launcher.stdout is not None
        # A hung child must fail the test, not hang the suite.
        watchdog = threading.Timer(120, launcher.kill)
        watchdog.start()
        try:
            for kill in range(1, KILLS + 1):
                launcher.stdin.write("go\n")
                launcher.stdin.flush()
                pid = int(read_line(launcher.stdout, "READY ").split()[1])
                time.sleep(rng.uniform(0.02, 0.15))
                os.kill(pid, signal.SIGKILL)
                assert read_line(launcher.stdout, "EXIT ") == f"EXIT {-signal.SIGKILL}"
                # The full read-back grows with the file: every 10th kill, cheap checks between.
                if kill % 10 == 0 or kill == KILLS:
                    ok_runs, interrupted = check_file(path, kill)
                else:
                    quick_check(path)
            launcher.stdin.close()
            assert launcher.wait(timeout=10) == 0
        finally:
            watchdog.cancel()
            if launcher.poll() is None:
                launcher.kill()
    # The kills landed inside syncs (not between them) and the syncs made progress.
    assert interrupted >= KILLS // 2, (ok_runs, interrupted)
    assert ok_runs >= KILLS, (ok_runs, interrupted)
    assert time.monotonic() - started < 60
