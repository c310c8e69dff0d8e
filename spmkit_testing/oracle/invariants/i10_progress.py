"""I10: progress. Once the faults stop and the partner is quiet, the sync catches up within
a bounded number of ticks: every record of every source the partner has is delivered (or
refused and dead-lettered) and every cursor passes the newest record, unless refused
records hold it (the strict policy doing its job)."""

from __future__ import annotations

from collections.abc import Iterator

from spmkit_testing.oracle._facts import SettleFacts
from spmkit_testing.oracle._invariant import Check, invariant
from spmkit_testing.oracle._violation import Violation

__all__ = ["Progress"]


@invariant("I10", rule="-", title="progress: the sync catches up once faults stop",
           checks="progress: once faults stop and the partner is quiet, every record of every "
           "source the partner has is delivered and every cursor passes the newest record, "
           "within a bounded number of ticks (unless refused records hold it)",
           exercised_by="a run settled")
class Progress(Check):
    def settled(self, facts: SettleFacts) -> Iterator[Violation]:
        for where, why in facts.behind:
            yield Violation("I10", facts.tick, where, f"{why} after {facts.bound} quiet "
                            f"tick(s) with no fault: the sync does not catch up (a cursor "
                            f"that never advances, a source that is never read, or a "
                            f"wall-clock read?)")
