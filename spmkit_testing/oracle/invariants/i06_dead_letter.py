"""I6: dead-letter. Every rejected item is stored, at most 500 per run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from spmkit import StepSource, SyncSummary
from spmkit_testing.oracle._facts import TickFacts
from spmkit_testing.oracle._invariant import Check, invariant
from spmkit_testing.oracle._rules import DEAD_LETTER_CAP
from spmkit_testing.oracle._violation import Violation

__all__ = ["DeadLetter"]


@invariant("I6", rule="6", title="dead-letter capped and complete", checks="every rejected "
           "item dead-lettered, at most 500 per run", exercised_by="items were rejected")
class DeadLetter(Check):
    def exercised(self, summary: SyncSummary) -> int:
        return sum(1 for step in summary.steps if step.rejected)

    def tick(self, facts: TickFacts) -> Iterator[Violation]:
        for summary in facts.summaries:
            rows = self.ground.db.list_rejected(run_id=summary.run_id,
                                                limit=10 * DEAD_LETTER_CAP)
            if len(rows) > DEAD_LETTER_CAP:
                yield Violation("I6", facts.tick, "(run)", f"{len(rows)} dead-letter rows in "
                                f"one run")
            # Ground truth for dead-letters is the store, not the count the engine reports.
            written = Counter((d.entity, d.source_key) for d in rows)
            budget = DEAD_LETTER_CAP
            for run in facts.runs(summary):
                step = run.step
                if step.skipped_reason is not None:
                    continue
                want = min(step.rejected, max(budget, 0))
                stored = written.pop(run.key, 0)
                if step.dead_lettered != want or stored != want:
                    yield Violation("I6", facts.tick, run.where, f"{step.dead_lettered} "
                                    f"dead-lettered (reported), {stored} row(s) in the store, "
                                    f"for {step.rejected} rejected item(s); expected {want}")
                budget -= stored
            for (entity, source_key), count in sorted(written.items()):
                yield Violation("I6", facts.tick, str(StepSource(entity, source_key)),
                                f"{count} dead-letter row(s) written by a step-source that "
                                f"did not run")
