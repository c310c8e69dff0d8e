"""One named test per rule of the golden cursor rule (DESIGN §1) and per engine trap."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from spmkit import (
    IntegrationDefinitionError,
    StepContext,
    StepResult,
    SyncOptions,
    SyncStep,
    SyncSummary,
    SyncWindow,
    define_bulk_step,
    define_integration,
    run_integration_sync,
)

from .conftest import FakePush, ManualClock, raised_at


class Partner:
    """Partner records with updated_at; `rows(window)` reads (since, until]."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def add(self, rid: str, at: datetime, **extra: Any) -> None:
        self.records.append({"id": rid, "updated_at": at, **extra})

    def rows(self, ctx: StepContext) -> Iterator[dict[str, Any]]:
        assert ctx.window is not None
        for r in self.records:
            if ctx.window.since < r["updated_at"] <= ctx.window.until:
                yield r


def bulk(partner: Partner, **kwargs: Any) -> SyncStep:
    return define_bulk_step(
        kwargs.pop("entity", "customers"),
        stream=partner.rows,
        map=lambda r, ctx: {k: v for k, v in r.items() if k != "updated_at"},
        **kwargs,
    )


def sync(steps: list[SyncStep], store: Any, clock: ManualClock, push: FakePush,
         **options: Any) -> SyncSummary:
    integration = define_integration(slug="test", sync_steps=steps)
    return asyncio.run(run_integration_sync(integration, store=store, clock=clock, push=push,
                                            options=SyncOptions(**options)))


def step_returning(result: StepResult | Exception) -> SyncStep:
    async def run(ctx: StepContext) -> StepResult:
        if isinstance(result, Exception):
            raise result
        return result

    return SyncStep(entity="orders", run=run)


# Rule 1: advance only on a clean run with advance_cursor_to


