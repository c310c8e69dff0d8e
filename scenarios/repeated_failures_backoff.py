"""The partner is down for twelve ticks: runs back off 1, 2, 4, 8 minutes, then recover.

After n consecutive failures a step-source waits min(2^(n-1) min, 24 h), counted
from the start of its failed run. The failing global stream runs at ticks 1, 2, 4
and 8 and is skipped in between (no error, cursor untouched); once the partner is
back, the first allowed run (tick 16) delivers everything, including the record
written during the outage. An integration that swallowed the 503 and returned a
clean result would advance past records it never read: the oracle names them.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    add,
    cursor_at,
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
)

scenario = Scenario(
    "repeated_failures_backoff",
    description=__doc__,
    world=World(records=[records(20, stream="global")]),
    timeline=[
        fault_on("partner down", status(503, target="global")),
        run_for("4m", every="1m"),
        add(record("during-outage")),
        run_for("8m", every="1m"),
        fault_off("partner down"),
        run_for("6m", every="1m"),
    ],
    expect=[
        ran("global", 1, 2, 4, 8, 16),
        skipped("global", 3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15),
        cursor_at(8, "global", "unset"),
        cursor_at(16, "global", "advanced"),
        run_status(1, "partial"),
        run_status(3, "ok"),
        run_status(16, "ok"),
        present("global", "during-outage"),
        nothing_lost(),
    ],
)
