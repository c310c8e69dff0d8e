"""A step that asks for a cursor past its window (the time after a slow push): it is clamped.

A planted bug of the reference (build_eager_integration): the customers step returns
advance_cursor_to=ctx.clock.now() read after a 30 s push, later than the window it
read. A record written during the push, stamped inside that gap, was never read; a
cursor past it would skip it for good. The engine clamps the cursor to window.until,
so the next run reads it. This scenario runs that planted bug only.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    Target,
    World,
    add,
    advance,
    cursor_at,
    fault_off,
    fault_on,
    latency,
    nothing_lost,
    present,
    record,
    records,
    run_status,
    tick,
)

scenario = Scenario(
    "eager_advance",
    description=__doc__,
    world=World(
        records=[records(5, stream="global")],
    ),
    target=Target("tests.planted_reference:build_eager_integration",
                  "spmkit_testing.reference:reference_adapter"),
    timeline=[
        advance("1m"),
        add(record("mid-push", at="20s")),
        fault_on("slow push", latency("30s", resource="customers", method="POST")),
        tick(),
        fault_off("slow push"),
        advance("1m"),
        tick(),
    ],
    expect=[
        run_status(1, "ok"),
        cursor_at(1, "global", "1m"),
        cursor_at(2, "global", "advanced"),
        present("global", "mid-push"),
        nothing_lost(),
    ],
)
