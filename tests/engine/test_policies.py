"""``with_step_policies``: the same integration with another batch_size or tolerate_rejects;
a step built with define_bulk_step is rebuilt from its own arguments, a hand-written one
refuses a batch_size naming itself."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from spmkit import (
    IntegrationDefinitionError,
    InvalidArgument,
    StepContext,
    StepResult,
    SyncStep,
    define_bulk_step,
    define_integration,
    run_integration_sync,
    with_step_policies,
)

from .conftest import FakePush, ManualClock

ROWS = [{"id": f"c{i}"} for i in range(12)]


def bulk(**kwargs: Any) -> SyncStep:
    return define_bulk_step("customers", stream=lambda ctx: ROWS, map=lambda r, ctx: r, **kwargs)


async def by_hand(ctx: StepContext) -> StepResult:
    assert ctx.window is not None
    return StepResult(advance_cursor_to=ctx.window.until)


def test_a_bulk_step_is_rebuilt_with_the_batch_size(
        store: Any, clock: ManualClock, push: FakePush) -> None:
    integration = define_integration(slug="mine", sync_steps=[bulk(tolerate_rejects=0.5)])
    small = with_step_policies(integration, batch_size=5)
    assert small.slug == "mine" and small is not integration
    assert small.sync_steps[0].tolerate_rejects == 0.5  # its own, unless given
    asyncio.run(run_integration_sync(small, store=store, clock=clock, push=push))
    assert push.calls == [("customers", 5), ("customers", 5), ("customers", 2)]
    # The original is untouched: one batch of 500.
    assert integration.sync_steps[0].rebuild is not None


def test_tolerate_rejects_applies_to_any_step() -> None:
    integration = define_integration(slug="mine", sync_steps=[
        bulk(), SyncStep(entity="orders", run=by_hand)])
    tolerant = with_step_policies(integration, tolerate_rejects=True)
    assert [s.tolerate_rejects for s in tolerant.sync_steps] == [1.0, 1.0]
    assert with_step_policies(integration).sync_steps == integration.sync_steps


def test_a_hand_written_step_refuses_a_batch_size_naming_itself() -> None:
    integration = define_integration(slug="mine", sync_steps=[
        bulk(), SyncStep(entity="orders", run=by_hand)])
    with pytest.raises(IntegrationDefinitionError) as excinfo:
        with_step_policies(integration, batch_size=5)
    assert excinfo.value.args == (
        "with_step_policies(batch_size=5): step 'orders' of 'mine' is a hand-written "
        "SyncStep, whose batches are its own business: only a step built with "
        "define_bulk_step(...) can be rebuilt with another batch_size. Build 'orders' with "
        "define_bulk_step, or leave batch_size out.",)


def test_bad_policies_are_refused_as_at_definition() -> None:
    integration = define_integration(slug="mine", sync_steps=[bulk()])
    with pytest.raises(IntegrationDefinitionError, match="batch_size=0 must be an int >= 1"):
        with_step_policies(integration, batch_size=0)
    with pytest.raises(IntegrationDefinitionError, match="tolerate_rejects"):
        with_step_policies(integration, tolerate_rejects=1.5)
    with pytest.raises(InvalidArgument, match="takes an Integration"):
        with_step_policies("mine:integration", batch_size=5)  # type: ignore[arg-type]
