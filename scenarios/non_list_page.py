"""The partner answers a page of null instead of records: an error, not the end of the data.

The JS kit read a null (or an error object) as "no more pages": the step finished
clean and the cursor skipped everything unread. In spmkit an unexpected page is an
error of the step: the cursor holds and the next run reads the window again.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    advance,
    cursor_at,
    fault_on,
    nothing_lost,
    null_page,
    records,
    run_status,
    tick,
)

scenario = Scenario(
    "non_list_page",
    description=__doc__,
    world=World(records=[records(30, stream="global")]),
    timeline=[
        fault_on("null", null_page(target="global", times=1)),
        advance("1m"),
        tick(),
        advance("2m"),
        tick(),
    ],
    expect=[
        run_status(1, "partial"),
        cursor_at(1, "global", "held"),
        cursor_at(2, "global", "advanced"),
        nothing_lost(),
    ],
)
