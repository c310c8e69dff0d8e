"""Steady engine ticks per second: ``run_integration_sync`` with nothing new to sync.

One trivial global step that returns ``StepResult(advance_cursor_to=ctx.window.until)``,
the in-memory store (``open_store(":memory:")``), and many ticks inside ONE event loop
driven by a :class:`~spmkit_testing.SimClock` that moves one minute per tick. This is
the engine's own overhead per run: window, backoff check, cursor write, run rows.
``benchmarks/js/kit_bench.mjs ticks`` runs the same with the JS kit (SQLite ``:memory:``,
its store of choice).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks._common import emit, run_main
from spmkit import (
    StepContext,
    StepResult,
    SyncStep,
    define_integration,
    open_store,
    run_integration_sync,
)
from spmkit_testing.clock import SimClock

TICKS = 20_000
TARGET_TICKS_PER_SECOND = 15_000


async def _nothing_new(ctx: StepContext) -> StepResult:
    assert ctx.window is not None
    return StepResult(advance_cursor_to=ctx.window.until)


async def _ticks(
    clock: SimClock, ticks: int
) -> tuple[float, float, int, datetime | None]:
    integration = define_integration(
        slug="bench-idle", sync_steps=[SyncStep(entity="customers", run=_nothing_new)]
    )
    store = open_store(":memory:", clock=clock)
    step = timedelta(minutes=1)
    ok = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(ticks):
        clock.advance(step)
        summary = await run_integration_sync(integration, store=store, clock=clock)
        ok += summary.status == "ok"
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    cursor = store.get_cursor("customers", "")
    store.close()
    return elapsed, cpu, ok, None if cursor is None else cursor.last_synced_at


def main(ticks: int = TICKS) -> dict[str, Any]:
    clock = SimClock(datetime(2026, 1, 1, tzinfo=UTC))
    elapsed, cpu, ok, cursor = clock.run(_ticks(clock, ticks))
    rate = ticks / elapsed if elapsed > 0 else 0.0
    return emit({
        "benchmark": "engine_ticks",
        "parameters": {"ticks": ticks, "steps": 1, "store": ":memory:", "clock": "SimClock"},
        "ok_ticks": ok,
        "cursor_at_now": cursor == clock.now(),
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(cpu, 3),
        "ticks_per_second": round(rate),
        "us_per_tick": round(elapsed / max(1, ticks) * 1e6, 2),
        "target_ticks_per_second": TARGET_TICKS_PER_SECOND,
        "meets_target": rate >= TARGET_TICKS_PER_SECOND,
    })


if __name__ == "__main__":
    run_main(main)
