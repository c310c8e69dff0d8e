"""The same 120 s late arrival with overlap_seconds=120: picked up, nothing is lost.

Every window starts two minutes before the cursor, so the late record, readable
only after the cursor passed its stamp, is still inside the next window. Set
overlap_seconds to the worst skew or lag of the partner. The re-read records are
pushed again, which is harmless: bulk upserts are keyed by natural id.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    add,
    advance,
    cursor_at,
    customer,
    customers,
    nothing_lost,
    present,
    run_for,
    tick,
)

scenario = Scenario(
    "clock_skew_overlap",
    description=__doc__,
    world=World(records=[customers(count=5)], overlap_seconds=120),
    timeline=[
        advance("1m"),
        tick(),
        advance("30s"),
        add(customer("late", lag="120s")),
        run_for("5m", every="1m"),
    ],
    expect=[
        cursor_at(3, "customers", "advanced"),
        present("customers", "late"),
        nothing_lost(),
    ],
)
