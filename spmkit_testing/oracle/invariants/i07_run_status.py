"""I7: a run's status is ``partial`` exactly when it has errors."""

from __future__ import annotations

from collections.abc import Iterator

from spmkit import SyncSummary
from spmkit_testing.oracle._facts import TickFacts
from spmkit_testing.oracle._invariant import Check, invariant
from spmkit_testing.oracle._violation import Violation

__all__ = ["RunStatus"]


@invariant("I7", rule="8", title="run status partial iff errors",
           checks="run status `partial` iff errors", exercised_by="a run ended partial")
class RunStatus(Check):
    def exercised(self, summary: SyncSummary) -> int:
        return int(summary.status == "partial")

    def tick(self, facts: TickFacts) -> Iterator[Violation]:
        for summary in facts.summaries:
            if (summary.status == "partial") != bool(summary.errors):
                yield Violation("I7", facts.tick, "(run)", f"status {summary.status!r} with "
                                f"{len(summary.errors)} error(s)")
