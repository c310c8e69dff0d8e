"""600 rejected items in one run: the dead-letter keeps 500 per run, and the cursor holds.

Every rejected item is dead-lettered with its payload and reason, up to 500 per
run so a broken mapping cannot flood the store. Under the strict policy the
cursor holds, so nothing beyond the cap is lost: the next run rejects (and
records) them again. (Under tolerate_rejects=True the items past the cap would
be passed by the cursor unrecorded: the oracle reports that as I3.)
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    absent,
    advance,
    cursor_at,
    customers,
    dead_letters,
    error_mentions,
    fault_on,
    poison,
    run_status,
    tick,
)

scenario = Scenario(
    "dead_letter_cap",
    description=__doc__,
    world=World(records=[customers(count=600)]),
    timeline=[
        fault_on("all bad", poison("email", regex="@example\\.com$", resource="customers")),
        advance("1m"),
        tick(),
    ],
    expect=[
        run_status(1, "partial"),
        cursor_at(1, "customers", "held"),
        error_mentions(1, "customers", "600 item(s) rejected"),
        dead_letters(500, entity="customers"),
        absent("customers", "c1", "c600"),
    ],
)
