"""Network errors and timeouts on push: the cursor holds; the window replays once they stop.

A connection refused, or a read timeout after which nothing was stored, is a
transport failure: the engine can't know what arrived, so it must not advance,
and it never tolerates it whatever the reject policy (here tolerate_rejects=True).
Once the network is back the same window is pushed again (an idempotent upsert)
and nothing is lost.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    advance,
    cursor_at,
    customers,
    dead_letters,
    fault_off,
    fault_on,
    network_error,
    nothing_lost,
    present,
    run_status,
    tick,
    timeout,
)

scenario = Scenario(
    "transport_failure",
    description=__doc__,
    world=World(records=[customers(count=15)], tolerate_rejects=True),
    timeline=[
        fault_on("down", network_error(resource="customers")),
        advance("1m"),
        tick(),
        fault_off("down"),
        fault_on("slow", timeout(resource="customers")),
        advance("5m"),
        tick(),
        fault_off("slow"),
        advance("5m"),
        tick(),
    ],
    expect=[
        cursor_at(1, "customers", "held"),
        run_status(1, "partial"),
        cursor_at(2, "customers", "held"),
        run_status(2, "partial"),
        cursor_at(3, "customers", "advanced"),
        present("customers", "c1", "c15"),
        dead_letters(0),
        nothing_lost(),
    ],
)
