"""``Oracle``: every registered invariant, checked after every tick of a simulated world."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from spmkit import SyncSummary
from spmkit_testing.oracle import invariants as _invariants  # noqa: F401 - registers them
from spmkit_testing.oracle._delivery import Undelivered, undelivered
from spmkit_testing.oracle._facts import Memory, SettleFacts, TickFacts
from spmkit_testing.oracle._ground import Ground, rows
from spmkit_testing.oracle._invariant import INVARIANTS, Check
from spmkit_testing.oracle._settle import Lag, lagging, settle_bound, wakes_at
from spmkit_testing.oracle._violation import Violation

__all__ = ["Oracle"]


class Oracle:
    """Checks a simulated world after every tick against ground truth (see
    :data:`~spmkit_testing.oracle.INVARIANTS`).

    Build it once the world is wired and provisioned; call :meth:`begin` as a tick starts
    and :meth:`check` when it ends; :attr:`exercised` counts, per invariant, how often a
    tick made its check meaningful.
    """

    def __init__(self, ground: Ground) -> None:
        self.ground = ground
        self.memory = Memory()
        self.checks: list[tuple[str, Check]] = [
            (inv.id, inv.check(ground, self.memory)) for inv in INVARIANTS.values()]
        self.exercised: Counter[str] = Counter()
        self._before = rows(ground)
        self._journal_at = ground.fake.journal_length

    def begin(self) -> None:
        """Note the store and the fake's journal as a tick starts (a test may have changed
        the store between ticks)."""
        self._before = rows(self.ground)
        self._journal_at = self.ground.fake.journal_length

    def check(self, tick: int, now: datetime, summaries: Sequence[SyncSummary], full: bool, *,
              finished: datetime, workers: int = 1) -> list[Violation]:
        """Check one finished tick: the summaries of the workers that ran it (none when the
        engine crashed; two when a second worker ran the same tick). ``now`` is when it
        started, ``finished`` when it ended."""
        before, after = self._before, rows(self.ground)
        self._before = after
        journal = self.ground.fake.journal_since(self._journal_at) if summaries else ()
        facts = TickFacts(tick, now, finished, summaries, before, after, full, workers,
                          journal, self.ground, self.memory)
        found = [v for _, check in self.checks for v in check.tick(facts)]
        for summary in summaries:
            for name, check in self.checks:
                self.exercised[name] += check.exercised(summary)
        self.memory.note(now, finished, summaries, after)
        return found

    # -- the end of a run ---------------------------------------------------------------

    def lagging(self) -> list[Lag]:
        """The step-sources that have not caught up, and why."""
        return lagging(self.ground, self.memory)

    def wakes_at(self, lags: Sequence[Lag]) -> datetime | None:
        """When the first lagging step-source can run again, if all are in backoff now."""
        return wakes_at(self.ground, self.memory, lags)

    def settle_bound(self, every: timedelta) -> int:
        """Ticks it may take to catch up on a schedule of ``every``."""
        return settle_bound(self.ground, self.memory, every)

    def progress(self, tick: int, bound: int) -> list[Violation]:
        """The violations of a settled world (I10): what has not caught up after ``bound``
        quiet ticks."""
        facts = SettleFacts(tick, bound, [(lag.where, lag.why) for lag in self.lagging()])
        return [v for _, check in self.checks for v in check.settled(facts)]

    def undelivered(self) -> list[Undelivered]:
        """Live records readable now that the fake does not hold and nobody dead-lettered."""
        return undelivered(self.ground)
