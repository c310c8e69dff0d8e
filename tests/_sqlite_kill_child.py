"""Child of ``test_sqlite_kill``: runs the engine on a SQLite store until it is SIGKILLed.

``python -m tests._sqlite_kill_child PATH`` starts a *launcher* that imports spmkit
once, then forks one *worker* per ``go`` line read on stdin. The worker opens the
store at ``PATH``, writes ``READY <pid>`` on stdout and runs syncs back to back,
forever. The parent SIGKILLs the worker by that pid; the launcher reaps it and
writes ``EXIT <exit code>`` (``-9`` for SIGKILL). Forking from a warm launcher
keeps 50 kills well under a second of start-up each.

The worker's clock stands still during a run and moves one whole second between
runs, from the latest ``started_at`` in the store: every cursor value a clean run
can write is the ``started_at`` of the run that wrote it.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import traceback
from collections.abc import Mapping, Sequence
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any

from spmkit import (
    PushOutcome,
    RejectedItem,
    SqliteStore,
    StepContext,
    StepResult,
    SyncOptions,
    SyncStep,
    define_integration,
    run_integration_sync,
)
from spmkit._store_codec import from_iso

START = datetime(2026, 1, 1, tzinfo=UTC)
OPTIONS = SyncOptions(worker_id="kill-test-worker")


class SteppedClock:
    """Stands still until told; ``sleep`` never waits (nothing here retries)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    async def sleep(self, seconds: float) -> None:
        return None


async def push(resource: str, items: Sequence[Mapping[str, Any]]) -> PushOutcome:
    # Reject the first item of every third push, so dead-letter rows get written too.
    first = str(items[0]["key"])
    if sum(map(ord, first)) % 3 == 0:
        return PushOutcome(sent=len(items) - 1, rejected=1,
                           rejected_items=(RejectedItem(first, "invalid", dict(items[0])),))
    return PushOutcome(sent=len(items))


def _items(ctx: StepContext, count: int) -> list[dict[str, Any]]:
    assert ctx.window is not None
    stamp = int(ctx.window.until.timestamp())
    return [{"key": f"{ctx.entity}-{ctx.source_key}-{stamp}-{i}", "n": i} for i in range(count)]


async def run_customers(ctx: StepContext) -> StepResult:
    assert ctx.window is not None
    outcome = await ctx.send_bulk("customers", _items(ctx, 7))
    return StepResult(items=outcome.sent, advance_cursor_to=ctx.window.until)


async def run_orders(ctx: StepContext) -> StepResult:
    assert ctx.window is not None
    outcome = await ctx.send_bulk("orders", _items(ctx, 3))
    return StepResult(items=outcome.sent, advance_cursor_to=ctx.window.until)


INTEGRATION = define_integration(
    slug="kill-test",
    sync_steps=[
        SyncStep(entity="customers", run=run_customers, tolerate_rejects=True),
        SyncStep(entity="orders", run=run_orders, cursor_scope="per-source",
                 sources=lambda ctx: ["s1", "s2"], tolerate_rejects=True),
    ],
)


async def sync_forever(path: str) -> None:
    clock = SteppedClock(START)
    store = SqliteStore(path, clock)
    # MAX in SQL: list_runs() would parse every summary, and the file grows with each kill.
    with closing(sqlite3.connect(path)) as raw:
        last = raw.execute("SELECT MAX(started_at) FROM runs").fetchone()[0]
    latest = START if last is None else from_iso(last)
    os.write(1, f"READY {os.getpid()}\n".encode())
    while True:
        latest += timedelta(seconds=1)
        clock.at = latest
        # One worker, restarted after each kill: its stable id takes back the leases the
        # killed run left (a new id would wait for them to expire).
        await run_integration_sync(INTEGRATION, store=store, clock=clock, push=push,
                                   options=OPTIONS)


def worker(path: str) -> None:
    try:
        asyncio.run(sync_forever(path))
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
    os._exit(3)


def launcher(path: str) -> None:
    for line in sys.stdin:
        if line.strip() != "go":
            break
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            worker(path)
        _, status = os.waitpid(pid, 0)
        print(f"EXIT {os.waitstatus_to_exitcode(status)}", flush=True)


if __name__ == "__main__":
    launcher(sys.argv[1])
