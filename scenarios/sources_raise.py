"""The store list (GET /stores) fails: sources() raises, a recorded and backed-off failure.

A per-source step asks sources() which cursors to run. In the JS kit an exception
there aborted the whole run with no failure row and no backoff, so it repeated at
every tick and took the other steps down with it. In spmkit it is a failure of the
orders step alone: recorded on its step-level row ("orders"), backed off like any
other, the per-store cursors untouched, the customers step unaffected.
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
    error_mentions,
    fault_off,
    fault_on,
    nothing_lost,
    order,
    orders,
    present,
    ran,
    run_for,
    run_status,
    skipped,
    stores_down,
    tick,
)

scenario = Scenario(
    "sources_raise",
    description=__doc__,
    world=World(records=[customers(count=5), orders(count=4)]),
    timeline=[
        advance("1m"),
        tick(),
        advance("10s"),
        add(order("o5"), customer("c6")),
        fault_on("no stores", stores_down()),
        run_for("2m", every="30s"),
        fault_off("no stores"),
        run_for("3m", every="30s"),
    ],
    expect=[
        cursor_at(1, "orders@store-1", "1m"),
        run_status(2, "partial"),
        ran("orders", 2, 4),
        skipped("orders", 3, 5, 6, 7),
        error_mentions(2, "orders", "sources() failed"),
        cursor_at(2, "orders@store-1", "held"),
        cursor_at(5, "orders@store-1", "held"),
        ran("customers", 2, 3, 4, 5),
        cursor_at(2, "customers", "advanced"),
        ran("orders@store-1", 8),
        cursor_at(8, "orders@store-1", "advanced"),
        present("orders", "o5"),
        present("customers", "c6"),
        nothing_lost(),
    ],
)
