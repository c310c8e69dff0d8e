"""5 of 10 customers rejected under a 0.4 reject budget: the cursor must HOLD.

A ratio budget tolerates rejects while rejected / attempted <= ratio. The JS kit
counted rejected items twice (5 / 15 = 0.33 passed a 0.4 budget). spmkit counts
attempted items from the push results, so 5 / 10 = 0.5 is over budget: the
cursor holds and all five rejects are dead-lettered.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    absent,
    advance,
    cursor_at,
    customer,
    dead_letters,
    error_mentions,
    nothing_lost,
    present,
    run_status,
    tick,
)

scenario = Scenario(
    "max_ratio",
    description=__doc__,
    world=World(
        records=[
            customer("g1"), customer("g2"), customer("g3"), customer("g4"), customer("g5"),
            customer("b1", email="b1-at-nowhere"), customer("b2", email="b2-at-nowhere"),
            customer("b3", email="b3-at-nowhere"), customer("b4", email="b4-at-nowhere"),
            customer("b5", email="b5-at-nowhere"),
        ],
        tolerate_rejects=0.4,
    ),
    timeline=[
        advance("1m"),
        tick(),
    ],
    expect=[
        run_status(1, "partial"),
        cursor_at(1, "customers", "held"),
        error_mentions(1, "customers", "5 item(s) rejected"),
        dead_letters(5, entity="customers"),
        present("customers", "g1", "g5"),
        absent("customers", "b1", "b5"),
        nothing_lost(),
    ],
)
