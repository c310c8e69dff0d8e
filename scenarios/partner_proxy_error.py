"""A proxy in front of the partner answers 502 with an HTML page: an error, the cursor holds.

The page is not JSON: an integration must treat it as a failure of its read (not
crash the run, not read it as "no records"). The step fails, its cursor holds, and
the next run, once the proxy recovers, delivers everything.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    advance,
    cursor_at,
    fault_on,
    nothing_lost,
    records,
    run_status,
    status,
    tick,
)

scenario = Scenario(
    "partner_proxy_error",
    description=__doc__,
    world=World(records=[records(8, stream="global")]),
    timeline=[
        fault_on("proxy", status(502, body="html", target="global", times=1)),
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
