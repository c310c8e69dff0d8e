"""Two workers on one store: a step-source runs under one worker's lease at a time, and a
cursor never goes backwards (compare-and-set) even when a lease lapses mid-run."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import timedelta
from typing import Any

import pytest

from spmkit import (
    StepContext,
    StepResult,
    SyncOptions,
    SyncStep,
    SyncSummary,
    define_integration,
    run_integration_sync,
)

from .conftest import FakePush, ManualClock


def test_a_slow_worker_never_moves_the_cursor_back_over_a_newer_one(
    store: Any, clock: ManualClock, push: FakePush, caplog: Any
) -> None:
    a_started, a_may_finish = asyncio.Event(), asyncio.Event()
    slow_until = clock.now()

    async def run(ctx: StepContext) -> StepResult:
        assert ctx.window is not None
        if ctx.window.until == slow_until:  # worker A: reads, then stalls
            a_started.set()
            await a_may_finish.wait()
        return StepResult(advance_cursor_to=ctx.window.until)

    integration = define_integration(slug="t", sync_steps=[SyncStep(entity="orders", run=run)])

    def worker(name: str) -> Any:
        return run_integration_sync(integration, store=store, clock=clock, push=push,
                                    options=SyncOptions(worker_id=name))

    async def main() -> tuple[SyncSummary, SyncSummary]:
        slow = asyncio.ensure_future(worker("worker-a"))
        await a_started.wait()
        clock.advance(minutes=20)  # worker A's lease (if any) has long expired
        fast = await worker("worker-b")
        a_may_finish.set()
        return await slow, fast

    with caplog.at_level(logging.WARNING, logger="spmkit"):
        slow, fast = asyncio.run(main())
    newer = slow_until + timedelta(minutes=20)
    assert fast.step("orders").cursor_after == newer
    assert slow.step("orders").cursor_after == newer
    assert store.get_cursor("orders", "").last_synced_at == newer
    assert (f"sync step-source orders: another worker moved the cursor to "
            f"{newer.isoformat()} while this run read up to {slow_until.isoformat()}; the newer "
            f"value is kept.") in [r.getMessage() for r in caplog.records]


def clean_orders(sources: list[str] | None = None) -> Any:
    async def run(ctx: StepContext) -> StepResult:
        assert ctx.window is not None
        return StepResult(advance_cursor_to=ctx.window.until)

    if sources is None:
        return define_integration(slug="t", sync_steps=[SyncStep(entity="orders", run=run)])
    return define_integration(slug="t", sync_steps=[SyncStep(
        entity="orders", run=run, cursor_scope="per-source", sources=lambda ctx: sources)])


def test_a_step_source_another_worker_runs_is_skipped_as_leased_not_failed(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    held = store.acquire_lease("orders", "s1", owner="worker-b", seconds=600)
    summary = asyncio.run(run_integration_sync(
        clean_orders(["s1", "s2"]), store=store, clock=clock, push=push,
        options=SyncOptions(worker_id="worker-a")))
    skipped = summary.step("orders", "s1")
    assert (skipped.skipped_reason, skipped.lease_holder, skipped.skipped_backoff) == (
        "leased", "worker-b", False)
    assert (summary.status, summary.errors, skipped.errors) == ("ok", (), ())
    assert store.get_cursor("orders", "s1") is None  # not written, no failure counted
    assert summary.step("orders", "s2").advanced
    assert skipped.to_dict()["lease_holder"] == "worker-b"
    assert store.acquire_lease("orders", "s1", owner="x", seconds=1) == held
    assert store.acquire_lease("orders", "s2", owner="x", seconds=1).owner == "x"  # released


def test_a_restarted_worker_takes_its_own_leases_back_a_new_id_waits(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    store.acquire_lease("orders", "", owner="worker-a", seconds=600)  # left by a killed run

    def run(worker_id: str | None) -> Any:
        return asyncio.run(run_integration_sync(
            clean_orders(), store=store, clock=clock, push=push,
            options=SyncOptions(worker_id=worker_id))).step("orders")

    assert run(None).skipped_reason == "leased"
    assert run("worker-a").advanced
    clock.advance(minutes=1)
    assert run(None).advanced  # released at the end of worker-a's run


def test_a_long_step_renews_its_lease_as_it_pushes_and_warns_when_it_lost_it(
    store: Any, clock: ManualClock, push: FakePush, caplog: Any
) -> None:
    expiries = []

    async def run(ctx: StepContext) -> StepResult:
        for minute in range(4):
            clock.advance(minutes=1)
            await ctx.send_bulk("orders", [{"id": f"o{minute}"}])
            expiries.append(store.acquire_lease("orders", "", owner="spy", seconds=1))
        store.release_lease("orders", "", owner="worker-a")
        store.acquire_lease("orders", "", owner="worker-b", seconds=600)
        clock.advance(minutes=2)
        await ctx.send_bulk("orders", [{"id": "late"}])
        assert ctx.window is not None
        return StepResult(advance_cursor_to=ctx.window.until)

    integration = define_integration(slug="t", sync_steps=[SyncStep(entity="orders", run=run)])
    start = clock.now()
    with caplog.at_level(logging.WARNING, logger="spmkit"):
        summary = asyncio.run(run_integration_sync(
            integration, store=store, clock=clock, push=push,
            options=SyncOptions(worker_id="worker-a", lease_seconds=120)))
    # Renewed once half of it (60 s) had passed: at minutes 1, 2, 3 and 4.
    assert [(e.owner, e.expires_at - start) for e in expiries] == [
        ("worker-a", timedelta(minutes=m + 2)) for m in (1, 2, 3, 4)]
    assert summary.step("orders").advanced
    assert [r.getMessage() for r in caplog.records] == [
        "sync step-source orders ran longer than its lease (120 s) and worker 'worker-b' "
        "took it over: both run it now. Cursors stay safe (the store's write is a "
        "compare-and-set), but raise SyncOptions(lease_seconds=...) above the longest step-run."]


@pytest.mark.parametrize("seed", range(5))
def test_concurrent_tasks_on_the_memory_store_never_run_one_step_source_twice(
    seed: int, store: Any, clock: ManualClock, push: FakePush
) -> None:
    rng = random.Random(seed)
    running: set[str] = set()
    overlaps: list[str] = []
    values: dict[str, list[Any]] = {"s1": [], "s2": [], "s3": []}

    async def run(ctx: StepContext) -> StepResult:
        assert ctx.window is not None
        if ctx.source_key in running:
            overlaps.append(ctx.source_key)
        running.add(ctx.source_key)
        for _ in range(rng.randint(0, 3)):
            await asyncio.sleep(0)
        await ctx.send_bulk("orders", [{"id": f"{ctx.source_key}-{ctx.window.until}"}])
        running.discard(ctx.source_key)
        return StepResult(advance_cursor_to=ctx.window.until)

    integration = define_integration(slug="t", sync_steps=[SyncStep(
        entity="orders", run=run, cursor_scope="per-source",
        sources=lambda ctx: list(values))])

    async def worker(name: str) -> list[SyncSummary]:
        out = []
        for _ in range(30):
            for _ in range(rng.randint(0, 2)):
                await asyncio.sleep(0)
            clock.advance(seconds=rng.randint(0, 2))
            out.append(await run_integration_sync(integration, store=store, clock=clock,
                                                  push=push,
                                                  options=SyncOptions(worker_id=name)))
            for key in values:
                cursor = store.get_cursor("orders", key)
                values[key].append(None if cursor is None else cursor.last_synced_at)
        return out

    async def main() -> list[list[SyncSummary]]:
        return await asyncio.gather(*(worker(f"worker-{i}") for i in range(3)))

    runs = [s for summaries in asyncio.run(main()) for s in summaries]
    assert overlaps == []
    assert all(r.status == "ok" for r in runs)
    skipped = [s for r in runs for s in r.steps if s.skipped_reason == "leased"]
    assert skipped, "the workers never met: the test exercised nothing"
    for key, seen in values.items():
        present = [v for v in seen if v is not None]
        assert present == sorted(present), f"cursor {key} went backwards"
