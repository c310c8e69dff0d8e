"""A step that never returns advance_cursor_to: nothing is lost, but the sync never progresses.

A planted bug of the reference (build_forgetful_integration): the customers step
pushes everything but never asks to advance, so its cursor stays unset and every run
re-reads the whole backfill window (the engine warns each time). Nothing is lost,
yet a sync that never advances is not correct either: once the faults stop and the
partner is quiet the oracle's progress invariant I10 names the cursor that never
catches up. This scenario runs that planted bug only.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    Target,
    World,
    add,
    cursor_at,
    nothing_lost,
    present,
    ran,
    record,
    records,
    run_for,
    run_status,
    violates,
)

scenario = Scenario(
    "forgotten_advance",
    description=__doc__,
    world=World(
        records=[records(10, stream="global")],
    ),
    target=Target("tests.planted_reference:build_forgetful_integration",
                  "spmkit_testing.reference:reference_adapter"),
    timeline=[
        run_for("3m", every="1m"),
        add(record("c11")),
        run_for("1m", every="1m"),
    ],
    expect=[
        run_status(1, "ok"),
        ran("global", 1, 2, 3, 4),
        cursor_at(1, "global", "unset"),
        cursor_at(4, "global", "unset"),
        present("global", "c11"),
        nothing_lost(),
        violates("I10"),
    ],
)
