"""I2: a cursor is never past the window it read, never in the future, never backwards
outside a full backfill."""

from __future__ import annotations

from collections.abc import Iterator

from spmkit import StepSource, SyncSummary
from spmkit_testing.oracle._facts import TickFacts
from spmkit_testing.oracle._invariant import Check, invariant
from spmkit_testing.oracle._rules import cursor_value, stamp
from spmkit_testing.oracle._violation import Violation

__all__ = ["NeverPast"]


@invariant("I2", rule="1", title="cursor never past window.until, never in the future, never "
           "backwards", checks="never past `window.until`, never in the future, never "
           "backwards outside a full backfill", exercised_by="a cursor advanced")
class NeverPast(Check):
    def exercised(self, summary: SyncSummary) -> int:
        return sum(1 for step in summary.steps if step.advanced)

    def tick(self, facts: TickFacts) -> Iterator[Violation]:
        for summary in facts.summaries:
            for run in facts.runs(summary):
                step = run.step
                if run.key in facts.twice:
                    moved_to = step.cursor_after if step.cursor_after != step.cursor_before \
                        else None
                elif step.skipped_reason is None and \
                        cursor_value(run.new) != cursor_value(run.old):
                    moved_to = cursor_value(run.new)
                else:
                    continue
                if moved_to is not None and step.window is not None \
                        and moved_to > step.window.until:
                    yield Violation("I2", facts.tick, run.where, f"cursor moved to "
                                    f"{stamp(moved_to)}, past the window it read (until "
                                    f"{stamp(step.window.until)})")
        for key, row in facts.after.items():
            value, old = row.last_synced_at, facts.before.get(key)
            old_value = old.last_synced_at if old else None
            if value is None or value == old_value:
                continue
            where = str(StepSource(*key))
            if value > facts.finished:
                yield Violation("I2", facts.tick, where, f"cursor {stamp(value)} is in the "
                                f"future of now {stamp(facts.finished)}")
            if old_value is not None and value < old_value and not facts.full:
                yield Violation("I2", facts.tick, where, f"cursor moved backwards "
                                f"{stamp(old_value)} -> {stamp(value)} outside a full backfill")
