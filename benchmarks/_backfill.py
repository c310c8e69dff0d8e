"""The backfill both backfill benchmarks run: the engine, a bulk step, the safe push, SpmClient.

The same work as the JS kit's driver (``benchmarks/js/kit_bench.mjs``): one full
backfill by ``run_integration_sync`` of ``define_bulk_step("customers", ...)``
(``tolerate_rejects=True``, batches of 500) pushed through ``SpmClient`` (SDK chunks
of 50) into a fake that validates every item; 1 % of the items carry an e-mail the
API refuses (rejected, the first 500 dead-lettered); the in-memory store. The stream
makes its records as it goes, as a partner read would: the items are not held.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from spmkit import (
    SpmClient,
    SyncOptions,
    SystemClock,
    define_bulk_step,
    define_integration,
    open_store,
    run_integration_sync,
)

__all__ = ["KEY", "POISON_EVERY", "backfill", "item"]

KEY = "bench-key"
POISON_EVERY = 100  # 1 % of the items are refused by the API's validation


def item(i: int, fields: int) -> dict[str, Any]:
    """Customer ``i``: 2 fields (the JS benchmark's) or 8 (a realistic customer)."""
    email = f"user{i}.poison.test" if i % POISON_EVERY == 0 else f"user{i}@example.com"
    if fields == 2:
        return {"customer_id": f"c{i}", "email": email}
    return {
        "customer_id": f"c{i}",
        "email": email,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "is_active": True,
        "lang": "fr",
        "updated_at": "2026-03-01T10:00:00Z",
        "id_data_source": 1,
    }


def backfill(total: int, fields: int, client: SpmClient | Any) -> dict[str, Any]:
    """Run the backfill with ``client`` (an SpmClient, or anything with ``bulk_save`` and
    ``aclose``); what the engine reported, and its wall time."""
    if fields not in (2, 8):
        raise ValueError(f"fields={fields!r}: the benchmark has 2- and 8-field items")
    step = define_bulk_step(
        "customers",
        stream=lambda ctx: range(total),
        map=lambda i, ctx: item(i, fields),
        tolerate_rejects=True,
    )
    integration = define_integration(slug="bench-backfill", sync_steps=[step])
    clock = SystemClock()
    store = open_store(":memory:", clock=clock)

    async def run() -> Any:
        try:
            return await run_integration_sync(integration, store=store, clock=clock,
                                              client=client,
                                              options=SyncOptions(full_backfill=True))
        finally:
            await client.aclose()

    started, cpu_started = time.perf_counter(), time.process_time()
    summary = asyncio.run(run())
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    step_summary = summary.steps[0]
    out = {
        "status": summary.status,
        "advanced": step_summary.advanced,
        "attempted": step_summary.attempted,
        "rejected": step_summary.rejected,
        "dead_lettered": store.count_rejected(),
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(cpu, 3),
        "items_per_second": round(total / elapsed) if elapsed > 0 else 0,
    }
    store.close()
    return out
