"""One source of a per-source stream is down: it holds and backs off, the others keep syncing.

The partner answers 503 for the first source only. Its cursor holds and backs off
(runs at ticks 1, 2, 4, then 8 once its 4-minute backoff elapses), while the second
source runs every tick and delivers a record written meanwhile. When the outage ends
the first source catches up, its record written during the outage included.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    add,
    advance,
    cursor_at,
    error_mentions,
    fault_off,
    fault_on,
    nothing_lost,
    present,
    ran,
    record,
    records,
    run_for,
    skipped,
    status,
)

scenario = Scenario(
    "per_source_isolation",
    description=__doc__,
    world=World(records=[records(5)]),
    timeline=[
        fault_on("store-1 down", status(503, target="per-source@store-1")),
        run_for("3m", every="1m"),
        advance("10s"),
        add(record("o6", stream="per-source@store-1"), record("p6", stream="per-source@store-2")),
        run_for("2m", every="1m"),
        fault_off("store-1 down"),
        run_for("4m", every="1m"),
    ],
    expect=[
        cursor_at(1, "per-source@store-1", "held"),
        ran("per-source@store-1", 1, 2, 4),
        skipped("per-source@store-1", 3, 5),
        cursor_at(4, "per-source@store-1", "held"),
        error_mentions(1, "per-source@store-1", "503"),
        ran("per-source@store-2", 1, 2, 3, 4, 5, 6, 7, 8, 9),
        cursor_at(1, "per-source@store-2", "advanced"),
        cursor_at(4, "per-source@store-2", "advanced"),
        ran("per-source@store-1", 8),
        cursor_at(8, "per-source@store-1", "advanced"),
        present("per-source@store-1", "o6"),
        present("per-source@store-2", "p6"),
        nothing_lost(),
    ],
)
