"""The partner answers 200 with null instead of a page: an error, not the end of the data.

The JS kit read a page that is not a list as "no more data": the step finished
clean and the cursor skipped every page it had not read. Here the first read of
the customers stream returns null. spmkit treats it as an error of the step: the
cursor holds, the run is partial, and the next run reads everything.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    advance,
    cursor_at,
    customers,
    fault_on,
    nothing_lost,
    partner_fault,
    present,
    run_status,
    tick,
)

scenario = Scenario(
    "non_list_page",
    description=__doc__,
    world=World(records=[customers(count=30)]),
    timeline=[
        fault_on("null", partner_fault("customers", "null_page", times=1)),
        advance("1m"),
        tick(),
        advance("2m"),
        tick(),
    ],
    expect=[
        run_status(1, "partial"),
        cursor_at(1, "customers", "held"),
        cursor_at(2, "customers", "3m"),
        present("customers", "c1", "c30"),
        nothing_lost(),
    ],
)
