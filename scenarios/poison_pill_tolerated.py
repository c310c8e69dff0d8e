"""The same malformed customer with tolerate_rejects=True: dead-lettered once, cursor advances.

Tolerating rejects is a deliberate choice: the bad record is not retried, so it
must be recorded. The cursor advances on the first tick, the reject sits in the
dead-letter with its payload and reason, and the oracle counts it as accounted
for, not lost.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    absent,
    cursor_at,
    customer,
    customers,
    dead_letters,
    nothing_lost,
    present,
    ran,
    run_for,
    run_status,
)

scenario = Scenario(
    "poison_pill_tolerated",
    description=__doc__,
    world=World(
        records=[customers(count=10), customer("bad", email="not-an-email")],
        tolerate_rejects=True,
    ),
    timeline=[
        run_for("3m", every="1m"),
    ],
    expect=[
        run_status(1, "ok"),
        cursor_at(1, "customers", "1m"),
        ran("customers", 1, 2, 3),
        dead_letters(1, entity="customers"),
        present("customers", "c1", "c10"),
        absent("customers", "bad"),
        nothing_lost(),
    ],
)
