"""One malformed customer among good ones, strict policy: the cursor holds, nothing is lost.

The API rejects the customer whose e-mail is invalid (a per-item reject inside a
2xx). Under the default strict policy that reject holds the customers cursor, so
the window replays (with backoff: runs at ticks 1, 2 and 4) and the bad record is
dead-lettered on every attempt, while the ten good customers are delivered on the
first. An engine that advanced here would lose the bad record silently; one that
stopped pushing at the first reject would starve the good ones.
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
    error_mentions,
    nothing_lost,
    present,
    ran,
    run_for,
    skipped,
)

scenario = Scenario(
    "poison_pill",
    description=__doc__,
    world=World(records=[customers(count=10), customer("bad", email="not-an-email")]),
    timeline=[
        run_for("4m", every="1m"),
    ],
    expect=[
        cursor_at(1, "customers", "held"),
        cursor_at(2, "customers", "held"),
        cursor_at(4, "customers", "held"),
        ran("customers", 1, 2, 4),
        skipped("customers", 3),
        error_mentions(1, "customers", "1 item(s) rejected (cursor held"),
        error_mentions(2, "customers", "1 item(s) rejected (cursor held"),
        error_mentions(4, "customers", "1 item(s) rejected (cursor held"),
        cursor_at(1, "orders@store-1", "advanced"),
        dead_letters(3, entity="customers"),
        present("customers", "c1", "c5", "c10"),
        absent("customers", "bad"),
        nothing_lost(),
    ],
)
