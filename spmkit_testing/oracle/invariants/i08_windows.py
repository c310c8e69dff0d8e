"""I8: windows as the rule computes them (``cursor - overlap`` or ``backfill_days`` back, to
the step's start), never inverted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from spmkit import SyncSummary
from spmkit_testing.oracle._facts import Run, TickFacts
from spmkit_testing.oracle._invariant import Check, invariant
from spmkit_testing.oracle._rules import stamp
from spmkit_testing.oracle._violation import Violation

__all__ = ["Windows"]


@invariant("I8", rule="3", title="windows as the rule computes them, never inverted",
           checks="windows as the rule computes them, never inverted",
           exercised_by="a window started from a cursor")
class Windows(Check):
    def exercised(self, summary: SyncSummary) -> int:
        return sum(1 for step in summary.steps
                   if step.cursor_before is not None and step.window is not None)

    def tick(self, facts: TickFacts) -> Iterator[Violation]:
        for summary in facts.summaries:
            for run in facts.runs(summary):
                if run.key not in facts.twice and run.step.window is not None:
                    yield from self._window(facts, run)

    def _window(self, facts: TickFacts, run: Run) -> Iterator[Violation]:
        window = run.step.window
        assert window is not None
        if window.since > window.until:
            yield Violation("I8", facts.tick, run.where, f"window since {stamp(window.since)} > "
                            f"until {stamp(window.until)}")
            return
        if not facts.now <= window.until <= facts.finished:
            yield Violation("I8", facts.tick, run.where, f"window until {stamp(window.until)} "
                            f"is not the step's start (the tick ran from {stamp(facts.now)} "
                            f"to {stamp(facts.finished)})")
        cursor = run.old.last_synced_at if run.old is not None else None
        days, overlap = self.ground.backfill_days, self.ground.overlap_seconds
        if facts.full or cursor is None:
            since = window.until - timedelta(days=days)
            rule = f"until - backfill_days ({days:g})"
        else:
            since = cursor - timedelta(seconds=overlap)
            rule = f"cursor {stamp(cursor)} - overlap_seconds ({overlap:g})"
        if window.since != since:
            yield Violation("I8", facts.tick, run.where, f"window since {stamp(window.since)}, "
                            f"but the rule gives {rule} = {stamp(since)}")
