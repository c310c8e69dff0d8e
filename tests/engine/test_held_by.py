"""StepSummary.held_by: why a step-source kept its cursor, as a fact of real engine runs."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import Any

import pytest

from spmkit import (
    BulkAnswer,
    StepContext,
    StepResult,
    SyncStep,
    SyncSummary,
    define_integration,
    run_integration_sync,
    scripted_client,
)

from .conftest import FakePush, ManualClock
from .test_engine import step_returning, sync
from .test_scripted import ROWS, run

HELD = "1 item(s) rejected (cursor held; set tolerate_rejects to advance)"
REJECT_C2 = BulkAnswer(rejected={"c2": "email must be valid"})


def push_rows(*answers: BulkAnswer, store: Any, clock: ManualClock,
              **kwargs: Any) -> SyncSummary:
    """ROWS through a bulk step, against a client answering ``answers`` in order."""
    return run(scripted_client(*answers), store, clock, **kwargs)


def pushing_rows(result: StepResult, *answers: BulkAnswer, store: Any,
                 clock: ManualClock) -> SyncSummary:
    """A step that pushes ROWS itself, then returns ``result``."""

    async def push_then_return(ctx: StepContext) -> StepResult:
        await ctx.send_bulk("customers", ROWS)
        return result

    step = SyncStep(entity="customers", run=push_then_return)
    integration = define_integration(slug="t", sync_steps=[step])
    return asyncio.run(run_integration_sync(integration, store=store, clock=clock,
                                            client=scripted_client(*answers)))


def test_untolerated_rejects_alone_hold_the_cursor_by_rejects(
    store: Any, clock: ManualClock
) -> None:
    step = push_rows(REJECT_C2, store=store, clock=clock).step("customers")
    assert step.held_by == "rejects"
    assert step.errors == (f"{HELD} — 'c2': email must be valid",)
    assert step.advanced is False


def test_rejects_of_a_step_that_never_asked_to_advance_still_hold_by_rejects(
    store: Any, clock: ManualClock
) -> None:
    summary = pushing_rows(StepResult(), REJECT_C2, store=store, clock=clock)
    assert summary.step("customers").held_by == "rejects"


@pytest.mark.parametrize(("answer", "error"), [
    (BulkAnswer(status_code=503), "TransportFailure"),
    (BulkAnswer(status_code=0), "TransportFailure"),
    (BulkAnswer(failed_count=1), "TransportFailure"),
    (BulkAnswer(status_code=422), "the API refused a whole chunk"),
], ids=["503", "network", "failed_count", "chunk_refused"])
def test_a_failed_push_holds_the_cursor_by_errors(
    answer: BulkAnswer, error: str, store: Any, clock: ManualClock
) -> None:
    step = push_rows(answer, store=store, clock=clock, tolerate_rejects=True).step("customers")
    assert step.held_by == "errors"
    assert error in step.errors[0]


@pytest.mark.parametrize("result", [
    RuntimeError("partner down"),
    StepResult(errors=["partner page 3 timed out"]),
    StepResult(advance_cursor_to=datetime(2026, 1, 1)),
    StepResult(items=-1),
], ids=["raised", "reported", "naive_advance", "bad_items"])
def test_a_step_that_fails_holds_the_cursor_by_errors(
    result: StepResult | Exception, store: Any, clock: ManualClock, push: FakePush
) -> None:
    step = sync([step_returning(result)], store, clock, push).step("orders")
    assert step.errors and step.held_by == "errors"


def test_a_push_failure_the_step_swallowed_holds_the_cursor_by_errors(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    async def swallow(ctx: StepContext) -> StepResult:
        assert ctx.window is not None
        with contextlib.suppress(Exception):
            await ctx.send_bulk("customers", ROWS)
        return StepResult(advance_cursor_to=ctx.window.until)

    push.down = True
    step = sync([SyncStep(entity="customers", run=swallow)], store, clock, push).step("customers")
    assert step.errors[0].startswith("push failed (the step did not report it): ")
    assert step.held_by == "errors"


def test_sources_or_enabled_raising_holds_the_step_by_errors(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    def fail(_: Any) -> Any:
        raise TimeoutError("partner store list timed out")

    run = step_returning(StepResult()).run
    steps = [SyncStep(entity="orders", run=run, cursor_scope="per-source", sources=fail),
             SyncStep(entity="customers", run=run, enabled=fail)]
    summary = sync(steps, store, clock, push)
    assert [(str(s.step_source), s.held_by) for s in summary.steps] == [
        ("orders", "errors"), ("customers", "errors")]


def test_errors_with_tolerated_rejects_hold_the_cursor_by_errors(
    store: Any, clock: ManualClock
) -> None:
    summary = push_rows(BulkAnswer(rejected={"c1": "email must be valid"}),
                        BulkAnswer(status_code=503), store=store, clock=clock,
                        tolerate_rejects=True, batch_size=1)
    step = summary.step("customers")
    assert (step.rejected, step.held_by) == (1, "errors")


def test_errors_and_untolerated_rejects_hold_the_cursor_by_both(
    store: Any, clock: ManualClock
) -> None:
    summary = push_rows(BulkAnswer(rejected={"c1": "email must be valid"}),
                        BulkAnswer(status_code=503), store=store, clock=clock, batch_size=1)
    step = summary.step("customers")
    assert step.held_by == "both"
    assert "TransportFailure" in step.errors[0] and step.errors[-1].startswith(HELD)


def test_a_step_reporting_errors_after_rejects_holds_the_cursor_by_both(
    store: Any, clock: ManualClock
) -> None:
    summary = pushing_rows(StepResult(errors=["partner page 3 lost"]), REJECT_C2, store=store,
                           clock=clock)
    step = summary.step("customers")
    assert step.errors == ("partner page 3 lost", f"{HELD} — 'c2': email must be valid")
    assert step.held_by == "both"


def test_clean_runs_and_skipped_step_sources_are_held_by_nothing(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    advancing = step_returning(StepResult(advance_cursor_to=clock.now()))
    forgetful = SyncStep(entity="customers", run=step_returning(StepResult()).run)
    clean = sync([advancing, forgetful], store, clock, push)
    assert [(s.advanced, s.held_by) for s in clean.steps] == [(True, None), (False, None)]

    failing = step_returning(RuntimeError("partner down"))
    assert sync([failing], store, clock, push).step("orders").held_by == "errors"
    skipped = sync([failing], store, clock, push).step("orders")
    assert (skipped.skipped_reason, skipped.held_by) == ("backoff", None)


def test_tolerated_rejects_are_held_by_nothing(store: Any, clock: ManualClock) -> None:
    summary = push_rows(REJECT_C2, store=store, clock=clock, tolerate_rejects=0.5)
    step = summary.step("customers")
    assert (step.advanced, step.rejected, step.held_by) == (True, 1, None)


def test_held_by_is_in_the_summary_dict_and_reads_back_from_the_store(
    store: Any, clock: ManualClock
) -> None:
    summary = push_rows(REJECT_C2, store=store, clock=clock)
    assert summary.to_dict()["steps"][0]["held_by"] == "rejects"
    run = store.get_run(summary.run_id)
    assert run is not None and run.summary == summary.to_dict()
