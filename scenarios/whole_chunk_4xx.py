"""One chunk refused as a whole with a 422: a visible, named error; the other chunks still land.

With batch_size=5, twelve customers go in three chunks; the API refuses the
second one entirely (a malformed item poisoning its batch). The JS kit neither
tolerated nor dead-lettered this, and the window froze silently. spmkit reports a
distinct error naming the chunk, keeps pushing the next chunks, holds the cursor,
and delivers the refused chunk on the first run after the API accepts it.
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
    fault_off,
    fault_on,
    nothing_lost,
    present,
    refused_chunk,
    run_status,
    tick,
)

scenario = Scenario(
    "whole_chunk_4xx",
    description=__doc__,
    world=World(records=[customers(count=12)], batch_size=5),
    timeline=[
        fault_on("refused", refused_chunk(status=422, resource="customers", calls=2)),
        advance("1m"),
        tick(),
        fault_off("refused"),
        advance("2m"),
        tick(),
    ],
    expect=[
        run_status(1, "partial"),
        cursor_at(1, "customers", "held"),
        error_mentions(1, "customers", "422"),
        cursor_at(2, "customers", "3m"),
        present("customers", "c1", "c5", "c6", "c10", "c11", "c12"),
        dead_letters(0),
        nothing_lost(),
    ],
)
