"""A first sync of a healthy partner: every record arrives and every cursor advances.

The baseline. Fifty customers and a few orders per store, no fault: the first tick
reads the backfill window (365 days) and pushes everything; later ticks read only
what changed since the cursor. If this fails, nothing else in the library means
much: the integration cannot copy even a quiet partner.
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
    dead_letters,
    nothing_lost,
    order,
    orders,
    present,
    run_for,
    run_status,
    tick,
)

scenario = Scenario(
    "clean_backfill",
    description=__doc__,
    world=World(records=[customers(count=50), orders(count=5),
                         orders(count=3, store="store-2", prefix="p")]),
    timeline=[
        advance("1m"),
        tick(),
        advance("30s"),
        add(customer("late1"), order("p9", store="store-2", amount=99.5)),
        run_for("3m", every="1m"),
    ],
    expect=[
        run_status(1, "ok"),
        cursor_at(1, "customers", "1m"),
        cursor_at(1, "orders@store-1", "advanced"),
        cursor_at(1, "orders@store-2", "advanced"),
        cursor_at(4, "customers", "4m30s"),
        present("customers", "c1", "c50", "late1"),
        present("orders", "o1", "o5", "p1", "p3", "p9"),
        dead_letters(0),
        nothing_lost(),
    ],
)
