"""Planted bugs of the reference Demo POS integration (test-only): each builder returns the
reference with one classic bug of a step, for scenarios that show what the engine and the
oracle make of it (tests/scenarios/eager_advance.py, forgotten_advance.py). Nothing here is
shipped."""

from __future__ import annotations

import dataclasses

from spmkit import Integration, StepContext, StepResult, define_integration
from spmkit_testing.reference import build_reference_integration, parse_settings, provisioning

__all__ = ["build_eager_integration", "build_forgetful_integration"]


def build_forgetful_integration(*, tolerate_rejects: bool | float = False,
                                batch_size: int = 500) -> Integration:
    """The Demo POS with a classic bug: the customers step never returns ``advance_cursor_to``.

    It pushes everything, but its cursor never moves, so every run re-reads the whole
    backfill window (the engine warns each time). The ``forgotten_advance`` scenario
    shows it.
    """
    base = build_reference_integration(tolerate_rejects=tolerate_rejects, batch_size=batch_size)
    customers = base.step("customers")
    run = customers.run

    async def forgetful_run(ctx: StepContext) -> StepResult:
        result = await run(ctx)
        return StepResult(items=result.items, errors=result.errors)

    steps = [dataclasses.replace(s, run=forgetful_run) if s is customers else s
             for s in base.sync_steps]
    return define_integration(slug="demo-pos-forgetful", meta=base.meta, sync_steps=steps,
                              parse_settings=parse_settings, provisioning=provisioning)


def build_eager_integration(*, tolerate_rejects: bool | float = False,
                            batch_size: int = 500) -> Integration:
    """The Demo POS with another classic bug: the customers step advances to *now* after pushing.

    ``advance_cursor_to=ctx.clock.now()`` read after a slow push is later than the
    window it read (``window.until``): a partner write stamped in between was never
    read, and a cursor past it would skip it for good. The engine clamps the cursor
    to ``window.until``; the ``eager_advance`` scenario shows it.
    """
    base = build_reference_integration(tolerate_rejects=tolerate_rejects, batch_size=batch_size)
    customers = base.step("customers")
    run = customers.run

    async def eager_run(ctx: StepContext) -> StepResult:
        result = await run(ctx)
        if result.advance_cursor_to is None:
            return result
        return StepResult(items=result.items, errors=result.errors,
                          advance_cursor_to=ctx.clock.now())

    steps = [dataclasses.replace(s, run=eager_run) if s is customers else s
             for s in base.sync_steps]
    return define_integration(slug="demo-pos-eager", meta=base.meta, sync_steps=steps,
                              parse_settings=parse_settings, provisioning=provisioning)


