"""Child of ``test_two_workers_sqlite``: one worker process syncing a shared SQLite store.

``python -m tests._two_workers_child PATH WORKER SEED RUNS`` opens the store, writes
``READY``, waits for ``go`` on stdin (so both workers start together), runs ``RUNS``
syncs and writes one JSON line: how many runs, leased skips and errors it saw.

Time is shared through the store: each run starts one second after the latest run
start any worker recorded, and stands still during the run. Steps really sleep a few
milliseconds (seeded) between reading and pushing, so the two processes' runs overlap;
leases last 1.5 s of that time, so a slow run's lease often lapses while it still
runs, and the other worker runs the same step-source at once.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from spmkit import (
    PushOutcome,
    SqliteStore,
    StepContext,
    StepResult,
    SyncOptions,
    SyncStep,
    define_integration,
    run_integration_sync,
)
from spmkit._store_codec import from_iso
from tests._sqlite_kill_child import SteppedClock

START = datetime(2026, 1, 1, tzinfo=UTC)
RECORDS = 2_000  # one every 0.5 s: more than the runs ever reach
LEASE_SECONDS = 1.5
SOURCES = ("s1", "s2")


def stamp(index: int) -> datetime:
    return START + timedelta(seconds=index / 2)


def records_in(since: datetime, until: datetime, prefix: str) -> list[dict[str, Any]]:
    first = max(0, int((since - START).total_seconds() * 2))
    return [{"key": f"{prefix}-{i}"} for i in range(first, RECORDS)
            if since < stamp(i) <= until]


def main(path: str, worker: str, seed: int, runs: int) -> None:
    rng = random.Random(seed)
    clock = SteppedClock(START)
    store = SqliteStore(path, clock)
    raw = sqlite3.connect(path, timeout=30, isolation_level=None)

    async def push(resource: str, items: Sequence[Mapping[str, Any]]) -> PushOutcome:
        raw.executemany("INSERT OR IGNORE INTO delivered (key) VALUES (?)",
                        [(str(i["key"]),) for i in items])
        return PushOutcome(sent=len(items))

    async def run(ctx: StepContext) -> StepResult:
        assert ctx.window is not None
        rows = records_in(ctx.window.since, ctx.window.until, f"{ctx.entity}@{ctx.source_key}")
        await asyncio.sleep(rng.uniform(0, 0.006))  # real time: the other worker runs too
        if rows:
            await ctx.send_bulk(ctx.entity, rows)
        return StepResult(items=len(rows), advance_cursor_to=ctx.window.until)

    integration = define_integration(slug="two-workers", sync_steps=[
        SyncStep(entity="customers", run=run),
        SyncStep(entity="orders", run=run, cursor_scope="per-source",
                 sources=lambda ctx: list(SOURCES)),
    ])
    options = SyncOptions(worker_id=worker, lease_seconds=LEASE_SECONDS)
    print("READY", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    leased = 0
    errors: list[str] = []

    async def loop() -> None:
        nonlocal leased
        for _ in range(runs):
            latest = raw.execute("SELECT MAX(started_at) FROM runs").fetchone()[0]
            clock.at = (START if latest is None else from_iso(latest)) + timedelta(seconds=1)
            summary = await run_integration_sync(integration, store=store, clock=clock,
                                                 push=push, options=options)
            leased += sum(s.skipped_reason == "leased" for s in summary.steps)
            errors.extend(summary.errors)

    asyncio.run(loop())
    store.close()
    raw.close()
    print(json.dumps({"runs": runs, "leased": leased, "errors": errors}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
