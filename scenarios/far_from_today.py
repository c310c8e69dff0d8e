"""A world that starts years away from today's date: a wall-clock read in the integration shows up.

The simulation runs in 2041 while the machine's clock says otherwise. An integration
that reads datetime.now() or time.time() where the injected clock belongs (to filter
its reads, or to choose where its cursor goes) reads the wrong window or parks its
cursor years behind: once the world is quiet the oracle's progress invariant (I10)
names the cursor that never catches up, or the records never delivered.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    add,
    advance,
    nothing_lost,
    records,
    run_for,
    run_status,
    tick,
)

scenario = Scenario(
    "far_from_today",
    description=__doc__,
    world=World(start="2041-06-01T00:00:00Z", records=[records(10)]),
    timeline=[
        advance("1m"),
        tick(),
        advance("30s"),
        add(records(2, prefix="new", spread="10s")),
        run_for("5m", every="1m"),
    ],
    expect=[
        run_status(1, "ok"),
        nothing_lost(),
    ],
)
