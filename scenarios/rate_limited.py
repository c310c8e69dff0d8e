"""429 + Retry-After: a short burst is waited out inside the tick; a long quota holds the cursor.

The client honours Retry-After on the simulated clock (capped), so two 429s on the
customers endpoint cost a minute of simulated time and the tick still ends clean.
When the API keeps answering 429 past the client's retries, the push fails: a
transport failure, never tolerated, so the cursor holds and the window replays
once the quota is back. Nothing is lost either way.
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
    error_mentions,
    fault_off,
    fault_on,
    nothing_lost,
    present,
    rate_limited,
    run_status,
    tick,
)

scenario = Scenario(
    "rate_limited",
    description=__doc__,
    world=World(records=[customers(count=20)]),
    timeline=[
        fault_on("burst", rate_limited(retry_after=30, resource="customers", calls=(1, 2))),
        advance("1m"),
        tick(),
        fault_off("burst"),
        add(customer("in-quota")),
        fault_on("quota", rate_limited(retry_after=20, resource="customers")),
        advance("5m"),
        tick(),
        fault_off("quota"),
        advance("5m"),
        tick(),
    ],
    expect=[
        run_status(1, "ok"),
        cursor_at(1, "customers", "1m"),
        run_status(2, "partial"),
        cursor_at(2, "customers", "held"),
        error_mentions(2, "customers", "429"),
        cursor_at(3, "customers", "advanced"),
        present("customers", "c1", "c20", "in-quota"),
        dead_letters(0),
        nothing_lost(),
    ],
)
