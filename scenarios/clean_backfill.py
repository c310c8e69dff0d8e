"""A first backfill of every stream, then late writes: everything arrives, nothing is held.

Twenty records on every stream-source (every source of a per-source stream) are read
by the first run and pushed; three more written afterwards on every stream-source
arrive on the next runs. Every run is clean and nothing is dead-lettered or lost.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    add,
    advance,
    dead_letters,
    nothing_lost,
    records,
    run_for,
    run_status,
    tick,
)

scenario = Scenario(
    "clean_backfill",
    description=__doc__,
    world=World(records=[records(20)]),
    timeline=[
        advance("1m"),
        tick(),
        advance("30s"),
        add(records(3, prefix="late", spread="10s")),
        run_for("3m", every="1m"),
    ],
    expect=[
        run_status(1, "ok"),
        run_status(2, "ok"),
        run_status(4, "ok"),
        dead_letters(0),
        nothing_lost(),
    ],
)
