"""Two workers on one store: a cursor never goes backwards (compare-and-set)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from spmkit import (
    StepContext,
    StepResult,
    SyncStep,
    SyncSummary,
    define_integration,
    run_integration_sync,
)

from .conftest import FakePush, ManualClock


def test_a_slow_worker_never_moves_the_cursor_back_over_a_newer_one(
    store: Any, clock: ManualClock, push: FakePush, caplog: Any
) -> None:
    a_started, a_may_finish = asyncio.Event(), asyncio.Event()
    slow_until = clock.now()

    async def run(ctx: StepContext) -> StepResult:
        assert ctx.window is not None
        if ctx.window.until == slow_until:  # worker A: reads, then stalls
            a_started.set()
            await a_may_finish.wait()
        return StepResult(advance_cursor_to=ctx.window.until)

    integration = define_integration(slug="t", sync_steps=[SyncStep(entity="orders", run=run)])

    def worker(name: str) -> Any:
        return run_integration_sync(integration, store=store, clock=clock, push=push)

    async def main() -> tuple[SyncSummary, SyncSummary]:
        slow = asyncio.ensure_future(worker("worker-a"))
        await a_started.wait()
        clock.advance(minutes=20)  # worker A's lease (if any) has long expired
        fast = await worker("worker-b")
        a_may_finish.set()
        return await slow, fast

    with caplog.at_level(logging.WARNING, logger="spmkit"):
        slow, fast = asyncio.run(main())
    newer = slow_until + timedelta(minutes=20)
    assert fast.step("orders").cursor_after == newer
    assert slow.step("orders").cursor_after == newer
    assert store.get_cursor("orders", "").last_synced_at == newer
    assert (f"sync step 'orders' source '': another worker moved the cursor to "
            f"{newer.isoformat()} while this run read up to {slow_until.isoformat()}; the newer "
            f"value is kept.") in [r.getMessage() for r in caplog.records]
