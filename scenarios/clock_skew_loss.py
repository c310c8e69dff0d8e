"""A record that arrives 120 s late with overlap_seconds=0 is lost for good (I3 violated).

The partner stamps updated_at when the customer is written, but its API serves
it only two minutes later (replication lag, a slow index). By then the cursor has
passed the stamp, and the next windows start after it: the record is never read.
This scenario demonstrates the hazard: it passes only because the oracle reports
I3 (no silent loss). See clock_skew_overlap for the fix.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    absent,
    add,
    advance,
    cursor_at,
    customer,
    customers,
    run_for,
    tick,
    violates,
)

scenario = Scenario(
    "clock_skew_loss",
    description=__doc__,
    world=World(records=[customers(count=5)], overlap_seconds=0),
    timeline=[
        advance("1m"),
        tick(),
        advance("30s"),
        add(customer("late", lag="120s")),
        run_for("5m", every="1m"),
    ],
    expect=[
        cursor_at(3, "customers", "advanced"),
        absent("customers", "late"),
        violates("I3"),
    ],
)
