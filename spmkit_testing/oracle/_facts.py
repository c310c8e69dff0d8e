"""What the checks are given: the facts of one tick (:class:`TickFacts`), of a settled world
(:class:`SettleFacts`), and the oracle's memory between ticks (:class:`Memory`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from spmkit import CursorState, StepSource, StepSummary, SyncSummary
from spmkit_testing.oracle._ground import Ground
from spmkit_testing.oracle._rules import backoff_window

__all__ = ["Memory", "Run", "SettleFacts", "TickFacts"]

Key = tuple[str, str]


class _Everything:
    """A set that holds every key."""

    def __contains__(self, key: object) -> bool:
        return True


class Memory:
    """What the oracle remembers between ticks, on the simulation's one clock: when each
    failing step-source's last failed run started (backoff is measured from there,
    whatever a store stamped), and why its cursor was held (``StepSummary.held_by``)."""

    def __init__(self) -> None:
        self._failed_at: dict[Key, tuple[int, datetime]] = {}
        self._held_by: dict[Key, tuple[int, str | None]] = {}

    def note(self, now: datetime, finished: datetime, summaries: Sequence[SyncSummary],
             after: dict[Key, CursorState]) -> None:
        """Remember the failures and holds of a finished tick."""
        for summary in summaries:
            for step in summary.steps:
                key = (step.entity, step.source_key)
                row = after.get(key)
                if len(summaries) > 1:
                    # Two workers: which one wrote the row last is not observed; its stamp is.
                    self._failed_at.pop(key, None)
                    self._held_by.pop(key, None)
                elif step.errors and row is not None:
                    # A step-source's start is its window's end; a failure before any window
                    # (sources(), enabled()) started when its step did, which the summary
                    # does not say: the row's stamp, if it lies within the tick.
                    started = step.window.until if step.window is not None else (
                        row.updated_at if now <= row.updated_at <= finished else now)
                    self._failed_at[key] = (row.consecutive_failures, started)
                    self._held_by[key] = (row.consecutive_failures, step.held_by)
                elif step.skipped_reason is None and not step.errors:
                    self._failed_at.pop(key, None)
                    self._held_by.pop(key, None)

    def failed_at(self, key: Key, row: CursorState) -> datetime:
        """When the failure ``row`` records started: the oracle's own observation when it has
        one for this failure count, else the row's stamp (a failure in a crashed tick)."""
        seen = self._failed_at.get(key)
        return seen[1] if seen is not None and seen[0] == row.consecutive_failures \
            else row.updated_at

    def in_backoff(self, key: Key, row: CursorState | None, now: datetime, full: bool) -> bool:
        """Whether the rule keeps ``key`` in backoff at ``now``."""
        if full or row is None or row.last_status != "error" or row.consecutive_failures <= 0:
            return False
        return now < self.failed_at(key, row) + backoff_window(row.consecutive_failures)

    def held_by(self, key: Key, row: CursorState) -> str | None:
        """Why the failure ``row`` records held the cursor, as the run that wrote it
        reported (``StepSummary.held_by``); ``"unknown"`` when that run left no summary
        (it was in a crashed tick)."""
        seen = self._held_by.get(key)
        return seen[1] if seen is not None and seen[0] == row.consecutive_failures \
            else "unknown"


@dataclass(frozen=True, slots=True)
class Run:
    """One step-source's part of a run, with the store rows around the tick."""

    step: StepSummary
    key: Key
    where: str
    old: CursorState | None
    new: CursorState | None


@dataclass
class TickFacts:
    """One finished tick: the summaries of the workers that ran it (none when the engine
    crashed; two when a second worker ran the same tick), the store rows ``before`` and
    ``after``, when it started (``now``) and ended (``finished``: retries and latency take
    simulated time), and the fake's journal of the tick."""

    tick: int
    now: datetime
    finished: datetime
    summaries: Sequence[SyncSummary]
    before: dict[Key, CursorState]
    after: dict[Key, CursorState]
    full: bool
    workers: int
    journal: Sequence[Any]
    ground: Ground
    memory: Memory
    #: Step-sources two runs of this tick both ran (one after the other released its
    #: lease): the rows between the two runs are not observed, so only what each run
    #: reports about itself is checked.
    twice: set[Key] = field(init=False)
    #: What a worker skipped while another ran it: the row is the other worker's. A worker
    #: that crashed reports nothing: any step-source may have been its.
    ran_by_another: set[Key] | _Everything = field(init=False)
    #: Every step-source a run of this tick reported.
    listed: set[Key] = field(init=False)

    def __post_init__(self) -> None:
        ran = Counter((s.entity, s.source_key) for summary in self.summaries
                      for s in summary.steps if s.skipped_reason is None)
        self.twice = {key for key, count in ran.items() if count > 1 or self.workers > 1}
        self.ran_by_another = (set() if self.workers == 1 else _Everything()
                               if len(self.summaries) < self.workers else set(ran))
        self.listed = {(s.entity, s.source_key) for summary in self.summaries
                       for s in summary.steps}

    def runs(self, summary: SyncSummary) -> Iterator[Run]:
        """The step-sources ``summary`` answers for (not those another worker ran)."""
        for step in summary.steps:
            key = (step.entity, step.source_key)
            if step.skipped_reason == "leased" or (
                    step.skipped_reason is not None and key in self.ran_by_another):
                continue  # another worker runs it: the row is that worker's
            yield Run(step, key, str(StepSource(*key)), self.before.get(key),
                      self.after.get(key))

    def policy(self, entity: str) -> bool | float:
        return self.ground.policy(entity)


@dataclass(frozen=True, slots=True)
class SettleFacts:
    """A world that has settled: the last tick, the settle ticks it was given, and the
    step-sources still behind (``(step-source, why)``)."""

    tick: int
    bound: int
    behind: Sequence[tuple[str, str]]
