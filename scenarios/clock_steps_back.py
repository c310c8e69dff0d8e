"""The clock steps back 30 minutes (an NTP correction): no inverted window, no backwards cursor.

After a run at 10m the clock jumps back to -20m. A cursor is now ahead of "now": the
JS kit computed since > until and could move the cursor backwards. spmkit runs
nothing for that step-source (skipped, reason clock_behind_cursor) until the clock
passes its cursor again, then resumes; a record written meanwhile is delivered.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    add,
    advance,
    clock_step,
    cursor_at,
    nothing_lost,
    present,
    ran,
    record,
    records,
    skipped,
    tick,
)

scenario = Scenario(
    "clock_steps_back",
    description=__doc__,
    world=World(records=[records(5, stream="global")]),
    timeline=[
        advance("10m"),
        tick(),
        clock_step("-30m"),
        tick(),
        advance("15m"),
        tick(),
        advance("20m"),
        add(record("after")),
        advance("1m"),
        tick(),
    ],
    expect=[
        cursor_at(1, "global", "advanced"),
        skipped("global", 2, 3, reason="clock_behind_cursor"),
        cursor_at(2, "global", "held"),
        cursor_at(3, "global", "held"),
        ran("global", 4),
        cursor_at(4, "global", "advanced"),
        present("global", "after"),
        nothing_lost(),
    ],
)
