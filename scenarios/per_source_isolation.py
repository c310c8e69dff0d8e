"""Store 1's orders endpoint fails; store 2 and the customers keep syncing.

Orders have one cursor per store (cursor_scope="per-source"). A failing source
holds and backs off only its own cursor: store-2's orders and the customers keep
advancing every tick, and store-1 catches up, without loss, once its endpoint is
back.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    add,
    advance,
    cursor_at,
    customers,
    error_mentions,
    fault_off,
    fault_on,
    nothing_lost,
    order,
    orders,
    partner_fault,
    present,
    ran,
    run_for,
    skipped,
)

scenario = Scenario(
    "per_source_isolation",
    description=__doc__,
    world=World(records=[customers(count=5), orders(count=5), orders(count=5, store="store-2",
                                                                     prefix="p")]),
    timeline=[
        fault_on("store-1 down", partner_fault("orders@store-1", "server_error", status=503)),
        run_for("3m", every="1m"),
        advance("10s"),
        add(order("o6"), order("p6", store="store-2")),
        run_for("2m", every="1m"),
        fault_off("store-1 down"),
        run_for("4m", every="1m"),
    ],
    expect=[
        cursor_at(1, "orders@store-1", "held"),
        ran("orders@store-1", 1, 2, 4),
        skipped("orders@store-1", 3, 5),
        cursor_at(4, "orders@store-1", "held"),
        error_mentions(1, "orders@store-1", "503"),
        ran("orders@store-2", 1, 2, 3, 4, 5, 6, 7, 8, 9),
        cursor_at(1, "orders@store-2", "1m"),
        cursor_at(5, "orders@store-2", "5m10s"),
        cursor_at(5, "customers", "5m10s"),
        ran("orders@store-1", 8),
        cursor_at(8, "orders@store-1", "8m10s"),
        present("orders", "o1", "o6", "p1", "p6"),
        nothing_lost(),
    ],
)
