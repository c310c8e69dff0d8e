"""A full backfill runs a step-source even inside its backoff window.

After three failures (ticks 1, 2 and 4; every 65 s because the client's retries
of each 503 take a few simulated seconds) the customers step waits four minutes.
An operator who has fixed the cause should not have to wait: tick 5, inside the
window, is still skipped, but the full backfill of tick 6 bypasses backoff,
re-reads backfill_days and advances the cursor.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    advance,
    cursor_at,
    customers,
    fault_off,
    fault_on,
    full_backfill,
    http_status,
    nothing_lost,
    present,
    ran,
    run_for,
    skipped,
    tick,
)

scenario = Scenario(
    "full_backfill_bypasses_backoff",
    description=__doc__,
    world=World(records=[customers(count=10)]),
    timeline=[
        fault_on("down", http_status(503, resource="customers")),
        run_for("260s", every="65s"),
        fault_off("down"),
        advance("1m"),
        tick(),
        full_backfill(),
    ],
    expect=[
        ran("customers", 1, 2, 4),
        skipped("customers", 3, 5),
        ran("customers", 6),
        cursor_at(5, "customers", "unset"),
        cursor_at(6, "customers", "advanced"),
        present("customers", "c1", "c10"),
        nothing_lost(),
    ],
)
