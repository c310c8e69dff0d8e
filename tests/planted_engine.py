"""Planted engine bugs (test-only seams, applied with ``monkeypatch``): the classic ways an
engine breaks the golden cursor rule, each one the property check must find.

Each planter takes a ``pytest.MonkeyPatch`` and returns the integration to run it with
(``None``: the reference Demo POS builder).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

import spmkit._push as push_module
import spmkit._step_runner as engine
import spmkit_testing.reference._pos as pos
from spmkit import NewDeadLetter, rejects_tolerated
from tests import planted_reference

Planter = Callable[[pytest.MonkeyPatch], Any]


def advance_on_error(mp: pytest.MonkeyPatch) -> Any:
    """A failed step-run also moves its cursor to the end of the window it read."""
    original = engine.StepRunner._record_failure

    def buggy(self: Any, step: Any, key: str, cursor: Any, errors: list[str], *,
              items: int = 0, summary: Any = None, **kw: Any) -> None:
        original(self, step, key, cursor, errors, items=items, summary=summary, **kw)
        window = getattr(summary, "window", None)
        if window is not None:
            row = self.base.store.get_cursor(step.entity, key)
            self.base.store.set_cursor(step.entity, key, last_synced_at=window.until,
                                       last_status="error", last_error=row.last_error,
                                       items=items, consecutive_failures=row.consecutive_failures,
                                       at=self.started)

    mp.setattr(engine.StepRunner, "_record_failure", buggy)


def ignore_untolerated_rejects(mp: pytest.MonkeyPatch) -> Any:
    """Rejects never hold the cursor, whatever the policy."""
    mp.setattr(engine, "rejects_tolerated", lambda policy, rejected, attempted: True)


def ratio_against_items(mp: pytest.MonkeyPatch) -> Any:
    """The JS kit's double count: the ratio divides by items + rejected (the items pushed
    already include the rejected ones), so 5 of 10 reads as 5/15."""
    mp.setattr(engine, "rejects_tolerated",
               lambda policy, rejected, attempted: rejects_tolerated(policy, rejected,
                                                                     attempted + rejected))


def no_clamp(mp: pytest.MonkeyPatch) -> Any:
    """``advance_cursor_to`` past ``window.until`` is written as asked (the engine's min()
    is a no-op). Shown with the reference step that asks for the time after its push."""
    mp.setitem(vars(engine), "min", lambda target, until: target)
    return planted_reference.build_eager_integration


def backoff_on_a_second_clock(mp: pytest.MonkeyPatch) -> Any:
    """The JS kit 1.4's two clocks: failures are stamped with the machine's wall clock
    while backoff compares with the injected clock."""
    original = engine.StepRunner._record_failure

    def buggy(self: Any, *args: Any, **kwargs: Any) -> None:
        self.started = datetime.now(UTC)  # the store's own clock, not the simulation's
        original(self, *args, **kwargs)

    mp.setattr(engine.StepRunner, "_record_failure", buggy)


def failure_resets_the_cursor(mp: pytest.MonkeyPatch) -> Any:
    """A failure row is written with the cursor reset to null."""
    original = engine.StepRunner._record_failure

    def buggy(self: Any, step: Any, key: str, cursor: Any, errors: list[str], **kw: Any) -> None:
        original(self, step, key, cursor, errors, **kw)
        row = self.base.store.get_cursor(step.entity, key)
        self.base.store.set_cursor(step.entity, key, last_synced_at=None, last_status="error",
                                   last_error=row.last_error,
                                   consecutive_failures=row.consecutive_failures,
                                   allow_backwards=True, at=self.started)

    mp.setattr(engine.StepRunner, "_record_failure", buggy)


def dead_letter_after_the_run(mp: pytest.MonkeyPatch) -> Any:
    """Fire-and-forget dead-letter writes: scheduled, not awaited, so they land after the
    run is reported (or never, when the process ends first)."""
    def later(self: Any, step: Any, key: str, tally: Any) -> int:
        rows = [NewDeadLetter(run_id=self.base.run_id, entity=step.entity,
                              source_key=key, item_key=item.key,
                              payload=engine._jsonable(item.payload), reason=item.reason)
                for item in tally.rejected_items[: self.dead_letter_budget]]
        store, clock = self.base.store, self.base.clock

        async def write() -> None:
            await clock.sleep(1)
            store.add_rejected(rows)

        if rows:
            asyncio.ensure_future(write())  # noqa: RUF006 - the planted bug: never awaited
        self.dead_letter_budget -= len(rows)
        return len(rows)

    mp.setattr(engine.StepRunner, "_dead_letter", later)


def non_list_page_ends_the_data(mp: pytest.MonkeyPatch) -> Any:
    """A page that is not a list reads as "no more data" (the JS kit's paginate)."""
    def lenient(page: object, where: str) -> Any:
        return page if isinstance(page, list | tuple) else []

    mp.setattr(pos, "check_page", lenient)


def failed_count_ignored(mp: pytest.MonkeyPatch) -> Any:
    """``failed_count`` in a 2xx is dropped (the SDK's chunk merge): those items count as sent."""
    original = push_module._outcome

    def buggy(resource: str, items: Any, envelope: Any, data: Any, **kw: Any) -> Any:
        if envelope.ok:
            data = dataclasses.replace(data, failed_count=0)
        return original(resource, items, envelope, data, **kw)

    mp.setattr(push_module, "_outcome", buggy)


def cursor_moves_backwards(mp: pytest.MonkeyPatch) -> Any:
    """No guard against a clock that stepped back: the step runs on an inverted window and
    the cursor is written backwards (the store's compare-and-set is bypassed too)."""
    real_run_source = engine.StepRunner._run_source

    async def buggy_run_source(self: Any, step: Any, key: str, cursor: Any, keeper: Any) -> None:
        store = self.base.store
        patched = "set_cursor" not in vars(store)  # sources run concurrently: patch once
        if patched:
            set_cursor = store.set_cursor

            def backwards(*args: Any, **kwargs: Any) -> Any:
                kwargs["allow_backwards"] = True
                return set_cursor(*args, **kwargs)

            store.set_cursor = backwards
        try:
            if cursor is not None and cursor.last_synced_at is not None \
                    and cursor.last_synced_at > self.now:
                cursor = dataclasses.replace(cursor, last_synced_at=self.now)
            await real_run_source(self, step, key, cursor, keeper)
        finally:
            if patched:
                del store.set_cursor

    mp.setattr(engine.StepRunner, "_run_source", buggy_run_source)


ENGINE_BUGS: dict[str, tuple[Planter, str]] = {
    "advance_on_error": (advance_on_error, "I1"),
    "ignore_untolerated_rejects": (ignore_untolerated_rejects, "I1"),
    "ratio_against_items": (ratio_against_items, "I1"),
    "no_clamp": (no_clamp, "I2"),
    "backoff_on_a_second_clock": (backoff_on_a_second_clock, "I5"),
    "failure_resets_the_cursor": (failure_resets_the_cursor, "I1"),
    "dead_letter_after_the_run": (dead_letter_after_the_run, "I6"),
    "non_list_page_ends_the_data": (non_list_page_ends_the_data, "I3"),
    "failed_count_ignored": (failed_count_ignored, "I1"),
    "cursor_moves_backwards": (cursor_moves_backwards, "I8"),
}
