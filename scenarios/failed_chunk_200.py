"""A 200 that says failed_count > 0: a transport failure in disguise, never tolerated.

The bulk endpoints answer 2xx with sent / rejected / failed counts. Items in
failed_count were not stored and not rejected for a reason the integration could
fix: the chunk must be sent again. An integration that only checks the status
code advances here and loses the chunk. spmkit raises on it, the cursor holds even
under tolerate_rejects=True, nothing is dead-lettered, and the next run delivers.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    advance,
    cursor_at,
    customers,
    dead_letters,
    error_mentions,
    failed_chunk,
    fault_off,
    fault_on,
    nothing_lost,
    present,
    run_status,
    tick,
)

scenario = Scenario(
    "failed_chunk_200",
    description=__doc__,
    world=World(records=[customers(count=12)], tolerate_rejects=True),
    timeline=[
        fault_on("failed", failed_chunk(resource="customers")),
        advance("1m"),
        tick(),
        fault_off("failed"),
        advance("2m"),
        tick(),
    ],
    expect=[
        run_status(1, "partial"),
        cursor_at(1, "customers", "held"),
        error_mentions(1, "customers", "failed"),
        cursor_at(2, "customers", "3m"),
        present("customers", "c1", "c12"),
        dead_letters(0),
        nothing_lost(),
    ],
)
