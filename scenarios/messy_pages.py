"""The partner repeats records across pages and serves a page out of order: nothing is lost.

Real APIs do this when records change while a client pages through them. Re-pushing
a record is an idempotent upsert, so duplicates are harmless; an integration that
takes the last record of a page as its position (instead of the newest) may skip
records when the page is out of order.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    advance,
    duplicate_page,
    fault_off,
    fault_on,
    nothing_lost,
    records,
    reordered_page,
    run_for,
    tick,
)

scenario = Scenario(
    "messy_pages",
    description=__doc__,
    world=World(records=[records(250)]),
    timeline=[
        fault_on("duplicates", duplicate_page(count=3, target="partner", probability=0.5)),
        fault_on("order", reordered_page(target="partner", probability=0.5)),
        advance("1m"),
        tick(),
        fault_off("duplicates"),
        fault_off("order"),
        run_for("3m", every="1m"),
    ],
    expect=[
        nothing_lost(),
    ],
)
