"""600 records refused in one run: the dead-letter keeps 500 of them, the cursor holds.

Every record of the global stream is refused by ShopiMind. The strict policy holds
the cursor and names the count; the dead-letter stores at most 500 rows per run (the
cap), and a failing dead-letter write would never fail the sync.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    advance,
    cursor_at,
    dead_letters,
    error_mentions,
    records,
    run_status,
    tick,
)

scenario = Scenario(
    "dead_letter_cap",
    description=__doc__,
    world=World(records=[records(600, stream="global", poisoned=True)], tolerate_rejects=False),
    timeline=[
        advance("1m"),
        tick(),
    ],
    expect=[
        run_status(1, "partial"),
        cursor_at(1, "global", "held"),
        error_mentions(1, "global", "600 item(s) rejected"),
        dead_letters(500, stream="global"),
    ],
)
