"""Listing the sources fails: a recorded, backed-off failure of that step alone.

A per-source step asks sources() which cursors to run. In the JS kit an exception
there aborted the whole run with no failure row and no backoff, so it repeated at
every tick and took the other steps down with it. In spmkit it is a failure of that
step alone: recorded on its step-level row, backed off like any other, the
per-source cursors untouched, the global stream unaffected.
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
    run_status,
    skipped,
    status,
    tick,
)

scenario = Scenario(
    "sources_raise",
    description=__doc__,
    world=World(records=[records(5)]),
    timeline=[
        advance("1m"),
        tick(),
        advance("10s"),
        add(record("o5", stream="per-source@store-1"), record("g6")),
        fault_on("no sources", status(503, target="per-source/sources")),
        run_for("2m", every="30s"),
        fault_off("no sources"),
        run_for("3m", every="30s"),
    ],
    expect=[
        cursor_at(1, "per-source@store-1", "advanced"),
        run_status(2, "partial"),
        ran("per-source", 2, 4),
        skipped("per-source", 3, 5, 6, 7),
        error_mentions(2, "per-source", "sources() failed"),
        cursor_at(2, "per-source@store-1", "held"),
        cursor_at(5, "per-source@store-1", "held"),
        ran("global", 2, 3, 4, 5),
        cursor_at(2, "global", "advanced"),
        ran("per-source@store-1", 8),
        cursor_at(8, "per-source@store-1", "advanced"),
        present("per-source@store-1", "o5"),
        present("global", "g6"),
        nothing_lost(),
    ],
)
