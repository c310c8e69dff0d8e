"""Backoff counts from the start of the failed step-run, not from when its retries gave up."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from spmkit import (
    BulkAnswer,
    Envelope,
    SyncSummary,
    define_bulk_step,
    define_integration,
    run_integration_sync,
    scripted_client,
)

from .conftest import ManualClock


class SlowFailingClient:
    """Every push fails after 3 s of (simulated) retries, as SpmClient's do on a 503."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.script = scripted_client(then=BulkAnswer(status_code=503))

    async def bulk_save(self, resource: str, items: Sequence[Mapping[str, Any]]) -> Envelope:
        await self.clock.sleep(3)
        return await self.script.bulk_save(resource, items)


def test_a_failing_tick_with_slow_retries_does_not_also_skip_the_next_minute(
    store: Any, clock: ManualClock
) -> None:
    step = define_bulk_step("customers", stream=lambda ctx: [{"customer_id": "c1"}],
                            map=lambda r, ctx: r)
    integration = define_integration(slug="t", sync_steps=[step])
    client = SlowFailingClient(clock)
    start = clock.now()

    def tick(minute: int) -> SyncSummary:
        clock.current = start + timedelta(minutes=minute)
        return asyncio.run(run_integration_sync(integration, store=store, clock=clock,
                                                client=client))

    ticks = {minute: tick(minute).step("customers") for minute in range(8)}
    # Failures at minutes 0 (1 min backoff), 1 (2 min), 3 (4 min), then 7: exact minutes.
    assert [m for m, s in ticks.items() if not s.skipped_backoff] == [0, 1, 3, 7]
    assert store.get_cursor("customers", "").updated_at == start + timedelta(minutes=7)
    assert store.get_cursor("customers", "").consecutive_failures == 4
