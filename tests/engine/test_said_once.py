"""A step that returns without ``advance_cursor_to`` is warned about once per step-source and
store, not once per run; once it advances, a new lapse is warned about again."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from spmkit import (
    StepContext,
    StepResult,
    SyncStep,
    define_integration,
    open_store,
    run_integration_sync,
)

from .conftest import FakePush, ManualClock

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def step(advance: bool) -> SyncStep:
    async def run(ctx: StepContext) -> StepResult:
        assert ctx.window is not None
        return StepResult(items=1, advance_cursor_to=ctx.window.until if advance else None)

    return SyncStep(entity="orders", run=run, cursor_scope="per-source",
                    sources=lambda ctx: ["store-1", "store-2"])


def levels(caplog: pytest.LogCaptureFixture) -> list[tuple[str, int]]:
    """(source, level) of each "without advance_cursor_to" record of the engine."""
    return [(r.getMessage().split()[2].partition("@")[2], r.levelno) for r in caplog.records
            if r.name == "spmkit.engine" and "without advance_cursor_to" in r.getMessage()]


def test_the_warning_is_said_once_per_step_source_then_at_debug(
        store: Any, clock: ManualClock, push: FakePush,
        caplog: pytest.LogCaptureFixture) -> None:
    def sync(advance: bool, on: Any = store) -> None:
        integration = define_integration(slug="t", sync_steps=[step(advance)])
        asyncio.run(run_integration_sync(integration, store=on, clock=clock, push=push))
        clock.advance(minutes=1)

    with caplog.at_level(logging.DEBUG, logger="spmkit"):
        for _ in range(3):
            sync(advance=False)
    W, D = logging.WARNING, logging.DEBUG
    assert levels(caplog) == [("store-1", W), ("store-2", W), ("store-1", D), ("store-2", D),
                              ("store-1", D), ("store-2", D)]

    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="spmkit"):
        sync(advance=True)
        sync(advance=False)  # a new lapse after an advance: said again
        other = open_store(":memory:", clock=clock)
        sync(advance=False, on=other)  # another store: its own
        other.close()
    assert levels(caplog) == [("store-1", W), ("store-2", W), ("store-1", W), ("store-2", W)]


def test_a_replay_of_a_forgetful_step_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    from spmkit_testing.scenario import load_scenario, run_scenario

    with caplog.at_level(logging.WARNING, logger="spmkit"):
        result = run_scenario(load_scenario(str(SCENARIOS / "forgotten_advance.py")))
    assert len(result.trace) >= 15
    said = [r for r in caplog.records if "without advance_cursor_to" in r.getMessage()]
    assert len(said) == 1
