"""The clock steps back 30 minutes: no inverted window, no cursor moved backwards.

After an NTP correction (or a VM restored from a snapshot) now can be earlier
than a cursor. Reading (cursor, now] would be an inverted window; moving the
cursor back to now would re-read and could shuffle state. spmkit does neither:
each step-source is skipped (reason clock_behind_cursor) until the clock passes
its cursor again, then syncs normally.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    add,
    advance,
    clock_step,
    cursor_at,
    customer,
    customers,
    nothing_lost,
    present,
    ran,
    skipped,
    tick,
)

scenario = Scenario(
    "clock_steps_back",
    description=__doc__,
    world=World(records=[customers(count=5)]),
    timeline=[
        advance("10m"),
        tick(),
        clock_step("-30m"),
        tick(),
        advance("15m"),
        tick(),
        advance("20m"),
        add(customer("after")),
        advance("1m"),
        tick(),
    ],
    expect=[
        cursor_at(1, "customers", "10m"),
        skipped("customers", 2, 3, reason="clock_behind_cursor"),
        skipped("orders@store-1", 2, reason="clock_behind_cursor"),
        cursor_at(2, "customers", "held"),
        cursor_at(3, "customers", "held"),
        ran("customers", 4),
        cursor_at(4, "customers", "16m"),
        present("customers", "c1", "after"),
        nothing_lost(),
    ],
)
