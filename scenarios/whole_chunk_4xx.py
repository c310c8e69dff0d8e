"""One chunk refused as a whole with a 422: a visible, named error; the other chunks still land.

With batch_size=5, twelve records go in three chunks; the API refuses the second one
entirely (a malformed item poisoning its batch). The JS kit neither tolerated nor
dead-lettered this, and the window froze silently. spmkit reports a distinct error
naming the chunk, keeps pushing the next chunks, holds the cursor, and delivers the
refused chunk on the first run after the API accepts it. It needs an integration
built with batch_size (a builder).
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    advance,
    cursor_at,
    dead_letters,
    error_mentions,
    fault_off,
    fault_on,
    nothing_lost,
    records,
    refused_chunk,
    run_status,
    tick,
)

scenario = Scenario(
    "whole_chunk_4xx",
    description=__doc__,
    world=World(records=[records(12, stream="global")], batch_size=5),
    timeline=[
        fault_on("refused", refused_chunk(status=422, calls=2)),
        advance("1m"),
        tick(),
        fault_off("refused"),
        advance("2m"),
        tick(),
    ],
    expect=[
        run_status(1, "partial"),
        cursor_at(1, "global", "held"),
        error_mentions(1, "global", "422"),
        cursor_at(2, "global", "advanced"),
        dead_letters(0),
        nothing_lost(),
    ],
)
