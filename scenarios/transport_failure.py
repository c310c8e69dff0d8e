"""Network errors and timeouts on push: the cursor holds; the window replays once they stop.

A connection refused, or a read timeout after which nothing was stored, is a
transport failure: the engine can't know what arrived, so it must not advance, and
it never tolerates it whatever the reject policy (here tolerate_rejects=True). Once
the network is back the same window is pushed again (an idempotent upsert).
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    add,
    advance,
    connect_error,
    cursor_at,
    dead_letters,
    fault_off,
    fault_on,
    nothing_lost,
    present,
    read_timeout,
    record,
    records,
    run_status,
    tick,
)

scenario = Scenario(
    "transport_failure",
    description=__doc__,
    world=World(records=[records(15, stream="global")], tolerate_rejects=True),
    timeline=[
        fault_on("down", connect_error(method="POST")),
        advance("1m"),
        tick(),
        fault_off("down"),
        add(record("between")),
        fault_on("slow", read_timeout(method="POST")),
        advance("5m"),
        tick(),
        fault_off("slow"),
        advance("5m"),
        tick(),
    ],
    expect=[
        cursor_at(1, "global", "held"),
        run_status(1, "partial"),
        cursor_at(2, "global", "held"),
        run_status(2, "partial"),
        cursor_at(3, "global", "advanced"),
        present("global", "between"),
        dead_letters(0),
        nothing_lost(),
    ],
)
