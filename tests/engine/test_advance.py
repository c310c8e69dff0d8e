"""A bulk step chooses its advance; an advance past the window is clamped, logged, recorded."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

import pytest

from spmkit import (
    IntegrationDefinitionError,
    StepContext,
    StepResult,
    StreamRead,
    SyncStep,
    SyncSummary,
    define_bulk_step,
    define_integration,
    run_integration_sync,
)

from .conftest import FakePush, ManualClock, raised_at


def sync(step: SyncStep, store: Any, clock: ManualClock, push: FakePush) -> SyncSummary:
    integration = define_integration(slug="t", sync_steps=[step])
    return asyncio.run(run_integration_sync(integration, store=store, clock=clock, push=push))


def rows(clock: ManualClock) -> list[dict[str, Any]]:
    return [{"id": f"c{i}", "changed": clock.now() - timedelta(hours=3 - i)} for i in range(3)]


def test_advance_sees_what_the_stream_read_and_sets_the_cursor(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    seen: list[StreamRead] = []
    records = rows(clock)

    def high_water(ctx: StepContext, read: StreamRead) -> datetime:
        seen.append(read)
        changed = read.last["changed"]
        assert isinstance(changed, datetime)
        return changed

    step = define_bulk_step("customers", stream=lambda ctx: records,
                            map=lambda r, ctx: None if r["id"] == "c0" else {"id": r["id"]},
                            advance=high_water)
    summary = sync(step, store, clock, push)
    assert seen == [StreamRead(records=3, items=2, first=records[0], last=records[2])]
    assert store.get_cursor("customers", "").last_synced_at == records[2]["changed"]
    assert summary.step("customers").requested_advance == records[2]["changed"]


def test_an_async_advance_is_awaited_and_none_advances_nothing(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    async def nothing(ctx: StepContext, read: StreamRead) -> None:
        return None

    step = define_bulk_step("customers", stream=lambda ctx: rows(clock), map=lambda r, c: r,
                            advance=nothing)
    summary = sync(step, store, clock, push)
    assert summary.status == "ok" and not summary.step("customers").advanced
    assert store.get_cursor("customers", "") is None


def test_an_advance_that_raises_is_an_error_of_the_step(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    def broken(ctx: StepContext, read: StreamRead) -> datetime:
        raise KeyError("changed")

    step = define_bulk_step("customers", stream=lambda ctx: rows(clock), map=lambda r, c: r,
                            advance=broken)
    assert sync(step, store, clock, push).step("customers").errors == (
        f"bulk step 'customers': advance(ctx, read) raised KeyError at {raised_at(broken)}: "
        f"'changed'",)


def test_an_advance_that_is_not_callable_is_refused_at_definition() -> None:
    with pytest.raises(IntegrationDefinitionError) as info:
        define_bulk_step("customers", stream=lambda ctx: [], map=lambda r, c: r,
                         advance="until")  # type: ignore[arg-type]
    assert info.value.args == (
        "define_bulk_step('customers'): advance='until' is not callable; pass a function "
        "advance(ctx, read) returning the cursor's new value, or leave it None to advance to "
        "ctx.window.until.",)


def test_an_advance_past_the_window_is_clamped_logged_and_recorded(
    store: Any, clock: ManualClock, push: FakePush, caplog: pytest.LogCaptureFixture
) -> None:
    eager = clock.now() + timedelta(days=3)

    async def run(ctx: StepContext) -> StepResult:
        return StepResult(advance_cursor_to=eager)

    with caplog.at_level(logging.WARNING, logger="spmkit"):
        summary = sync(SyncStep(entity="orders", run=run), store, clock, push)
    step = summary.step("orders")
    assert (step.requested_advance, step.cursor_after) == (eager, clock.now())
    assert step.to_dict()["requested_advance"] == eager.isoformat()
    assert [r.getMessage() for r in caplog.records] == [
        f"sync step-source orders asked to advance its cursor to {eager.isoformat()}, past "
        f"the end of its window {clock.now().isoformat()}: clamped to {clock.now().isoformat()}. "
        f"A step may not claim records it has not read yet."]


def test_a_step_that_asks_for_nothing_records_no_requested_advance(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    async def run(ctx: StepContext) -> StepResult:
        return StepResult()

    assert sync(SyncStep(entity="orders", run=run), store, clock, push).step(
        "orders").requested_advance is None


def test_a_plain_stream_that_fails_midway_pushes_the_batches_it_filled(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    def partner(ctx: StepContext) -> Any:
        for i in range(8):
            yield {"id": f"c{i}"}
        raise RuntimeError("partner closed the connection")

    # Two records map to nothing, so the second batch fills with the last two records
    # read, in the block the failure cut short: it is still pushed.
    step = define_bulk_step("customers", stream=partner, batch_size=3,
                            map=lambda r, ctx: None if r["id"] in ("c1", "c3") else r)
    summary = sync(step, store, clock, push)
    assert push.calls == [("customers", 3), ("customers", 3)]
    assert sorted(push.delivered) == ["c0", "c2", "c4", "c5", "c6", "c7"]
    assert summary.step("customers").errors == (
        f"bulk step 'customers': RuntimeError at {raised_at(partner)}: partner closed the "
        f"connection",)
    assert store.get_cursor("customers", "").last_synced_at is None
