"""A record readable two minutes late, no overlap: the reference loses it and the oracle says so.

The Demo POS is run with overlap_seconds=0. A customer stamped at 1m30s only becomes
readable at 3m30s (replication lag, a slow index, a partner clock behind ours). By
then the customers cursor has passed its stamp, no later window reads it, and it is
lost for good: the oracle reports I3 naming the record. This scenario demonstrates the
hazard (see clock_skew_overlap for the fix); it runs the reference integration only.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    Target,
    World,
    absent,
    add,
    advance,
    cursor_at,
    record,
    records,
    run_for,
    tick,
    violates,
)

scenario = Scenario(
    "clock_skew_loss",
    description=__doc__,
    world=World(
        records=[records(5, stream="global")],
    ),
    target=Target("spmkit_testing.reference:build_reference_integration"),
    timeline=[
        advance("1m"),
        tick(),
        advance("30s"),
        add(record("late", lag="2m")),
        run_for("5m", every="1m"),
    ],
    expect=[
        cursor_at(3, "global", "advanced"),
        absent("global", "late"),
        violates("I3"),
    ],
)
