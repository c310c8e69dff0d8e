"""One record ShopiMind refuses among good ones, strict policy: the cursor holds, nothing is lost.

The API rejects one item (a per-item reject inside a 2xx). Under the strict policy
that reject holds the cursor, so the window replays (with backoff: runs at ticks 1,
2 and 4) and the refused record is dead-lettered on every attempt, while the good
records are delivered on the first. An engine that advanced here would lose the
refused record silently; one that stopped pushing at the first reject would starve
the good ones.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    absent,
    cursor_at,
    dead_letters,
    error_mentions,
    nothing_lost,
    present,
    ran,
    record,
    records,
    run_for,
    skipped,
)

scenario = Scenario(
    "poison_pill",
    description=__doc__,
    world=World(
        records=[records(10, stream="global"), record("good"), record("bad", poisoned=True)],
        tolerate_rejects=False,
    ),
    timeline=[
        run_for("4m", every="1m"),
    ],
    expect=[
        cursor_at(1, "global", "held"),
        cursor_at(2, "global", "held"),
        cursor_at(4, "global", "held"),
        ran("global", 1, 2, 4),
        skipped("global", 3),
        error_mentions(1, "global", "1 item(s) rejected"),
        error_mentions(1, "global", "'bad'"),
        error_mentions(4, "global", "cursor held"),
        dead_letters(3, stream="global"),
        present("global", "good"),
        absent("global", "bad"),
        nothing_lost(),
    ],
)
