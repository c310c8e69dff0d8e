"""Five refused records among ten, a 0.4 tolerance: 5/10 is over the budget, the cursor holds.

The JS kit divided by items + rejected (the pushed items already include the
rejected ones): 5 of 10 read as 5/15 = 0.33 and passed a 0.4 budget, losing the five
for good. spmkit counts what was attempted from the push results: 5/10 = 0.5 > 0.4,
so the cursor holds; the rejects are dead-lettered and the good ones delivered.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    absent,
    advance,
    cursor_at,
    dead_letters,
    error_mentions,
    nothing_lost,
    present,
    record,
    run_status,
    tick,
)

scenario = Scenario(
    "max_ratio",
    description=__doc__,
    world=World(
        records=[
            record("g1"), record("g2"), record("g3"), record("g4"), record("g5"),
            record("b1", poisoned=True), record("b2", poisoned=True),
            record("b3", poisoned=True), record("b4", poisoned=True),
            record("b5", poisoned=True),
        ],
        tolerate_rejects=0.4,
    ),
    timeline=[
        advance("1m"),
        tick(),
    ],
    expect=[
        run_status(1, "partial"),
        cursor_at(1, "global", "held"),
        error_mentions(1, "global", "5 item(s) rejected"),
        dead_letters(5, stream="global"),
        present("global", "g1", "g5"),
        absent("global", "b1", "b5"),
        nothing_lost(),
    ],
)
