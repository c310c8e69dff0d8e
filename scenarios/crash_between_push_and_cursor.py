"""The engine dies after pushing but before writing the cursor: at-least-once, nothing lost.

The push landed but the cursor write did not. On restart (same SQLite store) the
cursor is where it was, so the same window is read and pushed again; bulk upserts
are keyed by natural id, so the replay is harmless. The opposite order (cursor
first, then push) would lose the window on a crash.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    add,
    advance,
    crash,
    crashed_at,
    cursor_at,
    customer,
    customers,
    nothing_lost,
    present,
    run_status,
    stored_by,
    tick,
)

scenario = Scenario(
    "crash_between_push_and_cursor",
    description=__doc__,
    world=World(records=[customers(count=10)], store="sqlite"),
    timeline=[
        crash(at="before_cursor_write"),
        advance("1m"),
        tick(),
        add(customer("c11")),
        advance("1m"),
        tick(),
    ],
    expect=[
        run_status(1, "crashed"),
        crashed_at(1, "before_cursor_write"),
        stored_by(1, "customers", "c1", "c10"),
        cursor_at(1, "customers", "unset"),
        run_status(2, "ok"),
        cursor_at(2, "customers", "2m"),
        present("customers", "c1", "c10", "c11"),
        nothing_lost(),
    ],
)
