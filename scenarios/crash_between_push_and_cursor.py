"""The engine dies after pushing but before writing the cursor: the window replays, nothing lost.

On a SQLite store the process crashes at before_cursor_write in the first run: the
pushed items are in ShopiMind but no cursor was written. After the restart the same
window is read and pushed again (idempotent upserts) and the cursor advances.
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
    nothing_lost,
    present,
    record,
    records,
    run_status,
    tick,
)

scenario = Scenario(
    "crash_between_push_and_cursor",
    description=__doc__,
    world=World(records=[records(10, stream="global")], store="sqlite"),
    timeline=[
        crash(at="before_cursor_write"),
        advance("1m"),
        tick(),
        add(record("after-restart")),
        advance("1m"),
        tick(),
    ],
    expect=[
        run_status(1, "crashed"),
        crashed_at(1, "before_cursor_write"),
        cursor_at(1, "global", "unset"),
        run_status(2, "ok"),
        cursor_at(2, "global", "advanced"),
        present("global", "after-restart"),
        nothing_lost(),
    ],
)
