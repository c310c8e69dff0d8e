"""The API answers 429 with Retry-After: short bursts are waited out, a lasting quota holds.

Two 429s with Retry-After: 30 s are retried in simulated time (the wall clock does
not wait) and the first run is clean. Later every request is rate limited: the
retries give up, the step fails with the 429 named, the cursor holds, and the next
run after the quota is lifted delivers what was written meanwhile.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    add,
    advance,
    cursor_at,
    dead_letters,
    error_mentions,
    fault_off,
    fault_on,
    nothing_lost,
    present,
    rate_limited,
    record,
    records,
    run_status,
    tick,
)

scenario = Scenario(
    "rate_limited",
    description=__doc__,
    world=World(records=[records(20, stream="global")]),
    timeline=[
        fault_on("burst", rate_limited("30s", method="POST", calls=(1, 2))),
        advance("1m"),
        tick(),
        fault_off("burst"),
        add(record("in-quota")),
        fault_on("quota", rate_limited("20s", method="POST")),
        advance("5m"),
        tick(),
        fault_off("quota"),
        advance("5m"),
        tick(),
    ],
    expect=[
        run_status(1, "ok"),
        cursor_at(1, "global", "advanced"),
        run_status(2, "partial"),
        cursor_at(2, "global", "held"),
        error_mentions(2, "global", "429"),
        cursor_at(3, "global", "advanced"),
        present("global", "in-quota"),
        dead_letters(0),
        nothing_lost(),
    ],
)
