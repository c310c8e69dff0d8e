"""A bulk write answers 200 with failed_count = the batch: a transport failure, never tolerated.

The SDK's chunk merge drops failed_count, so the JS kit advanced and lost the batch.
spmkit counts it as a failed push: the cursor holds even under tolerate_rejects=True,
nothing is dead-lettered (nothing was rejected), and the next run delivers it.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    advance,
    cursor_at,
    dead_letters,
    error_mentions,
    failed_chunk,
    fault_off,
    fault_on,
    nothing_lost,
    records,
    run_status,
    tick,
)

scenario = Scenario(
    "failed_chunk_200",
    description=__doc__,
    world=World(records=[records(12, stream="global")], tolerate_rejects=True),
    timeline=[
        fault_on("failed", failed_chunk()),
        advance("1m"),
        tick(),
        fault_off("failed"),
        advance("2m"),
        tick(),
    ],
    expect=[
        run_status(1, "partial"),
        cursor_at(1, "global", "held"),
        error_mentions(1, "global", "failed"),
        cursor_at(2, "global", "advanced"),
        dead_letters(0),
        nothing_lost(),
    ],
)
