"""A record readable late, written just before an on-time one: an overlap covering the lag saves it.

A record stamped at 1m30s becomes readable 90 s later; five seconds after it, another
one is written and readable at once, so the next run reads the on-time record (and a
cursor or high-water mark moves past the late one's stamp) before the late one can
be seen. With overlap_seconds=120 every later window starts two minutes before the
cursor and reads the late record once it appears. An integration that resumes from
its own high-water mark instead of the engine's window skips it: the oracle names it.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    add,
    advance,
    nothing_lost,
    present,
    record,
    records,
    run_for,
    tick,
)

scenario = Scenario(
    "clock_skew_overlap",
    description=__doc__,
    world=World(records=[records(5, stream="global")], overlap_seconds=120),
    timeline=[
        advance("1m"),
        tick(),
        advance("30s"),
        add(record("late", lag="90s")),
        advance("5s"),
        add(record("on-time")),
        run_for("5m", every="1m"),
    ],
    expect=[
        present("global", "late", "on-time"),
        nothing_lost(),
    ],
)
