"""A step that never returns advance_cursor_to: nothing is lost, but the cursor never moves.

A common bug when writing a step by hand: it pushes everything and returns
StepResult(items=n) without advance_cursor_to. The engine owns the cursor and
will not guess: it logs a warning and leaves the cursor where it was, so every
run re-reads (and re-pushes) the whole backfill window. Data is safe; cost grows
with every record. The trace shows customers as "clean, not advanced" each tick.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    add,
    cursor_at,
    customer,
    customers,
    nothing_lost,
    present,
    ran,
    run_for,
    run_status,
)

scenario = Scenario(
    "forgotten_advance",
    description=__doc__,
    world=World(
        records=[customers(count=10)],
        integration="spmkit_testing.reference:build_forgetful_integration",
    ),
    timeline=[
        run_for("3m", every="1m"),
        add(customer("c11")),
        run_for("1m", every="1m"),
    ],
    expect=[
        run_status(1, "ok"),
        ran("customers", 1, 2, 3, 4),
        cursor_at(1, "customers", "unset"),
        cursor_at(4, "customers", "unset"),
        cursor_at(4, "orders@store-1", "4m"),
        present("customers", "c1", "c10", "c11"),
        nothing_lost(),
    ],
)
