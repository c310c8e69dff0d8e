"""Planted bugs of an integration (test-only seams over examples/acme_crm's steps).

Each builder returns a fresh Acme integration with one classic integration bug, so the
harness can be shown to catch it. Nothing here is shipped.
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spmkit import (
    Integration,
    PushOutcome,
    StepContext,
    define_bulk_step,
    define_integration,
)

ACME = Path(__file__).resolve().parents[1] / "examples" / "acme_crm" / "src"
if str(ACME) not in sys.path:  # the installed copy wins when make examples installed it
    sys.path.append(str(ACME))

from acme_crm import sync  # noqa: E402
from acme_crm.testing import adapter  # noqa: E402

__all__ = ["BUGS", "adapter", "acme"]

Pages = Callable[[StepContext, str], AsyncIterator[Mapping[str, Any]]]
BATCH = 50


def _steps(pages: Pages, *, push: Any = None, advance: Any = None) -> Integration:
    def contacts_stream(ctx: StepContext) -> AsyncIterator[Mapping[str, Any]]:
        return pages(ctx, "/contacts")

    def deals_stream(ctx: StepContext) -> AsyncIterator[Mapping[str, Any]]:
        return pages(ctx, f"/workspaces/{ctx.source_key}/deals")

    contacts = define_bulk_step(
        "contacts", resource="customers", stream=contacts_stream,
        map=lambda r, ctx: sync.contact_item(r), batch_size=BATCH, advance=advance,
        **({"push": push("customers")} if push else {"data_source": "acme"}))
    deals = define_bulk_step(
        "deals", resource="orders", stream=deals_stream,
        map=lambda r, ctx: sync.deal_item(r, ctx.source_key), batch_size=BATCH,
        cursor_scope="per-source", sources=sync.list_workspaces, advance=advance,
        **({"push": push("orders")} if push else {"data_source": "acme"}))
    return define_integration(slug="acme-crm-planted", sync_steps=[contacts, deals],
                              provisioning=sync.provisioning)


def acme() -> Integration:
    """Acme's own steps, rebuilt the same way as the planted ones (the control)."""
    return _steps(sync._pages)


def swallowed_5xx() -> Integration:
    """A partner 5xx is caught and the step returns clean with what it read so far."""
    async def pages(ctx: StepContext, path: str) -> AsyncIterator[Mapping[str, Any]]:
        try:
            async for record in sync._pages(ctx, path):
                yield record
        except RuntimeError:
            return

    return _steps(pages)


def own_high_water_mark() -> Integration:
    """Reads from its own high-water mark (the newest modifiedAt it fetched) instead of
    the engine's overlapped window.since."""
    # One high-water mark per deployment (per simulated world: its transport).
    worlds: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], datetime]] = (
        weakref.WeakKeyDictionary())

    async def pages(ctx: StepContext, path: str) -> AsyncIterator[Mapping[str, Any]]:
        import dataclasses

        assert ctx.window is not None
        marks = worlds.setdefault(ctx.settings.transport, {})
        key = (ctx.entity, ctx.source_key)
        if key in marks:
            ctx = dataclasses.replace(ctx, window=dataclasses.replace(ctx.window,
                                                                      since=marks[key]))
        async for record in sync._pages(ctx, path):
            stamp = datetime.fromisoformat(str(record["modifiedAt"]))
            marks[key] = max(marks.get(key, stamp), stamp)
            yield record

    return _steps(pages)


def last_partial_batch_dropped() -> Integration:
    """A custom push that never sends a batch smaller than the batch size."""
    def push(resource: str) -> Any:
        async def send(ctx: StepContext, batch: Any) -> PushOutcome:
            if len(batch) < BATCH:
                return PushOutcome(sent=0)
            return await ctx.with_source("acme").send(resource, batch)

        return send

    return _steps(sync._pages, push=push)


def wall_clock_advance() -> Integration:
    """Advances the cursor to the machine's clock instead of the window's end."""
    return _steps(sync._pages, advance=lambda ctx, read: datetime.now(UTC))


# Each planted integration built once, as a module attribute: a counterexample's replay
# command can then name it (tests.planted:swallowed_5xx_sync).
swallowed_5xx_sync = swallowed_5xx()
own_high_water_mark_sync = own_high_water_mark()
last_partial_batch_dropped_sync = last_partial_batch_dropped()
wall_clock_advance_sync = wall_clock_advance()

BUGS: dict[str, Callable[[], Integration]] = {
    "swallowed_5xx": swallowed_5xx,
    "own_high_water_mark": own_high_water_mark,
    "last_partial_batch_dropped": last_partial_batch_dropped,
    "wall_clock_advance": wall_clock_advance,
}
