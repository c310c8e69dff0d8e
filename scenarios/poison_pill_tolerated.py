"""One refused record, tolerate_rejects=True: it is dead-lettered once and the cursor advances.

With a tolerant policy a per-item reject does not hold the cursor: the record is
stored in the dead-letter with the API's reason (where an operator can replay it)
and the sync moves on.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    absent,
    cursor_at,
    dead_letters,
    nothing_lost,
    present,
    ran,
    record,
    records,
    run_for,
    run_status,
)

scenario = Scenario(
    "poison_pill_tolerated",
    description=__doc__,
    world=World(
        records=[records(10, stream="global"), record("good"), record("bad", poisoned=True)],
        tolerate_rejects=True,
    ),
    timeline=[
        run_for("3m", every="1m"),
    ],
    expect=[
        run_status(1, "ok"),
        cursor_at(1, "global", "advanced"),
        ran("global", 1, 2, 3),
        dead_letters(1, stream="global"),
        present("global", "good"),
        absent("global", "bad"),
        nothing_lost(),
    ],
)
