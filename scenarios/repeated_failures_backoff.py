"""The customers API is down for twelve ticks: runs back off 1, 2, 4, 8 min, then recover.

After n consecutive failures a step-source waits min(2^(n-1) min, 24 h) from the
time its failure was recorded. The client retries each 503 a few times first
(about 3 s of simulated time), so a failure is recorded a little after its tick:
ticking every 65 s (rather than 60) keeps the arithmetic exact. The failing
customers step runs at ticks 1, 2, 4 and 8 and is skipped in between (no error,
cursor untouched) while the healthy orders step runs every tick. Once the API is
back, the first allowed run (tick 16, more than 8 min after the failure of tick 8)
delivers everything, including the customer written during the outage.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    add,
    cursor_at,
    customer,
    customers,
    fault_off,
    fault_on,
    http_status,
    nothing_lost,
    present,
    ran,
    run_for,
    run_status,
    skipped,
)

scenario = Scenario(
    "repeated_failures_backoff",
    description=__doc__,
    world=World(records=[customers(count=20)]),
    timeline=[
        fault_on("api down", http_status(503, resource="customers")),
        run_for("260s", every="65s"),
        add(customer("during-outage")),
        run_for("520s", every="65s"),
        fault_off("api down"),
        run_for("390s", every="65s"),
    ],
    expect=[
        ran("customers", 1, 2, 4, 8, 16),
        skipped("customers", 3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15),
        cursor_at(8, "customers", "unset"),
        cursor_at(16, "customers", "advanced"),
        ran("orders@store-1", 1, 2, 3, 4, 5, 6, 7, 8),
        run_status(1, "partial"),
        run_status(3, "ok"),
        run_status(16, "ok"),
        present("customers", "c1", "c20", "during-outage"),
        nothing_lost(),
    ],
)
