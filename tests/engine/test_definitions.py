"""What a step definition refuses at once, and its defaults (the JS kit's included)."""

from __future__ import annotations

import asyncio
import functools
from datetime import datetime
from typing import Any

import pytest

from spmkit import (
    BULK_RESOURCES,
    IntegrationDefinitionError,
    StepContext,
    StepResult,
    SyncStep,
    define_bulk_step,
    define_integration,
    run_integration_sync,
)

from .conftest import FakePush, ManualClock


async def clean(ctx: StepContext) -> StepResult:
    assert ctx.window is not None
    return StepResult(advance_cursor_to=ctx.window.until)


def test_defaults_enabled_to_true() -> None:
    """The JS kit's "defaults enabled to true": a default step is enabled for any settings."""
    step = define_bulk_step("customers", stream=lambda ctx: [], map=lambda r, ctx: r)
    assert step.enabled({}) is True
    assert SyncStep(entity="orders", run=clean).enabled(None) is True
    assert SyncStep(entity="orders", run=clean, enabled=None).enabled({}) is True  # type: ignore[arg-type]


def test_a_misspelled_bulk_resource_is_refused_at_definition() -> None:
    with pytest.raises(IntegrationDefinitionError) as info:
        define_bulk_step("custmers", stream=lambda ctx: [], map=lambda r, ctx: r)
    known = ", ".join(sorted(BULK_RESOURCES))
    assert info.value.args == (
        f"define_bulk_step('custmers'): 'custmers' is not a ShopiMind bulk resource; choose one "
        f"of: {known}. Pass resource=... when the entity is named otherwise, or push=... to "
        f"push the batches yourself.",)


def test_an_entity_named_otherwise_is_fine_with_its_resource_or_its_own_push() -> None:
    define_bulk_step("eu-customers", resource="customers", stream=lambda ctx: [],
                     map=lambda r, ctx: r)

    async def push(ctx: StepContext, batch: Any) -> Any:
        return await ctx.send_bulk("customers", batch)

    define_bulk_step("eu-customers", push=push, stream=lambda ctx: [], map=lambda r, ctx: r)
    with pytest.raises(IntegrationDefinitionError, match="'custmers' is not a ShopiMind bulk"):
        define_bulk_step("eu", resource="custmers", push=push, stream=lambda ctx: [],
                         map=lambda r, ctx: r)


def test_a_run_that_is_not_async_is_refused_at_definition() -> None:
    def run(ctx: StepContext) -> StepResult:
        return StepResult()

    with pytest.raises(IntegrationDefinitionError) as info:
        SyncStep(entity="orders", run=run)  # type: ignore[arg-type]
    assert info.value.args == (
        f"step 'orders': run={run!r} is not an async function. The engine awaits run(ctx): "
        f"write it as `async def run(ctx) -> StepResult` (a plain function, or a lambda "
        f"returning a coroutine, is refused here rather than at run time).",)


def test_async_partials_and_async_callable_objects_are_accepted() -> None:
    class Runner:
        async def __call__(self, ctx: StepContext) -> StepResult:
            return StepResult()

    async def run_for(ctx: StepContext, entity: str) -> StepResult:
        return StepResult()

    SyncStep(entity="orders", run=Runner())
    SyncStep(entity="orders", run=functools.partial(run_for, entity="orders"))


def test_an_invalid_advance_cursor_to_is_a_step_error_not_labelled_fatal(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    async def run(ctx: StepContext) -> StepResult:
        return StepResult(advance_cursor_to=datetime(2026, 1, 1))

    integration = define_integration(slug="t", sync_steps=[SyncStep(entity="orders", run=run)])
    summary = asyncio.run(run_integration_sync(integration, store=store, clock=clock, push=push))
    assert summary.step("orders").errors == (
        "step 'orders' returned advance_cursor_to=datetime.datetime(2026, 1, 1, 0, 0), which is "
        "not an aware datetime; return ctx.window.until or an aware UTC datetime",)


def test_a_push_through_send_bulk_needs_no_return_value(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    """The natural port of `async (ctx, b) => { await ctx.sendBulk("customers", b) }`."""

    async def own_push(ctx: StepContext, batch: Any) -> None:
        await ctx.send_bulk("customers", batch)

    step = define_bulk_step("customers", stream=lambda ctx: [{"id": "c1"}, {"id": "c2"}],
                            map=lambda r, ctx: r, push=own_push)
    integration = define_integration(slug="t", sync_steps=[step])
    summary = asyncio.run(run_integration_sync(integration, store=store, clock=clock, push=push))
    assert summary.status == "ok" and summary.step("customers").advanced
    assert summary.step("customers").attempted == 2 and set(push.delivered) == {"c1", "c2"}


def test_a_push_that_filters_everything_out_still_went_through_send_bulk(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    async def own_push(ctx: StepContext, batch: Any) -> None:
        await ctx.send_bulk("customers", [i for i in batch if i["id"] != "c1"])

    step = define_bulk_step("customers", stream=lambda ctx: [{"id": "c1"}], map=lambda r, ctx: r,
                            push=own_push)
    integration = define_integration(slug="t", sync_steps=[step])
    summary = asyncio.run(run_integration_sync(integration, store=store, clock=clock, push=push))
    assert summary.step("customers").advanced and push.calls == []


def test_a_push_returning_nothing_without_send_bulk_is_a_step_error(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    async def own_push(ctx: StepContext, batch: Any) -> None:
        return None

    step = define_bulk_step("customers", stream=lambda ctx: [{"id": "c1"}], map=lambda r, ctx: r,
                            push=own_push)
    integration = define_integration(slug="t", sync_steps=[step])
    summary = asyncio.run(run_integration_sync(integration, store=store, clock=clock, push=push))
    assert summary.step("customers").errors == (
        "bulk step 'customers': PushFailed: push of step 'customers' returned None and did not "
        "push through ctx.send_bulk, so nothing says what the API did with these 1 item(s). "
        "Push with `await ctx.send_bulk(...)` (its return value is then optional), or return a "
        "PushOutcome.",)
