"""In backoff after three failures, a full backfill still runs: it bypasses backoff.

The ShopiMind API answers 503 to every bulk write for four ticks: the global stream
runs at ticks 1, 2 and 4 and is skipped at 3 (backoff 1, 2, then 4 minutes, counted
from the start of each failed run). Once the API is back it is still in backoff at
tick 5; the full backfill of tick 6 runs anyway and delivers everything.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    advance,
    cursor_at,
    fault_off,
    fault_on,
    full_backfill,
    nothing_lost,
    ran,
    records,
    run_for,
    skipped,
    status,
    tick,
)

scenario = Scenario(
    "full_backfill_bypasses_backoff",
    description=__doc__,
    world=World(records=[records(10, stream="global")]),
    timeline=[
        fault_on("down", status(503, method="POST")),
        run_for("4m", every="1m"),
        fault_off("down"),
        advance("1m"),
        tick(),
        full_backfill(),
    ],
    expect=[
        ran("global", 1, 2, 4),
        skipped("global", 3, 5),
        ran("global", 6),
        cursor_at(5, "global", "unset"),
        cursor_at(6, "global", "advanced"),
        nothing_lost(),
    ],
)