def test_clean_run_advances_cursor_to_window_until(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    partner = Partner()
    partner.add("c1", clock.now() - timedelta(days=1))
    summary = sync([bulk(partner)], store, clock, push)
    cursor = store.get_cursor("customers", "")
    assert summary.status == "ok"
    assert cursor.last_synced_at == clock.now()
    assert (cursor.last_status, cursor.consecutive_failures) == ("ok", 0)
    assert set(push.delivered) == {"c1"}


def test_step_error_holds_cursor(store: Any, clock: ManualClock, push: FakePush) -> None:
    partner = Partner()
    partner.add("c1", clock.now() - timedelta(days=1))
    sync([bulk(partner)], store, clock, push)
    first = store.get_cursor("customers", "").last_synced_at
    clock.advance(hours=1)
    partner.add("c2", clock.now() - timedelta(minutes=5))
    push.down = True
    summary = sync([bulk(partner)], store, clock, push)
    cursor = store.get_cursor("customers", "")
    assert summary.status == "partial"
    assert cursor.last_synced_at == first
    assert cursor.last_status == "error"


# Rule 2: never past window.until


def test_advance_past_window_until_is_clamped(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    summary = sync([step_returning(StepResult(advance_cursor_to=clock.now() + timedelta(days=3)))],
                   store, clock, push)
    assert store.get_cursor("orders", "").last_synced_at == clock.now()
    assert summary.step("orders").cursor_after == clock.now()


# Rule 3: failure bookkeeping


def test_failure_keeps_null_cursor_joins_errors_and_counts(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    sync([step_returning(StepResult(errors=["page 3 timed out", "bad row 7"]))], store, clock, push)
    cursor = store.get_cursor("orders", "")
    assert cursor.last_synced_at is None
    assert cursor.last_error == "page 3 timed out; bad row 7"
    assert cursor.consecutive_failures == 1
    clock.advance(minutes=1)
    sync([step_returning(StepResult(errors=["again"]))], store, clock, push)
    assert store.get_cursor("orders", "").consecutive_failures == 2


def test_clean_advance_resets_failures(store: Any, clock: ManualClock, push: FakePush) -> None:
    sync([step_returning(StepResult(errors=["boom"]))], store, clock, push)
    clock.advance(minutes=1)
    sync([step_returning(StepResult(advance_cursor_to=clock.now()))], store, clock, push)
    cursor = store.get_cursor("orders", "")
    assert (cursor.last_status, cursor.consecutive_failures, cursor.last_error) == ("ok", 0, None)


def test_clean_run_without_advance_warns_and_keeps_cursor(
    store: Any, clock: ManualClock, push: FakePush, caplog: pytest.LogCaptureFixture
) -> None:
    sync([step_returning(StepResult(advance_cursor_to=clock.now()))], store, clock, push)
    before = store.get_cursor("orders", "")
    clock.advance(minutes=5)
    with caplog.at_level(logging.WARNING, logger="spmkit"):
        summary = sync([step_returning(StepResult(items=3))], store, clock, push)
    assert summary.status == "ok"
    assert store.get_cursor("orders", "").last_synced_at == before.last_synced_at
    assert "without advance_cursor_to" in caplog.text


def test_clean_run_without_advance_clears_stale_error_state(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    sync([step_returning(StepResult(errors=["boom"]))], store, clock, push)
    clock.advance(minutes=1)
    sync([step_returning(StepResult())], store, clock, push)
    cursor = store.get_cursor("orders", "")
    assert (cursor.last_status, cursor.consecutive_failures) == ("ok", 0)
    assert cursor.last_synced_at is None


# Rule 4: window


def test_window_from_cursor_minus_overlap(store: Any, clock: ManualClock, push: FakePush) -> None:
    seen: list[SyncWindow] = []

    async def run(ctx: StepContext) -> StepResult:
        assert ctx.window is not None
        seen.append(ctx.window)
        return StepResult(advance_cursor_to=ctx.window.until)

    step = SyncStep(entity="orders", run=run)
    sync([step], store, clock, push, backfill_days=10)
    first_until = clock.now()
    clock.advance(hours=1)
    sync([step], store, clock, push, overlap_seconds=90)
    assert seen[0].since == first_until - timedelta(days=10)
    assert seen[1].since == first_until - timedelta(seconds=90)
    assert seen[1].until == clock.now()


# Rule 5: backoff


def test_backoff_skips_inside_window_and_runs_after(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    calls = []

    async def run(ctx: StepContext) -> StepResult:
        calls.append(ctx.clock.now())
        return StepResult(errors=["down"])

    step = SyncStep(entity="orders", run=run)
    sync([step], store, clock, push)  # failure 1 -> 1 minute
    clock.advance(seconds=59)
    skipped = sync([step], store, clock, push)
    assert skipped.step("orders").skipped_backoff is True
    assert skipped.status == "ok" and skipped.errors == ()
    clock.advance(seconds=1)
    sync([step], store, clock, push)  # failure 2 -> 2 minutes
    clock.advance(seconds=119)
    assert sync([step], store, clock, push).step("orders").skipped_backoff
    clock.advance(seconds=1)
    sync([step], store, clock, push)
    assert len(calls) == 3
    assert store.get_cursor("orders", "").consecutive_failures == 3


def test_backoff_counts_from_the_injected_clock_not_the_wall(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    clock.current = datetime(2001, 1, 1, tzinfo=UTC)
    sync([step_returning(StepResult(errors=["down"]))], store, clock, push)
    assert store.get_cursor("orders", "").updated_at == datetime(2001, 1, 1, tzinfo=UTC)
    assert sync([step_returning(StepResult())], store, clock, push).step("orders").skipped_backoff


def test_full_backfill_bypasses_backoff(store: Any, clock: ManualClock, push: FakePush) -> None:
    sync([step_returning(StepResult(errors=["down"]))], store, clock, push)
    summary = sync([step_returning(StepResult(advance_cursor_to=clock.now()))], store, clock,
                   push, full_backfill=True)
    assert summary.step("orders").advanced is True


def test_error_is_logged_at_three_consecutive_failures(
    store: Any, clock: ManualClock, push: FakePush, caplog: pytest.LogCaptureFixture
) -> None:
    step = step_returning(StepResult(errors=["down"]))
    with caplog.at_level(logging.WARNING, logger="spmkit"):
        for _ in range(3):
            sync([step], store, clock, push)
            clock.advance(hours=1)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "3 consecutive failures" in errors[0].getMessage()


# Rule 6: rejects


def poisoned_partner(clock: ManualClock, bad: int, good: int) -> Partner:
    partner = Partner()
    for i in range(bad):
        partner.add(f"bad{i}", clock.now() - timedelta(hours=1), poison=True)
    for i in range(good):
        partner.add(f"good{i}", clock.now() - timedelta(hours=1))
    return partner


def test_strict_reject_holds_cursor_with_message(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    summary = sync([bulk(poisoned_partner(clock, 1, 9))], store, clock, push)
    step = summary.step("customers")
    assert step.errors == ("1 item(s) rejected (cursor held; set tolerate_rejects to advance) "
                           "— 'bad0': invalid email",)
    assert store.get_cursor("customers", "").last_synced_at is None
    assert len(push.delivered) == 9


def test_held_rejects_name_the_first_three_records_and_reasons_on_one_line(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    reasons = iter(["email must be\na valid e-mail address", "x" * 200, "no key", "d", "e"])
    partner = poisoned_partner(clock, 5, 1)
    partner.records[2]["id"] = None

    async def own_push(ctx: StepContext, batch: Any) -> Any:
        from spmkit import PushOutcome, RejectedItem

        bad = [RejectedItem(key=None if i["id"] is None else str(i["id"]), reason=next(reasons))
               for i in batch if i.get("poison")]
        return PushOutcome(sent=len(batch) - len(bad), rejected=len(bad), rejected_items=tuple(bad))

    summary = sync([bulk(partner, push=own_push)], store, clock, push)
    assert summary.step("customers").errors == (
        "5 item(s) rejected (cursor held; set tolerate_rejects to advance) — 'bad0': email must "
        f"be a valid e-mail address, 'bad1': {'x' * 117}..., (no key): no key, and 2 more",)


def test_tolerate_true_advances_despite_rejects(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    summary = sync([bulk(poisoned_partner(clock, 3, 1), tolerate_rejects=True)], store, clock, push)
    assert summary.step("customers").advanced and summary.step("customers").rejected == 3


def test_ratio_counts_attempted_from_pushes_not_step_items(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    """5 of 10 rejected is 0.5 > 0.4: hold. The JS kit reads 5/15 = 0.33 and advances."""
    summary = sync([bulk(poisoned_partner(clock, 5, 5), tolerate_rejects=0.4)], store, clock, push)
    step = summary.step("customers")
    assert (step.items, step.attempted, step.rejected) == (10, 10, 5)
    assert step.advanced is False


def test_ratio_within_budget_advances(store: Any, clock: ManualClock, push: FakePush) -> None:
    summary = sync([bulk(poisoned_partner(clock, 4, 6), tolerate_rejects=0.4)], store, clock, push)
    assert summary.step("customers").advanced is True


def test_transport_failure_is_never_tolerated(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    push.down = True
    partner = Partner()
    partner.add("c1", clock.now() - timedelta(hours=1))
    summary = sync([bulk(partner, tolerate_rejects=True)], store, clock, push)
    assert summary.step("customers").advanced is False
    assert "HTTP 503" in summary.step("customers").errors[0]


def test_ratio_outside_0_1_is_refused_naming_the_step() -> None:
    with pytest.raises(IntegrationDefinitionError,
                       match=r"step 'customers': tolerate_rejects=1\.5"):
        bulk(Partner(), tolerate_rejects=1.5)


# Rule 7: dead-letter


def test_rejected_items_are_dead_lettered_before_the_run_reports(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    summary = sync([bulk(poisoned_partner(clock, 2, 1))], store, clock, push)
    rows = store.list_rejected(run_id=summary.run_id)
    assert [(r.entity, r.source_key, r.item_key, r.reason) for r in rows] == [
        ("customers", "", "bad0", "invalid email"), ("customers", "", "bad1", "invalid email")]
    assert rows[0].payload == {"id": "bad0", "poison": True}
    assert summary.step("customers").dead_lettered == 2


def test_dead_letter_is_capped_at_500_per_run_across_steps(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    a = bulk(poisoned_partner(clock, 400, 0), entity="customers", tolerate_rejects=True)
    b = bulk(poisoned_partner(clock, 400, 0), entity="orders", tolerate_rejects=True)
    summary = sync([a, b], store, clock, push)
    assert store.count_rejected(run_id=summary.run_id) == 500
    assert [s.dead_lettered for s in summary.steps] == [400, 100]


def test_dead_letter_write_failure_never_fails_the_sync(
    store: Any, clock: ManualClock, push: FakePush, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(rows: Any) -> None:
        raise OSError("disk full")

    store.add_rejected = broken
    summary = sync([bulk(poisoned_partner(clock, 1, 1), tolerate_rejects=True)], store, clock, push)
    assert summary.status == "ok" and summary.step("customers").advanced
    assert "dead-letter write failed" in caplog.text


# Rule 8: per-source isolation


async def run_unless_failing(ctx: StepContext, failing: set[str]) -> StepResult:
    if ctx.source_key in failing:
        raise ConnectionError(f"store {ctx.source_key} unreachable")
    assert ctx.window is not None
    return StepResult(advance_cursor_to=ctx.window.until)


def per_source_step(failing: set[str]) -> SyncStep:
    async def run(ctx: StepContext) -> StepResult:
        return await run_unless_failing(ctx, failing)

    return SyncStep(entity="orders", run=run, cursor_scope="per-source",
                    sources=lambda ctx: ["store-1", "store-2"])


def test_one_failing_source_never_blocks_another(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    summary = sync([per_source_step({"store-1"})], store, clock, push)
    assert store.get_cursor("orders", "store-1").last_synced_at is None
    assert store.get_cursor("orders", "store-2").last_synced_at == clock.now()
    assert summary.status == "partial"
    assert summary.step("orders", "store-1").errors == (
        f"fatal: ConnectionError at {raised_at(run_unless_failing)}: store store-1 unreachable",)


def test_per_source_step_without_sources_is_refused_at_definition() -> None:
    async def run(ctx: StepContext) -> StepResult:
        return StepResult()

    with pytest.raises(IntegrationDefinitionError,
                       match=r"cursor_scope='per-source' needs sources"):
        SyncStep(entity="orders", run=run, cursor_scope="per-source")


def test_sources_raising_is_a_recorded_backed_off_failure_of_the_step(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    def sources(ctx: Any) -> list[str]:
        raise TimeoutError("partner store list timed out")

    async def run(ctx: StepContext) -> StepResult:
        assert ctx.window is not None
        return StepResult(advance_cursor_to=ctx.window.until)

    step = SyncStep(entity="orders", run=run, cursor_scope="per-source", sources=sources)
    ok = step_returning(StepResult(advance_cursor_to=clock.now()))
    other = SyncStep(entity="customers", run=ok.run)
    summary = sync([step, other], store, clock, push)
    row = store.get_cursor("orders", "")
    assert summary.status == "partial"
    assert row.consecutive_failures == 1 and "partner store list timed out" in row.last_error
    assert summary.step("customers").advanced is True
    again = sync([step, other], store, clock, push)
    assert again.step("orders").skipped_backoff is True


def test_enabled_raising_is_a_recorded_failure_of_the_step(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    async def run(ctx: StepContext) -> StepResult:
        assert ctx.window is not None
        return StepResult(advance_cursor_to=ctx.window.until)

    def enabled(settings: Any) -> bool:
        raise KeyError("sync_orders")

    summary = sync([SyncStep(entity="orders", run=run, enabled=enabled)], store, clock, push)
    assert summary.step("orders").errors == (
        f"enabled() raised KeyError at {raised_at(enabled)}: 'sync_orders'",)
    assert store.get_cursor("orders", "").consecutive_failures == 1


def test_disabled_step_does_not_run(store: Any, clock: ManualClock, push: FakePush) -> None:
    async def run(ctx: StepContext) -> StepResult:
        raise AssertionError("must not run")

    summary = sync([SyncStep(entity="orders", run=run, enabled=lambda s: False)], store, clock,
                   push)
    assert summary.steps == () and summary.status == "ok"


def test_invalid_advance_cursor_to_is_a_failure_of_the_step(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    summary = sync([step_returning(StepResult(advance_cursor_to=datetime(2026, 1, 1)))],
                   store, clock, push)
    assert "not an aware datetime" in summary.step("orders").errors[0]
    assert store.get_cursor("orders", "").consecutive_failures == 1


def test_step_returning_something_else_is_a_failure_of_the_step(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    async def run(ctx: StepContext) -> Any:
        return {"items": 3}

    summary = sync([SyncStep(entity="orders", run=run)], store, clock, push)
    assert "run() must return StepResult" in summary.step("orders").errors[0]


# Rule 9: run status


def test_run_is_recorded_ok_or_partial(store: Any, clock: ManualClock, push: FakePush) -> None:
    ok = sync([step_returning(StepResult(advance_cursor_to=clock.now()))], store, clock, push)
    bad = sync([SyncStep(entity="customers", run=step_returning(StepResult(errors=["x"])).run)],
               store, clock, push)
    assert store.get_run(ok.run_id).status == "ok"
    assert store.get_run(bad.run_id).status == "partial"
    assert store.get_run(bad.run_id).summary["errors"] == ["x"]


def test_engine_crash_marks_run_failed_and_reraises(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database is locked")

    store.set_cursor = broken
    with pytest.raises(RuntimeError, match="database is locked"):
        sync([step_returning(StepResult(advance_cursor_to=clock.now()))], store, clock, push)
    run = store.list_runs()[-1]
    assert run.status == "failed" and "database is locked" in run.summary["errors"][0]


# Traps


def test_non_list_page_is_an_error_not_the_end_of_data(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    pages = {1: [{"id": "c1"}], 2: None, 3: [{"id": "c3"}]}

    async def fetch(page: int) -> Any:
        return pages.get(page, [])

    step = define_bulk_step("customers", stream=lambda ctx: ctx.paginate(fetch),
                            map=lambda r, ctx: r)
    summary = sync([step], store, clock, push)
    assert "expected a list of records but got NoneType" in summary.step("customers").errors[0]
    assert store.get_cursor("customers", "").last_synced_at is None


def test_cursor_in_the_future_runs_nothing(
    store: Any, clock: ManualClock, push: FakePush, caplog: pytest.LogCaptureFixture
) -> None:
    ran = []

    async def run(ctx: StepContext) -> StepResult:
        assert ctx.window is not None
        ran.append(ctx.window)
        return StepResult(advance_cursor_to=ctx.window.until)

    step = SyncStep(entity="orders", run=run)
    sync([step], store, clock, push)
    cursor = store.get_cursor("orders", "").last_synced_at
    clock.advance(hours=-2)  # the clock steps back
    summary = sync([step], store, clock, push)
    assert len(ran) == 1
    assert summary.step("orders").skipped_reason == "clock_behind_cursor"
    assert store.get_cursor("orders", "").last_synced_at == cursor
    assert "inverted window" in caplog.text


def test_step_cannot_move_cursor_backwards(store: Any, clock: ManualClock, push: FakePush) -> None:
    sync([step_returning(StepResult(advance_cursor_to=clock.now()))], store, clock, push)
    first = clock.now()
    clock.advance(hours=1)
    sync([step_returning(StepResult(advance_cursor_to=first - timedelta(days=1)))], store, clock,
         push)
    assert store.get_cursor("orders", "").last_synced_at == first


def test_full_backfill_may_move_cursor_backwards(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    sync([step_returning(StepResult(advance_cursor_to=clock.now()))], store, clock, push)
    earlier = clock.now() - timedelta(days=1)
    sync([step_returning(StepResult(advance_cursor_to=earlier))], store, clock, push,
         full_backfill=True)
    assert store.get_cursor("orders", "").last_synced_at == earlier


def test_checkpoints_are_called_in_order(store: Any, clock: ManualClock, push: FakePush) -> None:
    points: list[str] = []
    partner = poisoned_partner(clock, 1, 1)
    sync([bulk(partner, tolerate_rejects=True)], store, clock, push, checkpoint=points.append)
    assert points == ["after_push", "during_dead_letter", "before_cursor_write",
                      "after_cursor_write", "before_run_finish"]


# Bad input


def test_step_without_entity_is_refused() -> None:
    async def run(ctx: StepContext) -> StepResult:
        return StepResult()

    with pytest.raises(IntegrationDefinitionError, match="SyncStep needs an entity: got entity=''"):
        SyncStep(entity="", run=run)


def test_duplicate_entities_are_refused() -> None:
    step = step_returning(StepResult())
    with pytest.raises(IntegrationDefinitionError, match=r"entities \['orders'\] appear"):
        define_integration(slug="x", sync_steps=[step, step])


def test_bad_slug_is_refused() -> None:
    with pytest.raises(IntegrationDefinitionError, match="slug='My POS' is not valid"):
        define_integration(slug="My POS", sync_steps=[])


def test_negative_backfill_option_is_refused() -> None:
    with pytest.raises(ValueError, match="backfill_days=-3 must be >= 0"):
        SyncOptions(backfill_days=-3)


def test_stream_returning_none_is_an_error_not_an_empty_window(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    step = define_bulk_step(
        "customers",
        stream=lambda ctx: None,  # type: ignore[arg-type, return-value]  # None on purpose
        map=lambda r, ctx: r)
    summary = sync([step], store, clock, push)
    assert "stream(ctx) returned NoneType None" in summary.step("customers").errors[0]


# Review: holes found after the first pass


def test_transport_failure_swallowed_by_the_step_still_holds_the_cursor(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    """A step that catches the push's TransportFailure and returns clean must not advance."""
    push.down = True

    async def run(ctx: StepContext) -> StepResult:
        with contextlib.suppress(Exception):  # the integration "handles" it
            await ctx.send_bulk("customers", [{"id": "c1"}])
        assert ctx.window is not None
        return StepResult(items=1, advance_cursor_to=ctx.window.until)

    summary = sync([SyncStep(entity="customers", run=run, tolerate_rejects=True)],
                   store, clock, push)
    step = summary.step("customers")
    assert step.advanced is False
    assert summary.status == "partial"
    assert any("HTTP 503" in e for e in step.errors)
    cursor = store.get_cursor("customers", "")
    assert (cursor.last_synced_at, cursor.last_status) == (None, "error")


def test_custom_push_of_bulk_step_is_counted_by_the_engine(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    """define_bulk_step(push=...) that does not go through ctx.send_bulk still counts."""

    async def own_push(ctx: StepContext, batch: Any) -> Any:
        from spmkit import PushOutcome, RejectedItem

        bad = [RejectedItem(key=str(i["id"]), reason="invalid", payload=dict(i))
               for i in batch if i.get("poison")]
        return PushOutcome(sent=len(batch) - len(bad), rejected=len(bad), rejected_items=tuple(bad))

    summary = sync([bulk(poisoned_partner(clock, 2, 3), push=own_push)], store, clock, push)
    step = summary.step("customers")
    assert (step.attempted, step.rejected) == (5, 2)
    assert step.advanced is False
    assert store.get_cursor("customers", "").last_synced_at is None
    assert store.count_rejected(run_id=summary.run_id) == 2


def test_custom_push_through_send_bulk_is_not_counted_twice(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    async def own_push(ctx: StepContext, batch: Any) -> Any:
        return await ctx.send_bulk("customers", batch)

    summary = sync([bulk(poisoned_partner(clock, 1, 3), push=own_push, tolerate_rejects=True)],
                   store, clock, push)
    step = summary.step("customers")
    assert (step.attempted, step.rejected, step.dead_lettered) == (4, 1, 1)


def test_invalid_items_count_is_a_failure_of_the_step_not_a_crash(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    async def bad(ctx: StepContext) -> StepResult:
        assert ctx.window is not None
        return StepResult(items=-1, advance_cursor_to=ctx.window.until)

    summary = sync([SyncStep(entity="orders", run=bad), bulk(Partner())], store, clock, push)
    assert summary.status == "partial"
    assert "items" in summary.step("orders").errors[0]
    assert store.get_cursor("orders", "").last_status == "error"
    assert summary.step("customers").advanced is True


def test_fractional_dead_letter_cap_is_refused() -> None:
    with pytest.raises(ValueError, match="dead_letter_cap"):
        SyncOptions(dead_letter_cap=2.5)  # type: ignore[arg-type]  # a wrong type on purpose


def test_rejects_of_good_chunks_are_dead_lettered_when_another_chunk_is_refused(
    store: Any, clock: ManualClock
) -> None:
    """A poisoned chunk holds the cursor; the rejects the other chunks reported still count."""
    from spmkit import BulkData, ChunkSummary, Envelope, EnvelopeError

    class OneRefusedChunk:
        async def bulk_save(self, resource: str, items: Any) -> Envelope:
            keys = tuple(str(i["customer_id"]) for i in items)
            data = BulkData(
                sent_count=1, rejected_count=1, failed_count=1,
                rejected_items=({"key": keys[0], "reason": "bad email"},),
                chunks=(
                    ChunkSummary(0, 200, True, keys[:2], sent_count=1, rejected_count=1),
                    ChunkSummary(1, 422, False, keys[2:], failed_count=1,
                                 error=EnvelopeError("HTTP 422: bad", "HTTP_422", False)),
                ),
            )
            return Envelope(ok=False, status_code=422, data=data,
                            error=EnvelopeError("1 of 2 chunk(s) failed", "HTTP_422", False))

    async def run(ctx: StepContext) -> StepResult:
        await ctx.send_bulk("customers", [{"customer_id": f"c{i}"} for i in range(3)])
        return StepResult(items=3)

    integration = define_integration(slug="t", sync_steps=[SyncStep(entity="customers", run=run)])
    summary = asyncio.run(run_integration_sync(integration, store=store, clock=clock,
                                               client=OneRefusedChunk()))
    step = summary.step("customers")
    assert "refused a whole chunk" in step.errors[0]
    assert (step.attempted, step.rejected, step.dead_lettered) == (2, 1, 1)
    assert [r.item_key for r in store.list_rejected(run_id=summary.run_id)] == ["c0"]


def test_engine_without_a_clock_uses_the_store_clock_not_the_wall(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    """One clock: a store opened on a simulated clock and no clock= given must not mix in
    the wall clock (the window and backoff would compare two clocks)."""
    integration = define_integration(
        slug="t", sync_steps=[step_returning(StepResult(errors=["boom"]))])
    summary = asyncio.run(run_integration_sync(integration, store=store, push=push))
    assert summary.started_at == clock.now()
    clock.advance(seconds=30)
    again = asyncio.run(run_integration_sync(integration, store=store, push=push))
    assert again.step("orders").skipped_backoff is True


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"full_backfill": "no"}, "full_backfill"),
        ({"overlap_seconds": float("nan")}, "overlap_seconds"),
        ({"backfill_days": float("inf")}, "backfill_days"),
    ],
)
def test_bad_sync_options_are_refused_naming_the_field(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SyncOptions(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"store": "state.sqlite3"}, "store"),
        ({"options": {"full_backfill": True}}, "options"),
        ({"clock": "utc"}, "clock"),
    ],
)
def test_bad_run_arguments_are_clear_errors(store: Any, clock: ManualClock, kwargs: dict[str, Any],
                                            match: str) -> None:
    integration = define_integration(slug="t", sync_steps=[step_returning(StepResult())])
    args: dict[str, Any] = {"store": store, "clock": clock, **kwargs}
    with pytest.raises(ValueError, match=match):
        asyncio.run(run_integration_sync(integration, **args))


def test_auth_errors_are_transport_failures_not_poisoned_chunks() -> None:
    from spmkit import ChunkRefused, Envelope, TransportFailure
    from spmkit._envelope import BulkData, ChunkSummary, EnvelopeError
    from spmkit._push import outcome_from_envelope

    error = EnvelopeError(message="invalid api key", code="HTTP_401", retryable=False)
    data = BulkData(failed_count=1, chunks=(ChunkSummary(index=0, status_code=401, ok=False,
                                                         item_keys=("c1",), failed_count=1,
                                                         error=error),))
    envelope = Envelope(ok=False, status_code=401, data=data, error=error)
    with pytest.raises(TransportFailure) as info:
        outcome_from_envelope("customers", [{"customer_id": "c1"}], envelope,
                              natural_key="customer_id")
    assert not isinstance(info.value, ChunkRefused)
    assert "the API key was refused: check the installation's spm-api-key" in str(info.value)


def test_errors_given_as_one_string_are_one_error(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    summary = sync([step_returning(StepResult(errors="page 2 failed"))],
                   store, clock, push)
    assert summary.step("orders").errors == ("page 2 failed",)


def test_async_stream_returning_a_list_is_read(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    async def stream(ctx: StepContext) -> list[dict[str, Any]]:
        return [{"id": "c1"}]

    step = define_bulk_step("customers", stream=stream, map=lambda r, ctx: r)
    summary = sync([step], store, clock, push)
    assert summary.step("customers").advanced and "c1" in push.delivered


def test_push_reporting_negative_counts_is_a_step_error(store: Any, clock: ManualClock) -> None:
    from spmkit import PushOutcome

    async def bad_push(resource: str, items: Any) -> PushOutcome:
        return PushOutcome(sent=-1)

    step = define_bulk_step("customers", stream=lambda ctx: [{"id": "c1"}], map=lambda r, c: r)
    summary = sync([step], store, clock, bad_push)  # type: ignore[arg-type]
    assert "counts must be >= 0" in summary.step("customers").errors[0]


def test_cancelled_run_is_marked_failed(store: Any, clock: ManualClock, push: FakePush) -> None:
    async def run(ctx: StepContext) -> StepResult:
        raise asyncio.CancelledError()

    with pytest.raises(asyncio.CancelledError):
        sync([SyncStep(entity="orders", run=run)], store, clock, push)
    assert store.list_runs()[-1].status == "failed"


def test_huge_backfill_is_a_clear_error() -> None:
    from spmkit import InvalidArgument, compute_window

    with pytest.raises(InvalidArgument, match=r"backfill_days=1e\+20 reaches before year 1"):
        compute_window(None, now=datetime(2026, 1, 1, tzinfo=UTC), backfill_days=1e20)


def test_huge_backfill_option_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="backfill_days=1e\\+20 is more than 365000 days"):
        SyncOptions(backfill_days=1e20)


class _OtherStore:
    """A Store that is not one of spmkit's (it delegates to a memory store): what the
    engine hands finish_run is a plain dict."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.finished: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def finish_run(self, run_id: int, status: str, summary: Any) -> None:
        self.finished.append(summary)
        self._inner.finish_run(run_id, status, summary)


@pytest.mark.parametrize("own", [True, False])
def test_the_stored_run_summary_is_the_summary_the_run_returned(
    store: Any, clock: ManualClock, push: FakePush, own: bool
) -> None:
    """spmkit's stores get the engine's immutable SyncSummary (kept, written as a dict on
    read); any other Store gets the dict. Both read back as summary.to_dict()."""
    target = store if own else _OtherStore(store)
    partner = Partner()
    partner.add("c1", clock.now() - timedelta(minutes=5))
    summary = sync([bulk(partner)], target, clock, push)
    if not own:
        assert [type(s) for s in target.finished] == [dict]
        assert target.finished[0] == summary.to_dict()
    run = store.get_run(summary.run_id)
    assert run is not None and run.status == "ok" and run.summary == summary.to_dict()
    assert run.summary["steps"][0]["advanced"] is True
