"""A step that advances to "now" after a slow push: the engine clamps the cursor to window.until.

A step reads the window (since, until] and then pushes; when the push is slow
(retries, latency) "now" has moved on. A step that returns advance_cursor_to=now
claims a span it never read: a customer the partner stamps during the push (here
20 s after the window closed, while the push takes 30 s) would sit behind the
cursor, never read, lost. The engine never moves a cursor past window.until, so
that customer is read and delivered by the next run.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    add,
    advance,
    cursor_at,
    customer,
    customers,
    fault_off,
    fault_on,
    latency,
    nothing_lost,
    present,
    run_status,
    tick,
)

scenario = Scenario(
    "eager_advance",
    description=__doc__,
    world=World(
        records=[customers(count=5)],
        integration="spmkit_testing.reference:build_eager_integration",
    ),
    timeline=[
        advance("1m"),
        add(customer("mid-push", at="20s")),
        fault_on("slow push", latency("30s", resource="customers", method="POST")),
        tick(),
        fault_off("slow push"),
        advance("1m"),
        tick(),
    ],
    expect=[
        run_status(1, "ok"),
        cursor_at(1, "customers", "1m"),
        cursor_at(2, "customers", "advanced"),
        present("customers", "c1", "c5", "mid-push"),
        nothing_lost(),
    ],
)
